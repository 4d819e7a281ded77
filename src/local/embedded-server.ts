/**
 * Runs an embedded HTTP service (kinesalite, dynalite, the fault proxy) on loopback and stops it cleanly. Internal.
 *
 * @module
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { refuseForeignRequest } from './loopback-only.js'

/** A service listening on 127.0.0.1. */
export interface EmbeddedServer {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string
  /** The port it listens on (the ephemeral one picked when asked for `0`). */
  readonly port: number
  /** Stops taking requests, lets the ones in flight finish (up to `drainMs`), drops every connection, closes. Idempotent. */
  stop(): Promise<void>
}

const defaults = {
  host: '127.0.0.1',
  /** How long `stop()` waits for requests in flight before it drops their connections anyway. */
  drainMs: 5000,
  /** How often `stop()` looks whether they finished. */
  drainPollMs: 5,
} as const

type RequestListener = (request: IncomingMessage, response: ServerResponse) => void

/**
 * Starts `server` on `port` (`0`: an ephemeral one) of 127.0.0.1.
 *
 * Requests from web pages or under a non-loopback `Host` get `403` (see `refuseForeignRequest`). The server's request
 * listeners are wrapped so that `stop()` knows which requests are in flight: kinesalite and
 * dynalite close their LevelDB store in `close()`, and a request still working on the store then would fail (and
 * kinesalite throws such errors, which would crash the process). So `stop()` refuses new requests first, waits for the
 * running ones to answer (up to `options.drainMs`, default 5000), and only then closes.
 */
export async function serveEmbedded(
  server: Server,
  port: number,
  options: { drainMs?: number } = {},
): Promise<EmbeddedServer> {
  const drainMs = options.drainMs ?? defaults.drainMs
  const inner = server.listeners('request') as RequestListener[]
  server.removeAllListeners('request')
  let inFlight = 0
  let stopping = false
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    if (stopping) {
      request.socket.destroy()
      return
    }
    // A web page (an Origin header) or a DNS-rebound name (a Host that is not loopback) never reaches the service.
    if (refuseForeignRequest(request, response)) return
    inFlight += 1
    let finished = false
    const finish = () => {
      if (finished) return
      finished = true
      inFlight -= 1
    }
    // Counted as finished when the service answers, or when the client goes away before the body arrived
    // (then the service never starts the work).
    let bodyReceived = false
    request.on('end', () => {
      bodyReceived = true
    })
    request.on('close', () => {
      if (!bodyReceived) finish()
    })
    const end = response.end.bind(response) as (...args: unknown[]) => ServerResponse
    response.end = ((...args: unknown[]) => {
      finish()
      return end(...args)
    }) as ServerResponse['end']
    for (const listener of inner) listener.call(server, request, response)
    // kinesalite and dynalite rethrow request errors (`req.on('error', err => { throw err })`), so a client hanging
    // up mid-body (ECONNRESET) would crash the whole process. It only ends that request: the 'close' above counts it.
    request.removeAllListeners('error')
    request.on('error', () => undefined)
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, defaults.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const actualPort = (server.address() as AddressInfo).port

  let stopped: Promise<void> | undefined
  return {
    url: `http://${defaults.host}:${actualPort}`,
    port: actualPort,
    stop() {
      stopped ??= (async () => {
        stopping = true
        const giveUpAt = Date.now() + drainMs
        while (inFlight > 0 && Date.now() < giveUpAt) await sleep(defaults.drainPollMs)
        const closed = new Promise<void>((resolve, reject) => {
          server.close((error) => (error ? reject(error) : resolve()))
        })
        server.closeAllConnections()
        await closed
      })()
      return stopped
    },
  }
}
