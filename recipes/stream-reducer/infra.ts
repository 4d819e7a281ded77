import { fileURLToPath } from 'node:url'
import { RemovalPolicy } from 'aws-cdk-lib'
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch'
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb'
import type { IStream } from 'aws-cdk-lib/aws-kinesis'
import { SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources'
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs'
import type { Queue } from 'aws-cdk-lib/aws-sqs'
import { Construct } from 'constructs'
import { functionAlarms, onFailureQueue } from '../deploy/alarms.js'
import { kinesisEventSource } from '../deploy/event-source.js'
import { type RecipeLogLevel, recipeFunction } from '../deploy/recipe-function.js'
import { streamReducerSettings } from './settings.js'

/** Options of {@link StreamReducer}; every runtime parameter comes from `settings.ts`. */
export interface StreamReducerProps {
  /** The log stream to count (the log processor's input stream). */
  readonly inputStream: IStream
  /**
   * `COUNT_KEY_FIELD`: count by this top-level field of the log event.
   * @defaultValue unset: the handler counts by the first word of `message`
   */
  readonly countKeyField?: string | undefined
  /** `LOG_LEVEL` of the function. @defaultValue `'INFO'` */
  readonly logLevel?: RecipeLogLevel | undefined
  /**
   * Alarm when the function's iterator age reaches this (ms).
   * @defaultValue half of `eventSource.maximumRecordAgeInSeconds`: past it, windows start to be abandoned
   */
  readonly iteratorAgeAlarmMs?: number | undefined
  /** What `cdk destroy` does to the counts table. @defaultValue `RemovalPolicy.RETAIN` (it holds the results) */
  readonly tableRemovalPolicy?: RemovalPolicy | undefined
}

/**
 * The stream reducer on AWS: a tumbling-window event source mapping on a log stream, the counts table (string `pk`,
 * string `sk`) the function writes each window's counts to, an on-failure queue for abandoned batches, and alarms.
 *
 * @example
 * ```ts
 * const logs = new LogProcessor(stack, 'LogProcessor')
 * const reducer = new StreamReducer(stack, 'StreamReducer', { inputStream: logs.inputStream })
 * ```
 */
export class StreamReducer extends Construct {
  /** Window counts: `pk` names the window, `sk` the key and shard. */
  readonly table: Table
  /** Metadata of batches Lambda gave up on after its retries or the record age. */
  readonly onFailureQueue: Queue
  readonly function: NodejsFunction
  /** Errors, throttles, iterator age, messages in the on-failure queue. */
  readonly alarms: readonly Alarm[]

  constructor(scope: Construct, id: string, props: StreamReducerProps) {
    super(scope, id)
    const settings = streamReducerSettings
    this.table = new Table(this, 'CountsTable', {
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: props.tableRemovalPolicy ?? RemovalPolicy.RETAIN,
    })

    this.function = recipeFunction(this, 'Handler', {
      entry: fileURLToPath(new URL('./handler.ts', import.meta.url)),
      serviceName: 'stream-reducer',
      description: 'serverless-done-right: tumbling-window keyed counts from a Kinesis stream into DynamoDB',
      settings: settings.function,
      logLevel: props.logLevel,
      environment: {
        TABLE_NAME: this.table.tableName,
        ...(props.countKeyField ? { COUNT_KEY_FIELD: props.countKeyField } : {}),
      },
    })
    // The flush writes each window's counts (PutItem) and reads a window back (Query); nothing else.
    this.table.grant(this.function, 'dynamodb:PutItem', 'dynamodb:Query')

    const failures = onFailureQueue(this, 'OnFailureQueue')
    this.onFailureQueue = failures.queue
    this.function.addEventSource(
      kinesisEventSource(props.inputStream, settings.eventSource, new SqsDlq(this.onFailureQueue)),
    )

    const iteratorAgeMs = props.iteratorAgeAlarmMs ?? (settings.eventSource.maximumRecordAgeInSeconds * 1000) / 2
    this.alarms = [...functionAlarms(this, this.function, { iteratorAgeMs }), failures.alarm]
  }
}
