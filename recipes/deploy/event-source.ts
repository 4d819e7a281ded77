import { Duration } from 'aws-cdk-lib'
import type { ITable, Table } from 'aws-cdk-lib/aws-dynamodb'
import type { IStream } from 'aws-cdk-lib/aws-kinesis'
import type { IEventSourceDlq } from 'aws-cdk-lib/aws-lambda'
import { StartingPosition } from 'aws-cdk-lib/aws-lambda'
import { DynamoEventSource, KinesisEventSource } from 'aws-cdk-lib/aws-lambda-event-sources'

/**
 * A stream event source mapping (Kinesis or DynamoDB Streams) as the recipes' settings modules write it: AWS's parameter
 * names, camel-cased, in seconds. The log processor's, the reducer's and the user audit's `eventSource` blocks all have
 * this shape.
 */
export interface KinesisEventSourceSettings {
  readonly batchSize: number
  readonly maximumBatchingWindowInSeconds: number
  readonly startingPosition: 'TRIM_HORIZON' | 'LATEST'
  readonly parallelizationFactor: number
  readonly bisectBatchOnFunctionError: boolean
  readonly maximumRetryAttempts: number
  readonly maximumRecordAgeInSeconds: number
  readonly reportBatchItemFailures: boolean
  /** 0 means no tumbling window. */
  readonly tumblingWindowInSeconds: number
}

/**
 * The event source mapping for `stream`, every parameter taken from `settings`, so that the deployed mapping is the one
 * `recipes/demo.ts` emulates. `onFailure` receives the metadata of batches Lambda gives up on (retries or record age spent).
 */
export function kinesisEventSource(
  stream: IStream,
  settings: KinesisEventSourceSettings,
  onFailure?: IEventSourceDlq,
): KinesisEventSource {
  return new KinesisEventSource(stream, streamSourceProps(settings, onFailure))
}

/**
 * The DynamoDB Streams event source mapping for `table` (created with a stream), every parameter taken from
 * `settings`, so that the deployed mapping is the one `recipes/demo.ts` runs with `dynamoDbEventSource()`.
 */
export function dynamoEventSource(
  table: Table,
  settings: KinesisEventSourceSettings,
  onFailure?: IEventSourceDlq,
): DynamoEventSource {
  // A `Table` is an `ITable`; only `exactOptionalPropertyTypes` (`tableStreamArn?: string` against `string | undefined`)
  // keeps the compiler from seeing it.
  return new DynamoEventSource(table as ITable, streamSourceProps(settings, onFailure))
}

/** The CDK props both stream mappings share, from the settings' AWS parameter names. */
function streamSourceProps(settings: KinesisEventSourceSettings, onFailure: IEventSourceDlq | undefined) {
  return {
    startingPosition: StartingPosition[settings.startingPosition],
    batchSize: settings.batchSize,
    maxBatchingWindow: Duration.seconds(settings.maximumBatchingWindowInSeconds),
    parallelizationFactor: settings.parallelizationFactor,
    bisectBatchOnError: settings.bisectBatchOnFunctionError,
    retryAttempts: settings.maximumRetryAttempts,
    maxRecordAge: Duration.seconds(settings.maximumRecordAgeInSeconds),
    reportBatchItemFailures: settings.reportBatchItemFailures,
    ...(settings.tumblingWindowInSeconds > 0
      ? { tumblingWindow: Duration.seconds(settings.tumblingWindowInSeconds) }
      : {}),
    ...(onFailure ? { onFailure } : {}),
  }
}
