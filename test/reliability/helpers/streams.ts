/**
 * Reading back what the suites put on and got out of Kinesis: ids in records, on-failure ranges resolved against the
 * input stream, and the per-key order of first occurrences.
 */
import { KinesisClient } from '@aws-sdk/client-kinesis'
import { NodeHttpHandler } from '@smithy/node-http-handler'
import type { KinesisOnFailureRecord, LocalCloud } from 'serverless-done-right/local'
import type { StoredRecord } from '../../aws/stream-reader.js'

/** A Kinesis client on `endpoint` (the cloud's, or a proxy in front of it), as `handler.ts` builds its own. */
export function kinesisClient(cloud: LocalCloud, endpoint: string, maxAttempts = 2): KinesisClient {
  return new KinesisClient({
    endpoint,
    region: cloud.region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    requestHandler: new NodeHttpHandler(),
    maxAttempts,
  })
}

/** The ids of the input records an on-failure record names: its shard, from its start to its end sequence number. */
export function idsInRange(
  report: KinesisOnFailureRecord,
  input: readonly StoredRecord[],
  idOf: (record: StoredRecord) => string | undefined,
): string[] {
  const { shardId, startSequenceNumber, endSequenceNumber } = report.KinesisBatchInfo
  const start = BigInt(startSequenceNumber)
  const end = BigInt(endSequenceNumber)
  const ids: string[] = []
  for (const record of input) {
    if (record.shardId !== shardId) continue
    const sequence = BigInt(record.sequenceNumber)
    if (sequence < start || sequence > end) continue
    const id = idOf(record)
    if (id !== undefined) ids.push(id)
  }
  return ids
}

/**
 * Order violations among first occurrences: for each key, walks the output in stream order and counts the ids whose
 * input position is lower than that of an id of the same key that came out before them.
 *
 * @param inputPosition - each id's position in the input stream (sequence order per shard; one key is on one shard)
 * @param output - `[key, id]` in output stream order (one key is on one shard, so this is the key's write order)
 */
export function orderViolations(
  inputPosition: ReadonlyMap<string, number>,
  output: ReadonlyArray<readonly [key: string, id: string]>,
): number {
  const seen = new Set<string>()
  const highest = new Map<string, number>()
  let violations = 0
  for (const [key, id] of output) {
    if (seen.has(id)) continue
    seen.add(id)
    const position = inputPosition.get(id)
    if (position === undefined) continue
    const before = highest.get(key) ?? -1
    if (position < before) violations++
    else highest.set(key, position)
  }
  return violations
}
