/**
 * The DynamoDB Streams side of the stream engine: the table's stream in the cloud's capture store, one shard, read
 * in memory. Internal to `serverless-done-right/local`.
 *
 * @module
 */
import type { LocalCloud } from '../cloud.js'
import type { StreamAdapter, StreamItem } from '../esm/adapter.js'
import { mappingIdentity } from '../esm/records.js'
import type { ResolvedOptions } from '../esm/resolve.js'
import { LocalOptionsError } from '../options-error.js'
import type { StoredRecord } from './store.js'

/** The index of the first record after `sequenceNumber` (fixed-width decimal strings compare as numbers). */
function indexAfter(records: readonly StoredRecord[], sequenceNumber: string): number {
  let low = 0
  let high = records.length
  while (low < high) {
    const middle = (low + high) >>> 1
    if ((records[middle] as StoredRecord).sequenceNumber <= sequenceNumber) low = middle + 1
    else high = middle
  }
  return low
}

const toItem = (record: StoredRecord): StreamItem => ({
  sequenceNumber: record.sequenceNumber,
  partitionKey: record.itemKey,
  arrivalMs: record.arrivalMs,
  event: record.event,
})

/** The stream of `tableName` in `cloud`, read the way Lambda's poller does. */
export function dynamoDbAdapter(
  cloud: LocalCloud,
  tableName: string,
  startingPosition: ResolvedOptions['startingPosition'],
): StreamAdapter {
  return {
    label: 'dynamoDbEventSource',
    batchInfoKey: 'DDBStreamBatchInfo',
    async connect(_signal, functionName) {
      const stream = cloud.dynamodbStreams.get(tableName)
      if (stream === undefined)
        throw new LocalOptionsError(
          `dynamoDbEventSource: table ${tableName} has no stream (create it with a StreamSpecification)`,
        )
      const identity = mappingIdentity(stream.streamArn, cloud.region, functionName)
      return {
        identity,
        listShards: async () => [{ shardId: stream.shardId, parentIds: [] }],
        openShard() {
          // LATEST: what is written after the reader opened.
          const latest = stream.records.length
          return {
            async read(limit, resumeAfter) {
              const from =
                resumeAfter !== undefined
                  ? indexAfter(stream.records, resumeAfter)
                  : startingPosition === 'LATEST'
                    ? latest
                    : 0
              return { items: stream.records.slice(from, from + limit).map(toItem), ended: false }
            },
          }
        },
        close: () => undefined,
      }
    },
  }
}
