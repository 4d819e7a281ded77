/**
 * What Kinesis sends on the wire (JSON 1.1 protocol) when it throttles or fails: error bodies, PutRecords entries,
 * and which shard a partition key lands on, for the messages. Used by the fault proxy. Internal.
 *
 * @module
 */
import { createHash, randomUUID } from 'node:crypto'

/** The content type of the Kinesis JSON 1.1 protocol, which the AWS SDK v3 Kinesis client speaks. */
export const amzJson = 'application/x-amz-json-1.1'

/** kinesalite's account id, which its ARNs and error messages use. */
export const localAccountId = '000000000000'

/** The two per-entry error codes PutRecords can return. */
export type EntryErrorCode = 'ProvisionedThroughputExceededException' | 'InternalFailure'

/** A response to send as is. */
export interface WireResponse {
  /** HTTP status. */
  readonly status: number
  /** Response headers. */
  readonly headers: Record<string, string>
  /** Response body. */
  readonly body: Buffer
}

/** One entry of a PutRecords request. */
export interface PutRecordsRequestEntry {
  /** The partition key. */
  PartitionKey?: string
  /** A decimal hash key that overrides the partition key's hash. */
  ExplicitHashKey?: string
}

/** One entry of a PutRecords response: a written record, or an error. */
export interface PutRecordsResultEntry {
  /** Set when the record was written. */
  SequenceNumber?: string
  /** Set when the record was written. */
  ShardId?: string
  /** Set when it was not. */
  ErrorCode?: string
  /** Set when it was not. */
  ErrorMessage?: string
}

/** A shard as `ListShards` describes it, reduced to what routing needs. */
export interface ShardRange {
  /** `shardId-000000000000`. */
  readonly ShardId: string
  /** The hash key range, decimal strings. */
  readonly HashKeyRange: { readonly StartingHashKey: string; readonly EndingHashKey: string }
  /** A closed shard has an `EndingSequenceNumber`. */
  readonly SequenceNumberRange: { readonly EndingSequenceNumber?: string }
}

/** Operations Kinesis throttles with `ProvisionedThroughputExceededException`; the others get `LimitExceededException`. */
const dataPlaneOperations = new Set(['PutRecord', 'PutRecords', 'GetRecords', 'GetShardIterator'])

/** An AWS JSON 1.1 error response, headers included, as Kinesis sends it. */
export function errorResponse(status: number, type: string, message: string): WireResponse {
  const body = Buffer.from(JSON.stringify({ __type: type, message }))
  return {
    status,
    headers: {
      'content-type': amzJson,
      'content-length': String(body.length),
      'x-amzn-requestid': randomUUID(),
      'x-amzn-errortype': type,
    },
    body,
  }
}

/** The 400 Kinesis answers a throttled request of `operation` with. `shardId` sharpens the message when known. */
export function throttledResponse(operation: string, streamName: string | undefined, shardId?: string): WireResponse {
  if (!dataPlaneOperations.has(operation)) {
    const scope = streamName === undefined ? '' : ` for stream ${streamName} under account ${localAccountId}`
    return errorResponse(400, 'LimitExceededException', `Rate exceeded${scope}.`)
  }
  return errorResponse(400, 'ProvisionedThroughputExceededException', rateExceededMessage(streamName, shardId))
}

/** The 500 `InternalFailure` Kinesis answers when the service itself fails. */
export function internalFailureResponse(): WireResponse {
  return errorResponse(500, 'InternalFailure', 'Internal service failure.')
}

/** The message of a `ProvisionedThroughputExceededException`, whole request or PutRecords entry. */
export function rateExceededMessage(streamName: string | undefined, shardId: string | undefined): string {
  if (streamName === undefined) return 'Rate exceeded.'
  if (shardId === undefined) return `Rate exceeded for stream ${streamName} under account ${localAccountId}.`
  return `Rate exceeded for shard ${shardId} in stream ${streamName} under account ${localAccountId}.`
}

/** The failed PutRecords entry Kinesis returns for `code`. */
export function failedEntry(code: EntryErrorCode, streamName: string | undefined, shardId: string | undefined) {
  return {
    ErrorCode: code,
    ErrorMessage: code === 'InternalFailure' ? 'Internal service failure.' : rateExceededMessage(streamName, shardId),
  } satisfies PutRecordsResultEntry
}

/** The 128-bit hash Kinesis routes by: MD5 of the partition key, or the explicit hash key. */
export function hashKeyOf(entry: PutRecordsRequestEntry): bigint | undefined {
  if (entry.ExplicitHashKey !== undefined && /^\d+$/.test(entry.ExplicitHashKey)) return BigInt(entry.ExplicitHashKey)
  if (entry.PartitionKey === undefined) return undefined
  return BigInt(`0x${createHash('md5').update(entry.PartitionKey, 'utf8').digest('hex')}`)
}

/** The open shard whose hash range holds `entry`'s hash key, if known. */
export function shardOf(entry: PutRecordsRequestEntry, shards: readonly ShardRange[]): string | undefined {
  const hash = hashKeyOf(entry)
  if (hash === undefined) return undefined
  const open = shards.filter((shard) => shard.SequenceNumberRange.EndingSequenceNumber === undefined)
  return open.find(
    (shard) => BigInt(shard.HashKeyRange.StartingHashKey) <= hash && hash <= BigInt(shard.HashKeyRange.EndingHashKey),
  )?.ShardId
}

/**
 * Puts the forwarded part of a PutRecords response and the injected failures back in request order and recomputes
 * `FailedRecordCount`, so the caller sees one response as Kinesis would have sent it.
 *
 * @param injected - per request index, the failure injected there (`undefined`: the entry was forwarded)
 * @param forwarded - the upstream response to the forwarded entries, in their order; `undefined` when none was sent
 */
export function mergePutRecordsResponse(
  injected: ReadonlyArray<PutRecordsResultEntry | undefined>,
  forwarded: { Records?: PutRecordsResultEntry[]; EncryptionType?: string } | undefined,
): { FailedRecordCount: number; Records: PutRecordsResultEntry[]; EncryptionType?: string } {
  const upstream = forwarded?.Records ?? []
  let next = 0
  const records = injected.map(
    (failure) => failure ?? upstream[next++] ?? failedEntry('InternalFailure', undefined, undefined),
  )
  const failedRecordCount = records.filter((record) => record.ErrorCode !== undefined).length
  return forwarded?.EncryptionType === undefined
    ? { FailedRecordCount: failedRecordCount, Records: records }
    : { FailedRecordCount: failedRecordCount, Records: records, EncryptionType: forwarded.EncryptionType }
}
