/**
 * What the API Gateway emulator reads from an HTTP request before it builds an event: the body (with API Gateway's
 * 10 MB limit), the query string and the headers. Internal to `serverless-done-right/local`.
 *
 * @module
 */
import type { IncomingMessage } from 'node:http'
import { safeDecode } from './routes.js'

/** The request as both payload formats need it. */
export interface GatewayRequest {
  readonly method: string
  /** The path as sent, still percent-encoded, without the query string. */
  readonly rawPath: string
  /** Everything after `?`, as sent; `''` when there is none. */
  readonly rawQueryString: string
  /** Header names as the client sent them, each with every value in order. */
  readonly headers: ReadonlyArray<readonly [name: string, value: string]>
  readonly body: Buffer | undefined
  readonly sourceIp: string
  /** `HTTP/1.1`. */
  readonly protocol: string
  readonly receivedAt: Date
}

/** The outcome of reading a body: its bytes, or `tooLarge` once the limit is passed (the rest is never stored). */
export type BodyRead = { kind: 'body'; body: Buffer | undefined } | { kind: 'tooLarge' }

/**
 * Reads the request body up to `limitBytes`. A declared `Content-Length` over the limit is refused before any byte is
 * read; a longer chunked body is refused when it passes the limit, and the remaining bytes are discarded unread.
 */
export function readBody(request: IncomingMessage, limitBytes: number): Promise<BodyRead> {
  const declared = Number(request.headers['content-length'])
  if (Number.isFinite(declared) && declared > limitBytes) {
    request.resume()
    return Promise.resolve({ kind: 'tooLarge' })
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let received = 0
    const onData = (chunk: Buffer) => {
      received += chunk.length
      if (received > limitBytes) {
        chunks.length = 0
        request.off('data', onData)
        request.resume()
        resolve({ kind: 'tooLarge' })
        return
      }
      chunks.push(chunk)
    }
    request.on('data', onData)
    request.once('end', () => resolve({ kind: 'body', body: received === 0 ? undefined : Buffer.concat(chunks) }))
    request.once('error', reject)
  })
}

/** Splits `req.url` into the raw path and raw query string. Absolute-form targets (`http://host/p?q`) are accepted. */
export function splitTarget(target: string): { rawPath: string; rawQueryString: string } {
  let pathAndQuery = target
  if (!target.startsWith('/')) {
    const afterScheme = target.indexOf('://')
    const pathStart = afterScheme === -1 ? -1 : target.indexOf('/', afterScheme + 3)
    pathAndQuery = pathStart === -1 ? '/' : target.slice(pathStart)
  }
  const question = pathAndQuery.indexOf('?')
  if (question === -1) return { rawPath: pathAndQuery, rawQueryString: '' }
  return { rawPath: pathAndQuery.slice(0, question), rawQueryString: pathAndQuery.slice(question + 1) }
}

/** Every query parameter in order, names and values percent-decoded (malformed escapes are kept as sent). */
export function parseQuery(rawQueryString: string): Array<[name: string, value: string]> {
  const pairs: Array<[string, string]> = []
  for (const part of rawQueryString.split('&')) {
    if (part === '') continue
    const equals = part.indexOf('=')
    const name = equals === -1 ? part : part.slice(0, equals)
    const value = equals === -1 ? '' : part.slice(equals + 1)
    pairs.push([safeDecode(name), safeDecode(value)])
  }
  return pairs
}

/** `rawHeaders` as `[name, value]` pairs with the client's spelling of each name. */
export function headerPairs(request: IncomingMessage): Array<[string, string]> {
  const pairs: Array<[string, string]> = []
  const raw = request.rawHeaders
  for (let index = 0; index + 1 < raw.length; index += 2) pairs.push([raw[index] as string, raw[index + 1] as string])
  return pairs
}

/** The media types API Gateway passes as text; every other body reaches the handler base64-encoded. */
const textTypes = /^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded|graphql)\b|[^;]*\+(json|xml)\b)/i

/**
 * The event's `body` and `isBase64Encoded`: text media types that are valid UTF-8 pass as a string, anything else
 * (binary types, or bytes that are not UTF-8) as base64, so no byte is lost on the way to the handler.
 */
export function encodeBody(
  body: Buffer | undefined,
  contentType: string | undefined,
): {
  body: string | undefined
  isBase64Encoded: boolean
} {
  if (body === undefined) return { body: undefined, isBase64Encoded: false }
  if (contentType !== undefined && textTypes.test(contentType.trim())) {
    try {
      // `ignoreBOM`: a leading byte order mark stays in the text, as API Gateway passes it on (without it, the decoder
      // drops it and a body the function would refuse on AWS is accepted here).
      return { body: new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(body), isBase64Encoded: false }
    } catch {
      // invalid UTF-8 under a text type: fall through to base64 rather than corrupt it
    }
  }
  return { body: body.toString('base64'), isBase64Encoded: true }
}

/** The first value of a header, matched case-insensitively. */
export function headerValue(request: GatewayRequest, name: string): string | undefined {
  const lower = name.toLowerCase()
  return request.headers.find(([headerName]) => headerName.toLowerCase() === lower)?.[1]
}
