/**
 * A loopback proxy in front of an AWS JSON-protocol service (dynalite, fauxqs): optional whole-request faults
 * (throttling, internal failures, latency) as the service sends them, then a handler that forwards the request, or
 * looks at it first (the DynamoDB Streams capture). Internal: `startLocalCloud` starts it.
 *
 * @module
 */
import { randomUUID } from 'node:crypto'
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { type EmbeddedServer, serveEmbedded } from './embedded-server.js'
import { createFaultState, type FaultController, type FaultState, type KinesisFaults } from './faults.js'
import type { WireResponse } from './kinesis-wire.js'

/**
 * The faults a DynamoDB or SQS proxy injects: whole requests only, refused before anything of them is applied.
 * @group Local cloud
 */
export type ServiceFaults = Pick<
  KinesisFaults,
  'requestThrottleRate' | 'requestInternalFailureRate' | 'latencyMs' | 'operations' | 'seed'
>

/** One request as the proxy's handler sees it. */
export interface WireCall {
  /** The operation, from `X-Amz-Target` (`PutItem`, `SendMessage`); `''` when absent. */
  readonly operation: string
  /** The raw body. */
  readonly body: Buffer
  /**
   * Sends a request to the service with the caller's headers (and auth): this call's body, or another body for
   * another operation of the same service (a `GetItem` around a write).
   */
  forward(body?: Buffer, operation?: string): Promise<WireResponse>
}

/** How a service words its whole-request errors, for the protocol its SDK client speaks. */
export interface ServiceErrors {
  /** The 400 the service throttles `operation` with. */
  throttled(operation: string): WireResponse
  /** The 500 the service fails with. */
  internal(): WireResponse
}

/** A running proxy. */
export interface ServiceProxy {
  /** Its loopback server; its URL is the endpoint clients use. */
  readonly server: EmbeddedServer
  /** The same proxy without faults, for setup calls (`createTable`, `createQueue`): its URL ends in `/setup`. */
  readonly setupUrl: string
  /** Live fault settings and counts, when started with faults. */
  readonly controller: FaultController | undefined
  /** Cancels held-back requests and closes the proxy and its upstream connections. */
  stop(): Promise<void>
}

/** An AWS JSON 1.0 error response, as DynamoDB and SQS send it. */
export function jsonError(status: number, type: string, message: string): WireResponse {
  const body = Buffer.from(JSON.stringify({ __type: type, message }))
  return {
    status,
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'content-length': String(body.length),
      'x-amzn-requestid': randomUUID(),
    },
    body,
  }
}

const setupPath = '/setup'

const isSetup = (incoming: IncomingMessage) => (incoming.url ?? '').startsWith(setupPath)

/** The path to forward to: the caller's, less the setup prefix. */
function upstreamPath(incoming: IncomingMessage): string {
  const path = incoming.url ?? '/'
  return isSetup(incoming) ? path.slice(setupPath.length) || '/' : path
}

/** Starts a proxy on an ephemeral loopback port in front of `upstream`. */
export async function startServiceProxy(options: {
  upstream: string
  faults: ServiceFaults | undefined
  errors: ServiceErrors
  handle?: (call: WireCall) => Promise<WireResponse>
  /** The loopback port; `0` (the default) for an ephemeral one. */
  port?: number
}): Promise<ServiceProxy> {
  const state = options.faults === undefined ? undefined : createFaultState({ operations: 'all', ...options.faults })
  const stopping = new AbortController()
  const agent = new Agent({ keepAlive: true })
  const target = new URL(options.upstream)

  async function handle(incoming: IncomingMessage, body: Buffer): Promise<WireResponse> {
    const operation = String(incoming.headers['x-amz-target'] ?? '').split('.')[1] ?? ''
    if (state !== undefined && !isSetup(incoming)) {
      const refused = await injectFault(state, operation, options.errors, stopping.signal)
      if (refused !== undefined) return refused
    }
    const call: WireCall = {
      operation,
      body,
      forward: (other, otherOperation) => forward({ target, agent }, incoming, other ?? body, otherOperation),
    }
    return options.handle === undefined ? call.forward() : options.handle(call)
  }

  const server = createServer((incoming: IncomingMessage, outgoing: ServerResponse) => {
    const chunks: Buffer[] = []
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk))
    incoming.on('end', () => {
      handle(incoming, Buffer.concat(chunks)).then(
        (answer) => {
          outgoing.writeHead(answer.status, answer.headers)
          outgoing.end(answer.body)
        },
        // Stopped, or the service unreachable: the client sees a dropped connection, as with a network fault.
        () => outgoing.destroy(),
      )
    })
  })
  const embedded = await serveEmbedded(server, options.port ?? 0, { drainMs: 5000 })
  return {
    server: embedded,
    setupUrl: `${embedded.url}${setupPath}`,
    controller: state?.controller,
    async stop() {
      stopping.abort()
      await embedded.stop()
      agent.destroy()
    },
  }
}

/** Sends one call on to the service behind the proxy (as `operation` when given) and reads its whole answer. */
function forward(
  { target, agent }: { target: URL; agent: Agent },
  incoming: IncomingMessage,
  body: Buffer,
  operation?: string,
): Promise<WireResponse> {
  // The caller's Host stays: fauxqs builds queue URLs from it, so that they name the proxy.
  const headers: OutgoingHttpHeaders = { ...incoming.headers, 'content-length': String(body.length) }
  if (operation !== undefined) {
    const prefix = String(incoming.headers['x-amz-target'] ?? '').split('.')[0]
    headers['x-amz-target'] = `${prefix}.${operation}`
  }
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      { host: target.hostname, port: target.port, path: upstreamPath(incoming), method: 'POST', headers, agent },
      (response) => {
        const chunks: Buffer[] = []
        response.on('data', (chunk: Buffer) => chunks.push(chunk))
        response.on('error', reject)
        response.on('end', () => {
          const outHeaders: Record<string, string> = {}
          for (const [name, value] of Object.entries(response.headers)) {
            if (typeof value === 'string') outHeaders[name] = value
          }
          resolve({ status: response.statusCode ?? 500, headers: outHeaders, body: Buffer.concat(chunks) })
        })
      },
    )
    outgoing.on('error', reject)
    outgoing.end(body)
  })
}

/** Delays an affected request by `latencyMs`, then refuses it with the drawn fault, if any. */
async function injectFault(
  state: FaultState,
  operation: string,
  errors: ServiceErrors,
  signal: AbortSignal,
): Promise<WireResponse | undefined> {
  state.count('requests')
  const settings = state.current()
  if (settings.operations !== 'all' && !settings.operations.includes(operation)) return undefined
  if (settings.latencyMs > 0) {
    state.count('delayedRequests')
    await sleep(settings.latencyMs, undefined, { signal })
  }
  const draw = state.draw()
  if (draw < settings.requestThrottleRate) {
    state.count('throttledRequests')
    return errors.throttled(operation)
  }
  if (draw < settings.requestThrottleRate + settings.requestInternalFailureRate) {
    state.count('internalFailureRequests')
    return errors.internal()
  }
  return undefined
}
