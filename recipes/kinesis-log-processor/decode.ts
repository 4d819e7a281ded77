/**
 * Turns a logged request target and user agent into the text a server (or a vulnerable application behind it) ends up
 * seeing, so that the threat rules match the meaning and not the spelling of an attack.
 *
 * @module
 */

/** The parts of a request the threat rules inspect. */
export interface RequestParts {
  /** The path, before the first `?`. */
  readonly path: string
  /** The query string, after the first `?` (empty when there is none). */
  readonly query: string
  /** The `User-Agent` header. */
  readonly userAgent: string
}

/** How many times percent-decoding is repeated: double encoding (`%252e`) needs two, nobody legitimate needs three. */
const maxDecodePasses = 3

/** IIS-style `%uXXXX` escapes. */
const unicodeEscape = /%u([0-9a-f]{4})/gi
/** A run of `%XX` escapes: decoded together so that multi-byte UTF-8 sequences come out as one character. */
const percentRun = /(?:%[0-9a-f]{2})+/gi
/** SQL block comments: a database reads `UNION`, a comment, `SELECT` as `UNION SELECT`. */
const sqlComment = /\/\*[^*]{0,256}\*\//g
const whitespaceRun = /\s+/g
/** A run that holds a line break stays one: to a shell a newline separates commands. */
const collapse = (run: string) => (run.includes('\n') ? '\n' : ' ')

/**
 * One pass of percent-decoding that never throws: invalid UTF-8 (such as the overlong `%c0%af`) becomes U+FFFD, and a
 * stray `%` stays as it is. `decodeURIComponent` would throw on both, and a detector that throws detects nothing.
 */
function percentDecodeOnce(text: string): string {
  return text
    .replace(unicodeEscape, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))
    .replace(percentRun, (run) => Buffer.from(run.replaceAll('%', ''), 'hex').toString('utf8'))
}

/** Percent-decodes until the text stops changing (at most {@link maxDecodePasses} times). */
function percentDecode(text: string): string {
  let current = text
  for (let pass = 0; pass < maxDecodePasses; pass++) {
    const next = percentDecodeOnce(current)
    if (next === current) break
    current = next
  }
  return current
}

/**
 * Makes spelling variants one: lower case (SQL keywords and HTML tags are case-insensitive), backslashes as slashes
 * (Windows servers accept both), SQL comments as spaces, and every whitespace run as one space (one newline if it holds one).
 */
function canonical(text: string): string {
  return text.toLowerCase().replaceAll('\\', '/').replace(sqlComment, ' ').replace(whitespaceRun, collapse)
}

/** Splits a logged request target (`/search?q=a+plan`) into its path and query string, without decoding. */
export function splitTarget(target: string): { path: string; query: string } {
  const at = target.indexOf('?')
  return at === -1 ? { path: target, query: '' } : { path: target.slice(0, at), query: target.slice(at + 1) }
}

/**
 * The request as logged, split but not decoded: for rules that look for an encoding trick itself (overlong UTF-8).
 */
export function rawParts(target: string, userAgent: string): RequestParts {
  return { ...splitTarget(target), userAgent }
}

/**
 * The request decoded the way a server would, then made canonical: percent-decoding repeated (double encoding),
 * `+` read as a space in the query string (form encoding), then {@link canonical}.
 */
export function decodedParts(target: string, userAgent: string): RequestParts {
  const { path, query } = splitTarget(target)
  return {
    path: canonical(percentDecode(path)),
    query: canonical(percentDecode(query.replaceAll('+', ' '))),
    userAgent: canonical(percentDecode(userAgent)),
  }
}
