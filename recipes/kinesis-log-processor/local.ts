/**
 * The local wiring of a recipe's event source: `kinesisEventSource()` options from the same settings the CDK construct
 * deploys, so what runs locally is what runs on AWS; and a reader of everything on a stream, to check what came out.
 * Used by the demo and the end-to-end tests.
 *
 * @module
 */
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis'
import type { KinesisEventSourceOptions } from 'serverless-done-right/local'

/** The event source and function settings of a recipe (`settings.ts`), in AWS's parameter names. */
export interface RecipeEventSourceSettings {
  readonly eventSource: {
    readonly batchSize: number
    readonly maximumBatchingWindowInSeconds: number
    readonly startingPosition: 'TRIM_HORIZON' | 'LATEST'
    readonly parallelizationFactor: number
    readonly bisectBatchOnFunctionError: boolean
    readonly maximumRetryAttempts: number
    readonly maximumRecordAgeInSeconds: number
    readonly reportBatchItemFailures: boolean
    readonly tumblingWindowInSeconds: number
  }
  readonly function: { readonly timeoutSeconds: number; readonly memoryMb: number }
}

/** The parameters a Kinesis and a DynamoDB Streams mapping share, as the local event sources take them. */
export type StreamMappingParameters = Omit<
  KinesisEventSourceOptions,
  'cloud' | 'streamName' | 'handler' | 'startingPosition' | 'startingPositionTimestamp' | 'destinationConfig'
> & { startingPosition: 'TRIM_HORIZON' | 'LATEST' }

/**
 * The mapping's parameters for `kinesisEventSource()` or `dynamoDbEventSource()`; the caller adds `cloud`, the stream
 * or table name and `handler`.
 */
export function eventSourceParameters(settings: RecipeEventSourceSettings): StreamMappingParameters {
  const { eventSource } = settings
  return {
    batchSize: eventSource.batchSize,
    maximumBatchingWindowInSeconds: eventSource.maximumBatchingWindowInSeconds,
    startingPosition: eventSource.startingPosition,
    parallelizationFactor: eventSource.parallelizationFactor,
    bisectBatchOnFunctionError: eventSource.bisectBatchOnFunctionError,
    maximumRetryAttempts: eventSource.maximumRetryAttempts,
    maximumRecordAgeInSeconds: eventSource.maximumRecordAgeInSeconds,
    functionResponseTypes: eventSource.reportBatchItemFailures ? ['ReportBatchItemFailures'] : [],
    tumblingWindowInSeconds: eventSource.tumblingWindowInSeconds,
    timeoutMs: settings.function.timeoutSeconds * 1000,
    memoryMb: settings.function.memoryMb,
  }
}

/**
 * The data of every entry on a stream, as UTF-8 text, shard by shard in sequence order: what a consumer starting at
 * `TRIM_HORIZON` reads. A packed record (the log processor's output: one client IP's events as JSON Lines) gives one
 * string per line. For checking a local run; a real consumer is an event source mapping (`decode: 'json-lines'`).
 */
export async function readStreamData(kinesis: KinesisClient, streamName: string): Promise<string[]> {
  const { Shards = [] } = await kinesis.send(new ListShardsCommand({ StreamName: streamName }))
  const data: string[] = []
  for (const { ShardId } of Shards) {
    let { ShardIterator: iterator } = await kinesis.send(
      new GetShardIteratorCommand({ StreamName: streamName, ShardId, ShardIteratorType: 'TRIM_HORIZON' }),
    )
    while (iterator !== undefined) {
      const page = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }))
      const records = page.Records ?? []
      for (const record of records)
        data.push(
          ...Buffer.from(record.Data ?? new Uint8Array())
            .toString('utf8')
            .split('\n'),
        )
      if (records.length === 0 && (page.MillisBehindLatest ?? 0) === 0) break
      iterator = page.NextShardIterator
    }
  }
  return data
}
