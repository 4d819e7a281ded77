/**
 * Runs one Standard Schema and turns its issues into JSON-pointer {@link ValidationIssue}s. Internal.
 *
 * @module
 */
import type { StandardSchemaV1 } from '@standard-schema/spec'
import type { ValidationIssue } from '../errors.js'

/** The outcome of one schema run: the output value, or the issues found (already pointed). */
export type PartResult =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly issues: ValidationIssue[] }

/** RFC 6901 escaping of one reference token: `~` → `~0`, `/` → `~1`. */
function escapeToken(token: string): string {
  return token.includes('~') || token.includes('/') ? token.replaceAll('~', '~0').replaceAll('/', '~1') : token
}

function segmentKey(segment: PropertyKey | StandardSchemaV1.PathSegment): PropertyKey {
  return typeof segment === 'object' && segment !== null ? segment.key : segment
}

/**
 * A JSON pointer for an issue path under `prefix`: `('/body', ['tags', 0])` → `/body/tags/0`.
 * Symbol keys (which JSON never has) are written by their description.
 */
export function pointerOf(prefix: string, path: StandardSchemaV1.Issue['path']): string {
  if (path === undefined || path.length === 0) return prefix
  let pointer = prefix
  for (const segment of path) {
    const key = segmentKey(segment)
    pointer += `/${escapeToken(typeof key === 'symbol' ? (key.description ?? '') : String(key))}`
  }
  return pointer
}

function toPartResult(result: StandardSchemaV1.Result<unknown>, prefix: string): PartResult {
  if (result.issues === undefined) return { ok: true, value: result.value }
  const issues: ValidationIssue[] = []
  for (const issue of result.issues) issues.push({ pointer: pointerOf(prefix, issue.path), message: issue.message })
  // A failure result must name at least one issue; a schema that returns an empty list still failed.
  if (issues.length === 0) issues.push({ pointer: prefix, message: 'Invalid value' })
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
