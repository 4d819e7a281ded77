/**
 * Options of the Kinesis event source mapping emulator, with AWS's defaults and AWS's limits.
 *
 * @module
 */
import type { Context } from 'aws-lambda'
import * as rules from '../../option-rules.js'
import { checkOptions, requireOptions, resolveOptions as resolveOptions_ } from '../../options.js'
import type { LocalCloud } from '../cloud.js'
import { functionRules, localCheck, pollIntervalRule } from '../local-options.js'
import { LocalOptionsError } from '../options-error.js'
import type { KinesisDestinationConfig, KinesisOnFailureRecord } from './destination.js'

/**
 * A Lambda handler the event source can call. Typed with a `never` event so that any handler fits, a Middy handler
 * included; it receives a `KinesisStreamEvent` (with tumbling windows, a `KinesisStreamTumblingWindowEvent`).
 * @group Local cloud
 */
export type KinesisSourceHandler = (event: never, context: Context) => unknown

export type { KinesisDestinationConfig, KinesisOnFailureRecord } from './destination.js'

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

/** The options with every default applied and every limit checked. */
export interface ResolvedOptions {
  readonly batchSize: number
  readonly batchingWindowMs: number
  readonly startingPosition: 'TRIM_HORIZON' | 'LATEST' | 'AT_TIMESTAMP'
  readonly startingTimestamp: Date | undefined
  readonly parallelizationFactor: number
  readonly bisect: boolean
  readonly maximumRetryAttempts: number
  readonly maximumRecordAgeMs: number
  readonly reportBatchItemFailures: boolean
  readonly windowMs: number
  readonly onFailure: ((record: KinesisOnFailureRecord) => void | Promise<void>) | undefined
  readonly timeoutMs: number
  readonly memoryMb: number
  readonly functionName: string
  readonly pollIntervalMs: number
}

/** The defaults of {@link KinesisEventSourceOptions} (and AWS's limits); the TSDoc `@defaultValue`s are tested against them. */
export const defaults = {
  batchSize: 100,
  maximumBatchingWindowInSeconds: 0,
  startingPosition: 'TRIM_HORIZON',
  parallelizationFactor: 1,
  bisectBatchOnFunctionError: false,
  functionResponseTypes: [],
  maximumRetryAttempts: -1,
  maximumRecordAgeInSeconds: -1,
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

const kinesisEventSourceSpec = {
  cloud: rules.object('a LocalCloud (from startLocalCloud())'),
  streamName: rules.string(),
  handler: rules.fn(),
  batchSize: rules.number({ min: 1, max: 10_000, integer: true }),
  maximumBatchingWindowInSeconds: rules.number({ min: 0, max: 300 }),
  startingPosition: rules.oneOf('TRIM_HORIZON', 'LATEST', 'AT_TIMESTAMP'),
  startingPositionTimestamp: rules.either(
    rules.where((value) => value instanceof Date && !Number.isNaN(value.getTime()), 'a valid Date', 'type'),
    rules.number({ min: 0 }),
  ),
  parallelizationFactor: rules.number({ min: 1, max: 10, integer: true }),
  bisectBatchOnFunctionError: rules.boolean(),
  maximumRetryAttempts: rules.number({ min: -1, max: 10_000, integer: true }),
  maximumRecordAgeInSeconds: rules.either(rules.oneOf(-1), rules.number({ min: 1, max: 604_800, integer: true })),
  functionResponseTypes: rules.where(
    (value) => Array.isArray(value) && value.every((type) => type === 'ReportBatchItemFailures'),
    "an array holding only 'ReportBatchItemFailures'",
    'type',
  ),
  tumblingWindowInSeconds: rules.number({ min: 0, max: 900, integer: true }),
  destinationConfig: rules.object(),
  timeoutMs: functionRules.timeoutMs,
  memoryMb: functionRules.memoryMb,
  functionName: functionRules.functionName,
  pollIntervalMs: pollIntervalRule,
}

/** Applies the defaults and checks each option against AWS's limits; throws `LocalOptionsError` on the first miss. */
export function resolveOptions(options: KinesisEventSourceOptions): ResolvedOptions {
  const check = localCheck('kinesisEventSource(options)')
  const resolved = resolveOptions_(options, defaults, kinesisEventSourceSpec, check)
  requireOptions(resolved, ['cloud', 'streamName', 'handler'], check)
  checkOptions(
    resolved.destinationConfig,
    { onFailure: rules.fn() },
    localCheck('kinesisEventSource(options.destinationConfig)'),
  )
  const { startingPosition, parallelizationFactor } = resolved
  const tumbling = resolved.tumblingWindowInSeconds
  const fail = (message: string) => new LocalOptionsError(`${check.owner}: ${message}`)
  if (tumbling !== 0 && parallelizationFactor !== 1) throw fail('tumbling windows need parallelizationFactor 1')
  const timestamp = resolved.startingPositionTimestamp
  const startingTimestamp = typeof timestamp === 'number' ? new Date(timestamp * 1000) : timestamp
  if (startingPosition === 'AT_TIMESTAMP' && startingTimestamp === undefined)
    throw fail('startingPosition AT_TIMESTAMP needs a valid startingPositionTimestamp')
  const age = resolved.maximumRecordAgeInSeconds
  const responseTypes: readonly string[] = resolved.functionResponseTypes
  return {
    batchSize: resolved.batchSize,
    batchingWindowMs: resolved.maximumBatchingWindowInSeconds * 1000,
    startingPosition,
    startingTimestamp,
    parallelizationFactor,
    bisect: resolved.bisectBatchOnFunctionError,
    maximumRetryAttempts: resolved.maximumRetryAttempts,
    maximumRecordAgeMs: age === -1 ? -1 : age * 1000,
    reportBatchItemFailures: responseTypes.includes('ReportBatchItemFailures'),
    windowMs: tumbling * 1000,
    onFailure: resolved.destinationConfig?.onFailure,
    timeoutMs: resolved.timeoutMs,
    memoryMb: resolved.memoryMb,
    functionName: resolved.functionName,
    pollIntervalMs: resolved.pollIntervalMs,
  }
}
