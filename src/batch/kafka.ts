/**
 * Reading the parts of a Kafka record that are not its value: its key and its headers. `fanOut` decodes the value
 * (the item) and orders by topic-partition (`meta.key`); these two helpers read the rest from `meta.record`.
 *
 * @module
 */
import { Buffer } from 'node:buffer'
import type { MSKRecord } from 'aws-lambda'

/**
 * The key of a Kafka record (Amazon MSK or self-managed), decoded from base64 as UTF-8 text; `undefined` when the
 * record has no key (Lambda leaves it out, or sends `null`, for a record produced without one).
 *
 * @param record - a Kafka record, e.g. `meta.record` in a `fanOut` record handler
 * @returns the key as a string, or `undefined`
 *
 * @example
 * ```ts
 * import type { MSKRecord } from 'aws-lambda'
 * import { fanOut, kafkaHeaders, kafkaKey } from 'serverless-done-right'
 *
 * export const handler = fanOut(async (order, meta) => {
 *   const record = meta.record as MSKRecord
 *   console.log(kafkaKey(record), kafkaHeaders(record)['trace-id'], meta.key, order)
 * })
 * ```
 * @group Batches
 */
export function kafkaKey(record: MSKRecord): string | undefined {
  const key: unknown = record.key
  return typeof key === 'string' ? Buffer.from(key, 'base64').toString('utf8') : undefined
}

/**
 * The headers of a Kafka record (Amazon MSK or self-managed) as an object of UTF-8 strings. Lambda sends them as an
 * array of one-entry objects whose values are arrays of bytes; a header name that repeats keeps its last value.
 * A missing or malformed `headers` gives `{}`.
 *
 * @param record - a Kafka record, e.g. `meta.record` in a `fanOut` record handler
 * @returns header name → value
 *
 * @example
 * ```ts
 * import type { MSKRecord } from 'aws-lambda'
 * import { kafkaHeaders } from 'serverless-done-right'
 *
 * const record = { headers: [{ 'trace-id': [97, 98, 99] }] } as unknown as MSKRecord
 * kafkaHeaders(record) // { 'trace-id': 'abc' }
 * ```
 * @group Batches
 */
export function kafkaHeaders(record: MSKRecord): Record<string, string> {
  const headers: Record<string, string> = {}
  const list: unknown = record.headers
  if (!Array.isArray(list)) return headers
  for (const header of list) {
    if (typeof header !== 'object' || header === null) continue
    for (const [name, bytes] of Object.entries(header as Record<string, unknown>)) {
      if (Array.isArray(bytes)) headers[name] = Buffer.from(bytes as number[]).toString('utf8')
    }
  }
  return headers
}
