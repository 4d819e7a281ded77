/**
 * The web-access log event the processor reads, and the enriched event it writes.
 *
 * The schema is zod's `zod/mini` (the same zod: functions instead of methods, so a bundle keeps only what it uses):
 * ~25 KB of the Lambda bundle instead of classic zod's ~440 KB, which cost the cold start ~30 ms of CPU (`npm run
 * bench`, cold-start section). Its issues and their messages are classic zod's: the English messages are configured
 * here, as `import 'zod'` does.
 *
 * @module
 */
import { en } from 'zod/locales'
import * as z from 'zod/mini'
import type { Threat } from './threats.js'

/** HTTP methods a web server logs. Anything else is not a request we can reason about. */
const methods = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'CONNECT', 'TRACE'] as const

/** Severity levels, accepted in any case and stored upper-case. */
const levels = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'] as const

z.config(en())

/**
 * One web-access log event. Unknown fields (a request id, a latency, a region) are kept and written out unchanged.
 * The bounds keep one hostile event from costing much to inspect: a path of 8 KiB is what most servers accept.
 */
export const logEventSchema = z.looseObject({
  /** When the request was served, ISO 8601 with a zone (`2026-03-01T12:00:00.000Z`). */
  timestamp: z.iso.datetime({ offset: true }),
  level: z.pipe(z.string().check(z.toUpperCase()), z.enum(levels)),
  /** The service that logged the request. */
  service: z.string().check(z.minLength(1), z.maxLength(128)),
  /** The client IP, v4 or v6; the output stream's partition key. */
  ip: z.union([z.ipv4(), z.ipv6()]),
  method: z.pipe(z.string().check(z.toUpperCase()), z.enum(methods)),
  /** The request target as logged: path and query string, still URL-encoded. */
  path: z.string().check(z.minLength(1), z.maxLength(8192)),
  /** The response status. */
  status: z.number().check(z.int(), z.minimum(100), z.maximum(599)),
  /** The `User-Agent` header; empty when the client sent none. */
  userAgent: z.string().check(z.maxLength(2048)),
  message: z.string().check(z.maxLength(16_384)),
})

/** A valid log event (unknown fields included). */
export type LogEvent = z.infer<typeof logEventSchema>

/** What the processor writes to the output stream: the event, its threats (none is `[]`) and when it was processed. */
export type EnrichedLogEvent = LogEvent & {
  /** Every rule that matched, in rule-table order; brute force last. */
  threats: Threat[]
  /** ISO 8601 time the processor handled the batch. */
  processedAt: string
}

/** What the processor writes to the dead-letter stream for an event it cannot read or that fails the schema. */
export interface DeadLetter {
  /** `decode` (not base64 / UTF-8 / JSON) or `schema` (including an enriched event too large or too deep to write). */
  reason: string
  /** The error code, such as `SDR_INVALID_RECORD`. */
  code: string
  /** A one-line explanation. */
  message: string
  /** Every problem, each with a JSON pointer into the event. */
  issues: Array<{ pointer: string; message: string }>
  /** Where the record came from, so it can be found and replayed. */
  source: {
    eventSourceARN: string
    eventID: string
    partitionKey: string
    sequenceNumber: string
    approximateArrivalTimestamp: number
  }
  /** The record's data exactly as received: base64 (its first 512 Ki characters when `dataTruncated`). */
  data: string
  /** Present and `true` when `data` was cut; the whole record is still in the input stream until it expires. */
  dataTruncated?: true
  /** ISO 8601 time it was dead-lettered. */
  deadLetteredAt: string
}
