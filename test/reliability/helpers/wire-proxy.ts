/**
 * A loopback HTTP proxy for wire faults the local cloud's own fault proxy does not make: a request held back past a
 * deadline (a stalled dependency), a DynamoDB call refused, or applied with its answer lost. The real AWS SDK talks to
 * it as to the service; `decide` looks at each request and says what the wire does with it.
 */
import { Agent, createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/** A request as it reached the proxy. */
export interface WireRequest {
  /** The `X-Amz-Target` operation, such as `PutRecords` or `PutItem` (after the service prefix and the dot). */
  readonly operation: string
  readonly headers: IncomingHttpHeaders
  readonly body: Buffer
}

/** An answer the proxy gives instead of (or after) the service's. */
export interface WireAnswer {
  readonly status: number
  readonly headers: Record<string, string>
  readonly body: string
}

/** What the wire does with one request. */
export type WireAction =
  /** Passes it on, after `delayMs` if given. */
  | { readonly kind: 'forward'; readonly delayMs?: number }
  /** Answers without passing it on: the service never sees it. */
  | { readonly kind: 'refuse'; readonly answer: WireAnswer }
  /** Passes it on (the service applies it), then answers `answer` instead: the response was lost on the way back. */
  | { readonly kind: 'lose-answer'; readonly answer: WireAnswer }

/** A running proxy. */
export interface WireProxy {
  /** `http://127.0.0.1:<port>`: the endpoint to give an SDK client. */
  readonly url: string
  /** Requests held back right now. */
  readonly held: number
  /** Stops listening, cancels held requests (their clients see a dropped connection), closes every socket. */
  stop(): Promise<void>
}

/**
 * Starts a proxy on 127.0.0.1 in front of `upstream` (an `http://host:port` URL). `onAnswer` sees the status the
 * service gave each request it was passed (before a `lose-answer` replaces it).
 */
export async function startWireProxy(
  upstream: string,
  decide: (request: WireRequest) => WireAction,
  onAnswer?: (request: WireRequest, status: number) => void,
): Promise<WireProxy> {
  const target = new URL(upstream)
  const agent = new Agent({ keepAlive: true })
  const timers = new Set<NodeJS.Timeout>()
  let held = 0

  const forward = (headers: IncomingHttpHeaders, path: string, body: Buffer) =>
    new Promise<{ status: number; headers: Record<string, string>; body: Buffer }>((resolve, reject) => {
      const outgoing = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          path,
          method: 'POST',
          headers: { ...headers, host: target.host, 'content-length': String(body.length) },
          agent,
        },
        (response) => {
          const chunks: Buffer[] = []
          response.on('data', (chunk: Buffer) => chunks.push(chunk))
          response.on('error', reject)
          response.on('end', () => {
            const out: Record<string, string> = {}
            for (const [name, value] of Object.entries(response.headers))
              if (typeof value === 'string') out[name] = value
            resolve({ status: response.statusCode ?? 500, headers: out, body: Buffer.concat(chunks) })
          })
        },
      )
      outgoing.on('error', reject)
      outgoing.end(body)
    })

  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer)
        resolve()
      }, ms)
      timers.add(timer)
    })

  const server: Server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = []
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk))
    incoming.on('error', () => undefined)
    incoming.on('end', () => {
      const body = Buffer.concat(chunks)
      const operation = String(incoming.headers['x-amz-target'] ?? '').split('.')[1] ?? ''
      const wireRequest: WireRequest = { operation, headers: incoming.headers, body }
      const action = decide(wireRequest)
      const answer = (reply: WireAnswer) => {
        if (outgoing.destroyed) return
        outgoing.writeHead(reply.status, { ...reply.headers, 'content-length': String(Buffer.byteLength(reply.body)) })
        outgoing.end(reply.body)
      }
      void (async () => {
        if (action.kind === 'refuse') return answer(action.answer)
        if (action.kind === 'forward' && action.delayMs !== undefined) {
          held++
          try {
            await wait(action.delayMs)
          } finally {
            held--
          }
        }
        const response = await forward(incoming.headers, incoming.url ?? '/', body)
        onAnswer?.(wireRequest, response.status)
        if (action.kind === 'lose-answer') return answer(action.answer)
        if (outgoing.destroyed) return
        outgoing.writeHead(response.status, response.headers)
        outgoing.end(response.body)
      })().catch(() => outgoing.destroy())
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo

  return {
    url: `http://127.0.0.1:${port}`,
    get held() {
      return held
    },
    async stop() {
      for (const timer of timers) clearTimeout(timer)
      timers.clear()
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      server.closeAllConnections()
      await closed
      agent.destroy()
    },
  }
}

/** A DynamoDB error answer (AWS JSON 1.0), as the service sends it. */
export function dynamoError(status: number, type: string, message: string): WireAnswer {
  return {
    status,
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-errortype': type },
    body: JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message }),
  }
}
