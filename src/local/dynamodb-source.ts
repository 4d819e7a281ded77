/**
 * A DynamoDB Streams event source mapping emulator: reads the stream the local cloud captures for a table and invokes
 * a handler the way Lambda's poller does, on the same engine as `kinesisEventSource`.
 *
 * @module
 */
import type { Context } from 'aws-lambda'
import type { LocalCloud } from './cloud.js'
import { dynamoDbAdapter } from './dynamodb-streams/adapter.js'
import type { KinesisEventSourceOptions, KinesisOnFailureRecord } from './esm/options.js'
import { resolveOptions } from './esm/resolve.js'
import { createStreamEventSource, type StreamEventSource } from './esm/source.js'

/**
 * A Lambda handler the event source can call; it receives a `DynamoDBStreamEvent` (with tumbling windows, the window
 * members too). Typed with a `never` event so that any handler fits, a Middy handler included.
 * @group Local cloud
 */
export type DynamoDbSourceHandler = (event: never, context: Context) => unknown

/**
 * What Lambda sends to the on-failure destination for a DynamoDB stream batch: `DDBStreamBatchInfo` names the records.
 * @group Local cloud
 */
export type DynamoDbOnFailureRecord = Omit<KinesisOnFailureRecord, 'KinesisBatchInfo'> & {
  /** The records given up on: one shard, a contiguous range of sequence numbers, and the stream's ARN. */
  DDBStreamBatchInfo: KinesisOnFailureRecord['KinesisBatchInfo']
}

/**
 * Options of {@link dynamoDbEventSource}: the mapping parameters of {@link KinesisEventSourceOptions}, with AWS's
 * names, defaults and limits, for the stream of a table.
 * @group Local cloud
 */
export interface DynamoDbEventSourceOptions
  extends Omit<
    KinesisEventSourceOptions,
    'streamName' | 'handler' | 'startingPosition' | 'startingPositionTimestamp' | 'destinationConfig'
  > {
  /** The local cloud whose DynamoDB endpoint captured the writes. */
  cloud: LocalCloud
  /** The table, created with a `StreamSpecification`. */
  tableName: string
  /** The function to invoke, through `invoke()`, with `timeoutMs` and `memoryMb`. */
  handler: DynamoDbSourceHandler
  /**
   * Where to start when there is no checkpoint yet. AWS makes you choose; here it defaults to the start.
   * @defaultValue `'TRIM_HORIZON'`
   */
  startingPosition?: 'TRIM_HORIZON' | 'LATEST'
  /**
   * Where batches go when Lambda gives up on them; `onFailure` is called again (with backoff) until it succeeds.
   * @defaultValue none: given-up batches are dropped, as in AWS without a destination
   */
  destinationConfig?: {
    /** Receives AWS's on-failure record for each batch given up on; the shard waits until it resolves. */
    onFailure?: (record: DynamoDbOnFailureRecord) => void | Promise<void>
  }
}

/**
 * A running (or stopped) DynamoDB Streams event source; see {@link dynamoDbEventSource}.
 * @group Local cloud
 */
export type DynamoDbEventSource = StreamEventSource

/**
 * Creates an event source mapping from the stream of a table of the local cloud to a handler, with the parameters and
 * semantics of `kinesisEventSource`: batch size, batching window, `ReportBatchItemFailures` (identifiers are the
 * records' `SequenceNumber`), bisect, retries, record age, on-failure (`DDBStreamBatchInfo`), tumbling windows and
 * `parallelizationFactor` (the records of one item always in the same lane, so in write order). Nothing runs before
 * `start()`.
 *
 * The stream is captured at the wire by the cloud's DynamoDB endpoint: every PutItem, UpdateItem, DeleteItem and
 * BatchWriteItem that changed an item yields one record (`INSERT`, `MODIFY`, `REMOVE`) with `Keys`, the images the
 * view type asks for, `SequenceNumber`, `SizeBytes` and `ApproximateCreationDateTime`, in write order per item.
 *
 * Differences from AWS: the stream has one shard that never closes (AWS splits streams into shards that roll over);
 * records stay in memory for the life of the cloud (not 24 hours, and not across a persisted restart); `SizeBytes` is
 * an approximation of DynamoDB's item size; TTL deletions, transactions (`TransactWriteItems`, which dynalite lacks)
 * and PartiQL writes are not captured; the DynamoDB Streams API itself (`GetRecords`) is not served; `startingPosition`
 * defaults to `TRIM_HORIZON`; filter criteria are not emulated.
 *
 * @param options - the cloud, table and handler, and the mapping's parameters; see {@link DynamoDbEventSourceOptions}
 * @returns the event source, not started
 *
 * @example
 * ```ts
 * import { PutCommand } from '@aws-sdk/lib-dynamodb'
 * import type { DynamoDBStreamEvent } from 'aws-lambda'
 * import { dynamoDbEventSource, startLocalCloud } from 'serverless-done-right/local'
 *
 * const cloud = await startLocalCloud()
 * await cloud.createTable({
 *   TableName: 'users',
 *   KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
 *   AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
 *   BillingMode: 'PAY_PER_REQUEST',
 *   StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
 * })
 * const source = dynamoDbEventSource({
 *   cloud,
 *   tableName: 'users',
 *   pollIntervalMs: 50,
 *   handler: async (event: DynamoDBStreamEvent) => {
 *     for (const record of event.Records) console.log(record.eventName, record.dynamodb?.Keys)
 *   },
 * })
 * await source.start()
 * await cloud.documentClient.send(new PutCommand({ TableName: 'users', Item: { id: 'u1', name: 'Ada' } }))
 * await source.drain() // INSERT { id: { S: 'u1' } }
 * await source.stop()
 * await cloud.stop()
 * ```
 * @group Local cloud
 */
export function dynamoDbEventSource(options: DynamoDbEventSourceOptions): DynamoDbEventSource {
  const resolved = resolveOptions(options, 'dynamoDbEventSource', 'tableName', ['TRIM_HORIZON', 'LATEST'])
  return createStreamEventSource(
    dynamoDbAdapter(options.cloud, options.tableName, resolved.startingPosition),
    resolved,
    options.handler,
  )
}
