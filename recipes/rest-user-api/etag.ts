/**
 * The user's version as an HTTP entity tag, and the `If-Match` precondition a write carries.
 *
 * @module
 */

/** What an `If-Match` header asks for: any current user (`*`), or one of these versions. */
export type Precondition =
  | { readonly kind: 'any' }
  | { readonly kind: 'versions'; readonly versions: readonly number[] }

/** The most entity tags one `If-Match` may list: more is an abuse of a header meant for one or two. */
export const maxIfMatchTags = 16

/** `"3"`: the strong entity tag of version 3. */
export function formatETag(version: number): string {
  return `"${version}"`
}

/** One entity tag carrying a version: `"3"` or `W/"3"` (a weak tag names the same version here). */
const versionTag = /^(?:W\/)?"([1-9][0-9]{0,14})"$/

/**
 * Parses an `If-Match` value: `*`, or a comma-separated list of entity tags this API issued (`"3"`, `W/"3"`).
 * Returns `undefined` for anything else (an unknown tag format, an empty list, too many tags): the caller answers 400.
 *
 * RFC 9110 asks for strong comparison in `If-Match`; this API's tags are plain version numbers, so a weak tag
 * (as some proxies rewrite them) is read as the same version.
 */
export function parseIfMatch(value: string): Precondition | undefined {
  const trimmed = value.trim()
  if (trimmed === '*') return { kind: 'any' }
  const parts = trimmed.split(',')
  if (parts.length > maxIfMatchTags) return undefined
  const versions: number[] = []
  for (const part of parts) {
    const match = versionTag.exec(part.trim())
    if (match === null) return undefined
    const version = Number(match[1])
    if (!versions.includes(version)) versions.push(version)
  }
  return { kind: 'versions', versions }
}
