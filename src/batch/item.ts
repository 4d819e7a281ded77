/**
 * Schema checking of decoded items: any Standard Schema, synchronous when the schema is, with every issue turned
 * into a JSON pointer for the {@link InvalidRecordError}.
 *
 * @module
 */
import type { StandardSchemaV1 } from '@standard-schema/spec'
import { InvalidRecordError } from './errors.js'

/** The JSON pointer (RFC 6901) of a Standard Schema issue path; `''` for the item itself. */
export function issuePointer(path: StandardSchemaV1.Issue['path']): string {
  let pointer = ''
  for (const segment of path ?? []) {
    const token = String(typeof segment === 'object' && segment !== null ? segment.key : segment)
    pointer += `/${token.replaceAll('~', '~0').replaceAll('/', '~1')}`
  }
  return pointer
}

function unwrap<T>(result: StandardSchemaV1.Result<T>, id: string): T {
  if (result.issues === undefined) return result.value
  const issues = result.issues.map((issue) => ({ pointer: issuePointer(issue.path), message: issue.message }))
  throw new InvalidRecordError(id, 'schema', issues)
}

/**
 * Makes the checker of decoded items for one schema. Returns the schema's output, or a promise of it when the schema
 * is asynchronous, so the common synchronous case costs no extra microtask.
 *
 * @param schema - any Standard Schema
 * @returns a function of the decoded item and the record's identifier (for the error) to the validated item
 * @throws InvalidRecordError with reason `schema` and every issue, from the returned function
 */
export function itemChecker<T>(schema: StandardSchemaV1<unknown, T>): (value: unknown, id: string) => T | Promise<T> {
  const { validate } = schema['~standard']
  return (value, id) => {
    const result = validate(value)
    if (result instanceof Promise) return result.then((settled) => unwrap(settled, id))
    return unwrap(result, id)
  }
}

/** The error to report for a record whose decoding or checking threw: an {@link InvalidRecordError} as it is. */
export function asInvalidRecordError(error: unknown, id: string): InvalidRecordError {
  if (error instanceof InvalidRecordError) return error
  const message = error instanceof Error ? error.message : String(error)
  return new InvalidRecordError(id, 'schema', [{ pointer: '', message: `schema threw: ${message}` }], { cause: error })
}
