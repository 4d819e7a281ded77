/**
 * The reason phrase of each 4xx and 5xx HTTP status: the `title` of a problem+json body and of an `HttpError`.
 * Internal: not part of the public API.
 *
 * The same phrases as `STATUS_CODES` of `node:http` (a test holds them equal), kept here because an ES module that
 * imports `node:http` costs a cold start about 35 ms of CPU on Node 22: Node builds the module's namespace by reading
 * every export, and three of them are getters that load undici. Middy's core does not import it; this library did,
 * for these phrases alone (BENCHMARKS.md, cold-start notes).
 *
 * @module
 */

const phrases: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  402: 'Payment Required',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  407: 'Proxy Authentication Required',
  408: 'Request Timeout',
  409: 'Conflict',
  410: 'Gone',
  411: 'Length Required',
  412: 'Precondition Failed',
  413: 'Payload Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  416: 'Range Not Satisfiable',
  417: 'Expectation Failed',
  418: "I'm a Teapot",
  421: 'Misdirected Request',
  422: 'Unprocessable Entity',
  423: 'Locked',
  424: 'Failed Dependency',
  425: 'Too Early',
  426: 'Upgrade Required',
  428: 'Precondition Required',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  451: 'Unavailable For Legal Reasons',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
  505: 'HTTP Version Not Supported',
  506: 'Variant Also Negotiates',
  507: 'Insufficient Storage',
  508: 'Loop Detected',
  509: 'Bandwidth Limit Exceeded',
  510: 'Not Extended',
  511: 'Network Authentication Required',
}

/** The reason phrase of a 4xx or 5xx `status`; `undefined` for any other status and for an unassigned one. */
export function statusText(status: number): string | undefined {
  return phrases[status]
}
