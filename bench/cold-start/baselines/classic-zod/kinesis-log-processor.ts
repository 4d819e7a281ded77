/**
 * Cold-start baseline: the kinesis-log-processor recipe's schemas as a user writes them, with classic zod (`import { z } from
 * 'zod'`), exactly as the recipe had them before it moved to `zod/mini`. Same issues and messages
 * (bench/cold-start/baselines/classic-zod/ only serves the baselines; never deployed).
 */
import { z } from 'zod'

/** HTTP methods a web server logs. Anything else is not a request we can reason about. */
const methods = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'CONNECT', 'TRACE'] as const

/** Severity levels, accepted in any case and stored upper-case. */
const levels = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'] as const

/**
 * One web-access log event. Unknown fields (a request id, a latency, a region) are kept and written out unchanged.
 * The bounds keep one hostile event from costing much to inspect: a path of 8 KiB is what most servers accept.
 */
export const logEventSchema = z.looseObject({
  /** When the request was served, ISO 8601 with a zone (`2026-03-01T12:00:00.000Z`). */
  timestamp: z.iso.datetime({ offset: true }),
  level: z.string().toUpperCase().pipe(z.enum(levels)),
  /** The service that logged the request. */
  service: z.string().min(1).max(128),
  /** The client IP, v4 or v6; the output stream's partition key. */
  ip: z.union([z.ipv4(), z.ipv6()]),
  method: z.string().toUpperCase().pipe(z.enum(methods)),
  /** The request target as logged: path and query string, still URL-encoded. */
  path: z.string().min(1).max(8192),
  /** The response status. */
  status: z.number().int().min(100).max(599),
  /** The `User-Agent` header; empty when the client sent none. */
  userAgent: z.string().max(2048),
  message: z.string().max(16_384),
})

/** A valid log event (unknown fields included). */
export type LogEvent = z.infer<typeof logEventSchema>
