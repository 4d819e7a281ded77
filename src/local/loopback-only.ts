/**
 * The local cloud's front door: only programs on this machine may talk to it, never a web page. Internal.
 *
 * @module
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http'

/** `localhost`, `*.localhost`, `127.x.x.x` and `[::1]`, with or without a port. */
const loopbackHost = /^(?:(?:[a-z0-9-]+\.)*localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d{1,5})?$/i

/**
 * Why a request to a local service must be refused, or `undefined` to serve it.
 *
 * kinesalite and dynalite answer any browser origin (`Access-Control-Allow-Origin: *`): a web page that finds the
 * port could read and write the local tables and streams, and through DNS rebinding even without CORS (its own host
 * name resolved to 127.0.0.1). SDK clients and other local programs send no `Origin` and a loopback `Host`; browsers
 * send `Origin` on every cross-origin request and preflight, and the page's own name as `Host` after a rebinding.
 * So: any `Origin` header is refused, and so is a `Host` that is not a loopback name or address. A request without a
 * `Host` (HTTP/1.0) comes from no browser and is served.
 */
export function foreignRequestReason(headers: IncomingHttpHeaders): string | undefined {
  if (headers.origin !== undefined) return 'requests from web pages (an Origin header) are refused'
  const host = headers.host
  if (host !== undefined && !loopbackHost.test(host.trim())) return `the Host ${JSON.stringify(host)} is not loopback`
  return undefined
}

/**
 * Answers `403` and returns `true` when `request` must not reach a local service ({@link foreignRequestReason});
 * returns `false` otherwise. Put it first in a request listener: `if (refuseForeignRequest(req, res)) return`.
 */
export function refuseForeignRequest(request: IncomingMessage, response: ServerResponse): boolean {
  const reason = foreignRequestReason(request.headers)
  if (reason === undefined) return false
  request.resume()
  const body = JSON.stringify({ __type: 'AccessDeniedException', message: `Local cloud: ${reason}` })
  response.writeHead(403, {
    'Content-Type': 'application/x-amz-json-1.1',
    'Content-Length': Buffer.byteLength(body),
    Connection: 'close',
  })
  response.end(body)
  return true
}
