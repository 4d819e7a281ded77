/**
 * Runs one Standard Schema and turns its issues into JSON-pointer {@link ValidationIssue}s. Internal.
 *
 * @module
 */
import type { StandardSchemaV1 } from '@standard-schema/spec'
import type { ValidationIssue } from '../errors.js'
import { issuesOf } from '../json-pointer.js'

/** The outcome of one schema run: the output value, or the issues found (already pointed). */
export type PartResult =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly issues: ValidationIssue[] }

function toPartResult(result: StandardSchemaV1.Result<unknown>, prefix: string): PartResult {
  if (result.issues === undefined) return { ok: true, value: result.value }
  const issues = issuesOf(prefix, result.issues)
  return { ok: false, issues }
}

/**
 * Runs `schema` on `value`. Stays synchronous when the schema is, so a sync chain pays for no promise.
 * A schema that throws (rather than reporting issues) is a bug in the schema: the error propagates.
 */
export function runSchema(schema: StandardSchemaV1, value: unknown, prefix: string): PartResult | Promise<PartResult> {
  const result = schema['~standard'].validate(value)
  return 'then' in result ? result.then((settled) => toPartResult(settled, prefix)) : toPartResult(result, prefix)
}
