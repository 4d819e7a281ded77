/**
 * Options of the SQS event source mapping emulator, with AWS's defaults and limits. Internal to
 * `serverless-done-right/local` (the types are public through `sqs-source.ts`).
 *
 * @module
 */
import type { Context } from 'aws-lambda'
import type { LocalCloud } from '../cloud.js'
import { LocalOptionsError } from '../options-error.js'

/**
 * A Lambda handler the event source can call with an `SQSEvent`; typed with a `never` event so that any handler fits.
 * @group Local cloud
 */
export type SqsSourceHandler = (event: never, context: Context) => unknown

/**
 * Options of `sqsEventSource()`: the mapping's own parameters carry AWS's names, defaults and limits.
 * @group Local cloud
 */
export interface SqsEventSourceOptions {
  /** The local cloud, started with `sqs: true` (its SQS endpoint, a fault proxy included). */
  cloud: LocalCloud
  /** The queue to read (`.fifo` for a FIFO queue). */
  queueName: string
  /** The function to invoke, through `invoke()`, with `timeoutMs` and `memoryMb`. */
  handler: SqsSourceHandler
  /**
   * Most messages in one batch: 1–10,000 for a standard queue (more than 10 needs a batching window), 1–10 for FIFO.
   * @defaultValue `10`
   */
  batchSize?: number
  /**
   * How long to gather messages before invoking with a batch that is not full, 0–300 seconds; FIFO queues take 0 only.
   * @defaultValue `0`
   */
  maximumBatchingWindowInSeconds?: number
  /**
   * `['ReportBatchItemFailures']` to honour `{ batchItemFailures }`: the reported messages stay on the queue (visible
   * again after the visibility timeout), the others are deleted. Otherwise a failed invocation leaves the whole batch.
   * @defaultValue `[]`
   */
  functionResponseTypes?: ReadonlyArray<'ReportBatchItemFailures'>
  /**
   * Most invocations at a time, 2–1,000 (`ScalingConfig.MaximumConcurrency`). Without it AWS scales pollers up on its
   * own; the emulator then runs 5 at a time, the number AWS starts with.
   * @defaultValue `5`
   */
  maximumConcurrency?: number
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
   * How long an empty poll waits for messages (long polling), in milliseconds, and how long to wait after a failed
   * call. AWS long-polls for up to 20 seconds; tests use 100–1000.
   * @defaultValue `1000`
   */
  pollIntervalMs?: number
}

/** The options with defaults applied and limits checked; `fifo` is known once the queue was looked up. */
export interface ResolvedSqsOptions {
  readonly batchSize: number
  readonly batchingWindowMs: number
  readonly reportBatchItemFailures: boolean
  readonly concurrency: number
  readonly timeoutMs: number
  readonly memoryMb: number
  readonly functionName: string
  readonly pollIntervalMs: number
}

const isIntegerIn = (value: number, min: number, max: number) => Number.isInteger(value) && value >= min && value <= max

/** Applies the defaults and checks each option; throws `LocalOptionsError` naming the first bad one. */
export function resolveSqsOptions(options: SqsEventSourceOptions): ResolvedSqsOptions {
  const check = (ok: boolean, message: string) => {
    if (!ok) throw new LocalOptionsError(`sqsEventSource: ${message}`)
  }
  check(typeof options.handler === 'function', 'handler must be a function')
  check(typeof options.queueName === 'string' && options.queueName !== '', 'queueName must be a queue name')
  const fifo = options.queueName.endsWith('.fifo')
  const batchSize = options.batchSize ?? 10
  const maxBatch = fifo ? 10 : 10_000
  check(isIntegerIn(batchSize, 1, maxBatch), `batchSize must be an integer from 1 to ${maxBatch}, not ${batchSize}`)
  const window = options.maximumBatchingWindowInSeconds ?? 0
  check(window >= 0 && window <= 300, `maximumBatchingWindowInSeconds must be 0–300, not ${window}`)
  check(!fifo || window === 0, 'maximumBatchingWindowInSeconds is not supported for FIFO queues')
  check(batchSize <= 10 || window > 0, 'a batchSize over 10 needs a maximumBatchingWindowInSeconds of at least 1')
  const concurrency = options.maximumConcurrency ?? 5
  check(
    options.maximumConcurrency === undefined || isIntegerIn(concurrency, 2, 1000),
    `maximumConcurrency must be an integer from 2 to 1000, not ${concurrency}`,
  )
  const timeoutMs = options.timeoutMs ?? 3000
  check(timeoutMs > 0, `timeoutMs must be positive, not ${timeoutMs}`)
  const pollIntervalMs = options.pollIntervalMs ?? 1000
  check(pollIntervalMs > 0, `pollIntervalMs must be positive, not ${pollIntervalMs}`)
  const responseTypes = options.functionResponseTypes ?? []
  check(
    responseTypes.every((type) => type === 'ReportBatchItemFailures'),
    'functionResponseTypes may only hold ReportBatchItemFailures',
  )
  return {
    batchSize,
    batchingWindowMs: window * 1000,
    reportBatchItemFailures: responseTypes.includes('ReportBatchItemFailures'),
    concurrency,
    timeoutMs,
    memoryMb: options.memoryMb ?? 128,
    functionName: options.functionName ?? 'local-function',
    pollIntervalMs,
  }
}
