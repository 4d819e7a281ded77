/**
 * Validates the parts of an incoming event and builds the event the handler sees. Internal: `validate()` is the
 * public face.
 *
 * @module
 */
import type { StandardSchemaV1 } from '@standard-schema/spec'
import { ValidationError, type ValidationIssue } from '../errors.js'
import { type PartResult, runSchema } from './issues.js'
import type { ValidateSchemas } from './types.js'

type EventRecord = Record<string, unknown>

/** One validated part of the event, prepared once when `validate()` is called. */
export interface RequestPart {
  /** The schema. */
  readonly schema: StandardSchemaV1
  /** Pointer prefix of its issues: `/body`, `/query`, … */
  readonly prefix: string
  /** The event member it replaces, or `undefined` for the whole event. */
  readonly member: 'body' | 'queryStringParameters' | 'pathParameters' | 'headers' | undefined
}

function isRecord(value: unknown): value is EventRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * Header names lower-cased, so schemas match `Content-Type` (payload 1.0) and `content-type` (2.0) alike.
 * Names that differ only in case are joined with a comma, as payload 2.0 joins repeated headers.
 * `Object.fromEntries` defines own data properties, so a header named `__proto__` stays a plain header.
 */
function lowerCaseHeaders(headers: unknown): EventRecord {
  if (!isRecord(headers)) return {}
  const lowered = new Map<string, unknown>()
  for (const name of Object.keys(headers)) {
    const key = name.toLowerCase()
    const value = headers[name]
    const seen = lowered.get(key)
    lowered.set(key, seen === undefined ? value : `${String(seen)},${String(value)}`)
  }
  return Object.fromEntries(lowered)
}

function readPart(member: NonNullable<RequestPart['member']>, event: EventRecord): unknown {
  switch (member) {
    case 'body':
      return event.body
    case 'headers':
      return lowerCaseHeaders(event.headers)
    default:
      // API Gateway sends null (1.0) or leaves the member out (2.0) when there are none: schemas see `{}`.
      return event[member] ?? {}
  }
}

/** The parts to validate, in a fixed order, from the schema map. */
export function requestParts(schemas: ValidateSchemas): RequestPart[] {
  const parts: RequestPart[] = []
  if (schemas.event) parts.push({ schema: schemas.event, prefix: '/event', member: undefined })
  if (schemas.body) parts.push({ schema: schemas.body, prefix: '/body', member: 'body' })
  if (schemas.query) parts.push({ schema: schemas.query, prefix: '/query', member: 'queryStringParameters' })
  if (schemas.path) parts.push({ schema: schemas.path, prefix: '/path', member: 'pathParameters' })
  if (schemas.headers) parts.push({ schema: schemas.headers, prefix: '/headers', member: 'headers' })
  return parts
}

function assemble(
  parts: readonly RequestPart[],
  event: unknown,
  inputs: readonly unknown[],
  results: readonly PartResult[],
): unknown {
  let issues: ValidationIssue[] | undefined
  for (const result of results) {
    if (!result.ok) issues = issues === undefined ? result.issues : issues.concat(result.issues)
  }
  if (issues !== undefined) throw new ValidationError(issues)

  let next: unknown = event
  let copied = false
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as RequestPart
    const value = (results[i] as PartResult & { ok: true }).value
    if (part.member === undefined) {
      next = value
      continue
    }
    // A shallow copy, made once: the caller's event object is never written to.
    if (!copied) {
      next = isRecord(next) ? { ...next } : {}
      copied = true
    }
    const target = next as EventRecord
    // Headers the schema does not name stay readable (lower-cased) for later middlewares such as CORS.
    target[part.member] =
      part.member === 'headers' && isRecord(value) ? { ...(inputs[i] as EventRecord), ...value } : value
  }
  return next
}

/**
 * Validates every part of `event` (all of them, so all issues are reported together) and returns the event the
 * handler should see: a shallow copy with each part replaced by its schema's output. Throws a `ValidationError`
 * naming every issue. Returns synchronously when every schema is synchronous.
 */
export function validateRequest(parts: readonly RequestPart[], event: unknown): unknown {
  const source: EventRecord = isRecord(event) ? event : {}
  const inputs: unknown[] = []
  const results: Array<PartResult | Promise<PartResult>> = []
  let pending = false
  for (const part of parts) {
    const input = part.member === undefined ? event : readPart(part.member, source)
    const result = runSchema(part.schema, input, part.prefix)
    if (result instanceof Promise) pending = true
    inputs.push(input)
    results.push(result)
  }
  if (!pending) return assemble(parts, event, inputs, results as PartResult[])
  return Promise.all(results).then((settled) => assemble(parts, event, inputs, settled))
}
