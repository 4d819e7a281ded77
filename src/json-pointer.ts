/**
 * The one JSON-pointer builder: Standard Schema issue paths to RFC 6901 pointers, for HTTP validation and for batch
 * records alike. Internal.
 *
 * @module
 */
import type { StandardSchemaV1 } from '@standard-schema/spec'
import type { ValidationIssue } from './errors.js'

/** RFC 6901 escaping of one reference token: `~` → `~0`, `/` → `~1`. */
function escapeToken(token: string): string {
  return token.replaceAll('~', '~0').replaceAll('/', '~1')
}

/**
 * A JSON pointer for an issue path under `prefix`: `('/body', ['tags', 0])` → `/body/tags/0`; `('', undefined)` → `''`.
 * Symbol keys (which JSON never has) are written by their description.
 */
export function pointerOf(prefix: string, path: StandardSchemaV1.Issue['path']): string {
  let pointer = prefix
  for (const segment of path ?? []) {
    const key = typeof segment === 'object' ? segment.key : segment
    pointer += `/${escapeToken(typeof key === 'symbol' ? (key.description ?? '') : String(key))}`
  }
  return pointer
}

/**
 * The issues of a failed schema run, pointed under `prefix`. Never empty: a schema that fails with no issue still
 * failed, and gets one `Invalid value` at `prefix`.
 */
export function issuesOf(prefix: string, issues: readonly StandardSchemaV1.Issue[]): ValidationIssue[] {
  const pointed: ValidationIssue[] = []
  for (const issue of issues) pointed.push({ pointer: pointerOf(prefix, issue.path), message: String(issue.message) })
  if (pointed.length === 0) pointed.push({ pointer: prefix, message: 'Invalid value' })
  return pointed
}
