/**
 * The request side of `putRecords`: entry checks, chunking, the one-per-key rounds, retry classification, backoff
 * waits and the PutRecords call itself. Internal: not part of the public API.
 *
 * @module
 */

import { setTimeout as sleep } from 'node:timers/promises'
import type {
  KinesisClient,
  PutRecordsCommand,
  PutRecordsRequestEntry,
  PutRecordsResultEntry,
} from '@aws-sdk/client-kinesis'
import type { PutRecordsEntry, PutRecordsOptions } from './put-records.js'

/**
 * `@aws-sdk/client-kinesis` is an optional peer: the main entry must import for users who never put records, so the
 * command class is loaded on first use (`import()` is cached by the runtime; bundlers keep it for the external SDK).
 */
export const loadPutRecordsCommand = async (): Promise<typeof PutRecordsCommand> =>
  (await import('@aws-sdk/client-kinesis')).PutRecordsCommand

/** The options with every default filled in. */
export type Settings = Required<Omit<PutRecordsOptions, 'signal'>> & Pick<PutRecordsOptions, 'signal'>

/**
 * Whole-request errors worth another attempt that their HTTP status does not tell: throttling (Kinesis answers it with
 * a 400) and timeouts. Server-side failures (`InternalFailure`, `ServiceUnavailable`) come with a 5xx status.
 */
const retryableErrorNames = new Set([
  'ProvisionedThroughputExceededException',
  'KMSThrottlingException',
  'LimitExceededException',
  'ThrottlingException',
  'TimeoutError',
  'RequestTimeout',
])

/** Socket-level failures: no answer came back, so the request may be sent again. */
const networkErrorCodes = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'EAI_AGAIN'])

export interface Prepared {
  readonly entry: PutRecordsRequestEntry
  readonly bytes: number
}

export interface Failure {
  readonly errorCode: string
  readonly errorMessage: string
}

const utf8 = new TextEncoder()

export function prepare(entry: PutRecordsEntry, settings: Settings): Prepared | Failure {
  const data = typeof entry.data === 'string' ? utf8.encode(entry.data) : entry.data
  // UTF-16 code units, as the service (and kinesalite) count them: an emoji is two.
  const keyLength = typeof entry.partitionKey === 'string' ? entry.partitionKey.length : 0
  if (keyLength < 1 || keyLength > 256) {
    return {
      errorCode: 'InvalidEntry',
      errorMessage: `The partition key must have 1 to 256 characters, not ${keyLength}`,
    }
  }
  const bytes = data.byteLength + utf8.encode(entry.partitionKey).byteLength
  if (bytes > settings.maxEntryBytes) {
    return {
      errorCode: 'InvalidEntry',
      errorMessage: `The entry has ${bytes} bytes, over the limit of ${settings.maxEntryBytes}`,
    }
  }
  const request: PutRecordsRequestEntry = { Data: data, PartitionKey: entry.partitionKey }
  if (entry.explicitHashKey !== undefined) request.ExplicitHashKey = entry.explicitHashKey
  return { entry: request, bytes }
}

export function isRetryable(error: unknown): boolean {
  const candidate = error as { name?: unknown; code?: unknown; $retryable?: unknown; $metadata?: unknown }
  if (typeof candidate !== 'object' || candidate === null) return false
  if (candidate.$retryable !== undefined && candidate.$retryable !== null) return true
  if (typeof candidate.name === 'string' && retryableErrorNames.has(candidate.name)) return true
  const status = (candidate.$metadata as { httpStatusCode?: unknown } | undefined)?.httpStatusCode
  if (typeof status === 'number') return status >= 500 || status === 429
  return typeof candidate.code === 'string' && networkErrorCodes.has(candidate.code)
}

export function describe(error: unknown): Failure {
  if (error instanceof Error) return { errorCode: error.name, errorMessage: error.message }
  return { errorCode: 'Error', errorMessage: String(error) }
}

/** Resolves after `ms`, or at once when `signal` aborts (the timer is cleared then); never rejects. */
export const pause = (ms: number, signal: AbortSignal | undefined): Promise<void> =>
  sleep(ms, undefined, signal === undefined ? {} : { signal }).catch(() => undefined)

/** Splits entry indices into requests of at most `maxEntriesPerRequest` entries and `maxBytesPerRequest` bytes. */
export function chunk(indices: readonly number[], prepared: readonly Prepared[], settings: Settings): number[][] {
  const chunks: number[][] = []
  let current: number[] = []
  let bytes = 0
  for (const index of indices) {
    const size = (prepared[index] as Prepared).bytes
    if (
      current.length > 0 &&
      (current.length >= settings.maxEntriesPerRequest || bytes + size > settings.maxBytesPerRequest)
    ) {
      chunks.push(current)
      current = []
      bytes = 0
    }
    current.push(index)
    bytes += size
  }
  if (current.length > 0) chunks.push(current)
  return chunks
}

/** The first unwritten entry of each partition key, in input order. */
export function headsPerKey(pending: readonly number[], entries: readonly PutRecordsEntry[]): number[] {
  const seen = new Set<string>()
  const heads: number[] = []
  for (const index of pending) {
    const key = (entries[index] as PutRecordsEntry).partitionKey
    if (seen.has(key)) continue
    seen.add(key)
    heads.push(index)
  }
  return heads
}

/** What one request did: a result entry per sent entry (empty when the request failed retryably), or a fatal error. */
export type RequestOutcome = { readonly records: readonly PutRecordsResultEntry[] } | { readonly fatal: Failure }

export async function send(
  client: KinesisClient,
  Command: typeof PutRecordsCommand,
  streamName: string,
  batch: PutRecordsRequestEntry[],
): Promise<RequestOutcome> {
  try {
    const response = await client.send(new Command({ StreamName: streamName, Records: batch }))
    return { records: response.Records ?? [] }
  } catch (error) {
    const failure = describe(error)
    if (!isRetryable(error)) return { fatal: failure }
    return { records: batch.map(() => ({ ErrorCode: failure.errorCode, ErrorMessage: failure.errorMessage })) }
  }
}
