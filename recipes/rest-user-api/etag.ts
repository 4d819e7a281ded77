/**
 * The user's version as an HTTP entity tag, and the `If-Match` precondition a write carries.
 *
 * @module
 */

/**
 * What an `If-Match` header asks for: any current user (`*`), or one of these versions. `versions` is empty when
 * every tag in the header is well-formed but none is one this API issued (`"not-ours"`): nothing matches it, so the
 * write is refused with 412, as RFC 9110 §13.1.1 says for a tag that does not match.
 */
export type Precondition =
  | { readonly kind: 'any' }
  | { readonly kind: 'versions'; readonly versions: readonly number[] }

/** The most entity tags one `If-Match` may list: more is an abuse of a header meant for one or two. */
export const maxIfMatchTags = 16

/** `"3"`: the strong entity tag of version 3. */
export function formatETag(version: number): string {
  return `"${version}"`
}

/** The opaque part of a tag this API issued: a version number. */
const versionText = /^[1-9][0-9]{0,14}$/

/** RFC 9110 `etagc`: `!`, `#` to `~`, and obs-text; no space, no `"`, no control character. */
const isEtagChar = (code: number) => code === 0x21 || (code >= 0x23 && code <= 0x7e) || (code >= 0x80 && code <= 0xff)

const isSpace = (code: number) => code === 0x20 || code === 0x09

/**
 * The opaque parts of a comma-separated list of entity tags (`"3", W/"x,y"`), or `undefined` when the list is
 * malformed. One pass over the text: a tag may itself contain commas, so the list is not split on them.
 */
function entityTags(text: string): string[] | undefined {
  const tags: string[] = []
  let index = 0
  const skipSpaces = () => {
    while (index < text.length && isSpace(text.charCodeAt(index))) index++
  }
  for (;;) {
    skipSpaces()
    if (text.startsWith('W/', index)) index += 2
    if (text[index] !== '"') return undefined
    const start = ++index
    while (index < text.length && isEtagChar(text.charCodeAt(index))) index++
    if (text[index] !== '"') return undefined
    tags.push(text.slice(start, index++))
    if (tags.length > maxIfMatchTags) return undefined
    skipSpaces()
    if (index === text.length) return tags
    if (text[index++] !== ',') return undefined
  }
}

/**
 * Parses an `If-Match` value: `*`, or a comma-separated list of entity tags (RFC 9110 §8.8.3: `"3"`, `W/"3"`).
 * Returns `undefined` for anything else (not an entity tag, an empty list, more than {@link maxIfMatchTags} tags):
 * the caller answers 400. A well-formed tag this API did not issue (`"not-ours"`) is not an error: it matches no
 * version, and the write gets 412.
 *
 * RFC 9110 asks for strong comparison in `If-Match`; this API's tags are plain version numbers, so a weak tag
 * (as some proxies rewrite them) is read as the same version.
 */
export function parseIfMatch(value: string): Precondition | undefined {
  if (value.trim() === '*') return { kind: 'any' }
  const tags = entityTags(value)
  if (tags === undefined) return undefined
  const versions: number[] = []
  for (const tag of tags) {
    if (!versionText.test(tag)) continue
    const version = Number(tag)
    if (!versions.includes(version)) versions.push(version)
  }
  return { kind: 'versions', versions }
}
