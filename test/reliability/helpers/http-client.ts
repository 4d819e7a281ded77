/**
 * Two ways to send a hostile request to a local gateway: `send` through Node's HTTP client on a keep-alive agent (fast;
 * repeated headers and any bytes in a body), and `sendRaw` writing the request's bytes on a fresh socket (anything at
 * all: broken framing, raw bytes in the request target, duplicate framing headers).
 */
import { Agent, request as httpRequest } from 'node:http'
import { connect } from 'node:net'

/** A request as the suites describe it. Header pairs may repeat a name. */
export interface HostileRequest {
  readonly method: string
  /** The request target: path and query string, already percent-encoded as the client sends it. */
  readonly target: string
  readonly headers: ReadonlyArray<readonly [string, string]>
  readonly body?: Buffer | string | undefined
}

/** What came back. */
export interface Answer {
  readonly status: number
  readonly headers: Record<string, string | string[] | undefined>
  readonly body: string
}

/** A keep-alive client for one gateway. */
export function httpClient(baseUrl: string) {
  const url = new URL(baseUrl)
  const agent = new Agent({ keepAlive: true, maxSockets: 4 })
  return {
    send(request: HostileRequest): Promise<Answer> {
      // With headers as a list, Node's client adds no Host of its own.
      const flat: string[] = request.headers.some(([name]) => name.toLowerCase() === 'host') ? [] : ['Host', url.host]
      for (const [name, value] of request.headers) flat.push(name, value)
      const body = request.body === undefined ? undefined : Buffer.from(request.body)
      if (body !== undefined && !request.headers.some(([name]) => name.toLowerCase() === 'content-length')) {
        flat.push('Content-Length', String(body.length))
      }
      return new Promise((resolve, reject) => {
        const outgoing = httpRequest(
          {
            host: url.hostname,
            port: url.port,
            method: request.method,
            path: request.target,
            headers: flat,
            agent,
          },
          (response) => {
            const chunks: Buffer[] = []
            response.on('data', (chunk: Buffer) => chunks.push(chunk))
            response.on('error', reject)
            response.on('end', () =>
              resolve({
                status: response.statusCode ?? 0,
                headers: response.headers,
                body: Buffer.concat(chunks).toString('utf8'),
              }),
            )
          },
        )
        outgoing.on('error', reject)
        outgoing.end(body)
      })
    },
    close(): void {
      agent.destroy()
    },
  }
}

/**
 * Writes `bytes` (a whole HTTP/1.1 request, `Connection: close` included by the caller) on a new socket and reads the
 * answer until the server closes. A server that closes without a status line yields status 0.
 */
export function sendRaw(port: number, bytes: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port })
    const chunks: Buffer[] = []
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // The server may drop a request it refuses before reading it whole: that is an answer too.
      if (error.code === 'ECONNRESET' || error.code === 'EPIPE') socket.destroy()
      else reject(error)
    })
    socket.on('close', () => resolve(parseAnswer(Buffer.concat(chunks))))
    socket.write(bytes)
  })
}

function parseAnswer(raw: Buffer): Answer {
  const text = raw.toString('latin1')
  const end = text.indexOf('\r\n\r\n')
  if (end === -1) return { status: 0, headers: {}, body: '' }
  const [statusLine = '', ...lines] = text.slice(0, end).split('\r\n')
  const status = Number(statusLine.split(' ')[1] ?? 0)
  const headers: Record<string, string> = {}
  for (const line of lines) {
    const colon = line.indexOf(':')
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
  }
  const length = Number(headers['content-length'])
  const bodyBytes = raw.subarray(Buffer.byteLength(text.slice(0, end + 4), 'latin1'))
  const body = (Number.isFinite(length) ? bodyBytes.subarray(0, length) : bodyBytes).toString('utf8')
  return { status, headers, body }
}

/**
 * The bytes of a request line, headers (each pair as given, in latin1) and body. `Connection: close` is added, and
 * `Host` and `Content-Length` unless the request has its own.
 */
export function rawBytes(request: HostileRequest, host: string, options: { contentLength?: boolean } = {}): Buffer {
  const body = request.body === undefined ? Buffer.alloc(0) : Buffer.from(request.body)
  const lines = [`${request.method} ${request.target} HTTP/1.1`, 'Connection: close']
  if (!request.headers.some(([name]) => name.toLowerCase() === 'host')) lines.push(`Host: ${host}`)
  for (const [name, value] of request.headers) lines.push(`${name}: ${value}`)
  if (options.contentLength !== false && !request.headers.some(([name]) => name.toLowerCase() === 'content-length'))
    lines.push(`Content-Length: ${body.length}`)
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), body])
}
