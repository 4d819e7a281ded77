/**
 * Options of the stream event source mapping emulators (Kinesis, and DynamoDB Streams on the same engine), with AWS's
 * defaults and AWS's limits.
 *
 * @module
 */
import type { Context } from 'aws-lambda'
import type { LocalCloud } from '../cloud.js'

/**
 * A Lambda handler the event source can call. Typed with a `never` event so that any handler fits, a Middy handler
 * included; it receives a `KinesisStreamEvent` (with tumbling windows, a `KinesisStreamTumblingWindowEvent`).
 * @group Local cloud
 */
export type KinesisSourceHandler = (event: never, context: Context) => unknown

/**
 * What Lambda sends to the on-failure destination when it gives up on a batch. It names the records
 * (`KinesisBatchInfo`); it does not carry them.
 * @group Local cloud
 */
export interface KinesisOnFailureRecord {
  /** Why and for which function. */
  requestContext: {
    /** A fresh id for this failure report. */
    requestId: string
    /** The function's ARN. */
    functionArn: string
    /** `RetryAttemptsExhausted` after `maximumRetryAttempts`, `RecordAgeExceeded` past `maximumRecordAgeInSeconds`. */
    condition: 'RetryAttemptsExhausted' | 'RecordAgeExceeded'
    /** How many times this batch was invoked. */
    approximateInvokeCount: number
  }
  /** How the last invocation ended. */
  responseContext: {
    /** `200` for an invocation that ran (even when the function failed), `0` when the batch was never invoked. */
    statusCode: number
    /** `$LATEST`. */
    executedVersion: string
    /** `Unhandled` when the function threw or timed out; absent when it returned a response that reported failure. */
    functionError?: string
  }
  /** `1.0`. */
  version: string
  /** When Lambda gave up, ISO-8601. */
  timestamp: string
  /** The records given up on: one shard, a contiguous range of sequence numbers. */
  KinesisBatchInfo: {
    /** The shard, e.g. `shardId-000000000000`. */
    shardId: string
    /** The first record's sequence number. */
    startSequenceNumber: string
    /** The last record's sequence number. */
    endSequenceNumber: string
    /** The first record's arrival time, ISO-8601. */
    approximateArrivalOfFirstRecord: string
    /** The last record's arrival time, ISO-8601. */
    approximateArrivalOfLastRecord: string
    /** How many records. */
    batchSize: number
    /** The stream's ARN. */
    streamArn: string
  }
}

/**
 * Where an event source sends what it gives up on.
 * @group Local cloud
 */
export interface KinesisDestinationConfig {
  /**
   * Receives AWS's on-failure record for each batch given up on; the shard waits until it resolves.
   * @defaultValue none
   */
  onFailure?: (record: KinesisOnFailureRecord) => void | Promise<void>
}

/**
 * Options of `kinesisEventSource()`: the mapping's own parameters carry AWS's names, defaults and limits.
 * @group Local cloud
 */
export interface KinesisEventSourceOptions {
  /** The local cloud whose Kinesis is read (at `cloud.endpoints.kinesis`: a fault proxy in front of it is felt). */
  cloud: LocalCloud
  /** The stream to read. */
  streamName: string
  /** The function to invoke, through `invoke()`, with `timeoutMs` and `memoryMb`. */
  handler: KinesisSourceHandler
  /**
   * Most records in one batch, 1–10,000. A batch also never passes 6 MB.
   * @defaultValue `100`
   */
  batchSize?: number
  /**
   * How long to gather records before invoking with a batch that is not full, 0–300 seconds.
   * @defaultValue `0` (invoke with what one read returned)
   */
  maximumBatchingWindowInSeconds?: number
  /**
   * Where to start reading a shard that has no checkpoint yet. AWS makes you choose; here it defaults to the start.
   * @defaultValue `'TRIM_HORIZON'`
   */
  startingPosition?: 'TRIM_HORIZON' | 'LATEST' | 'AT_TIMESTAMP'
  /**
   * For `AT_TIMESTAMP`: the time to start from (a `Date`, or epoch seconds as AWS takes it).
   * @defaultValue none; required with `AT_TIMESTAMP`
   */
  startingPositionTimestamp?: Date | number
  /**
   * Concurrent batches per shard, 1–10. Records of one partition key always go to the same lane, so they stay in
   * order; the checkpoint never passes the lowest unfinished record of any lane.
   * @defaultValue `1`
   */
  parallelizationFactor?: number
  /**
   * Split a failed batch in two and retry each half; splitting does not count toward `maximumRetryAttempts`.
   * @defaultValue `false`
   */
  bisectBatchOnFunctionError?: boolean
  /**
   * Retries of a failed batch before it goes to `destinationConfig.onFailure`; `-1` retries until the records expire.
   * -1–10,000.
   * @defaultValue `-1`
   */
  maximumRetryAttempts?: number
  /**
   * Records older than this go to `destinationConfig.onFailure` instead of the function; `-1` means never.
   * AWS takes -1 or 60–604,800 seconds; the emulator also takes 1–59, so that tests need not wait a minute.
   * @defaultValue `-1`
   */
  maximumRecordAgeInSeconds?: number
  /**
   * `['ReportBatchItemFailures']` to honour `{ batchItemFailures }` responses; otherwise any failure fails the batch.
   * @defaultValue `[]`
   */
  functionResponseTypes?: ReadonlyArray<'ReportBatchItemFailures'>
  /**
   * Tumbling windows of this many seconds, 0–900; `0` turns them off. Needs `parallelizationFactor` 1.
   * @defaultValue `0`
   */
  tumblingWindowInSeconds?: number
  /**
   * Where batches go when Lambda gives up on them. `onFailure` receives AWS's on-failure record; if it throws, it is
   * called again (with backoff) until it succeeds, and the shard waits.
   * @defaultValue none: given-up batches are dropped, as in AWS without a destination
   */
  destinationConfig?: KinesisDestinationConfig
  /**
   * The function's timeout in milliseconds.
   * @defaultValue `3000`
   */
  timeoutMs?: number
  /**
   * The function's memory in MB.
   * @defaultValue `128`
   */
  memoryMb?: number
  /**
   * The function's name, in its context and ARNs.
   * @defaultValue `'local-function'`
   */
  functionName?: string
  /**
   * How long an idle shard waits between two reads. A read that returned a full page is followed by the next one at
   * once. AWS polls about once a second; tests and demos use 50–100.
   * @defaultValue `1000`
   */
  pollIntervalMs?: number
}

export const defaults = {
  batchSize: 100,
  maximumBatchingWindowInSeconds: 0,
  startingPosition: 'TRIM_HORIZON',
  parallelizationFactor: 1,
  bisectBatchOnFunctionError: false,
  maximumRetryAttempts: -1,
  maximumRecordAgeInSeconds: -1,
  functionResponseTypes: [],
  tumblingWindowInSeconds: 0,
  timeoutMs: 3000,
  memoryMb: 128,
  functionName: 'local-function',
  pollIntervalMs: 1000,
  /** Lambda's payload limit for one synchronous invocation. */
  maxPayloadBytes: 6 * 1024 * 1024,
  /** Most records one GetRecords call may return. */
  maxGetRecordsLimit: 10_000,
  /** The largest tumbling-window state AWS keeps. */
  maxWindowStateBytes: 1024 * 1024,
} as const
