/**
 * The shapes `windowReducer` works with: the tumbling-window event, its response, the flush metadata, the options
 * and the per-invocation summary.
 *
 * @module
 */
import type { StandardSchemaV1 } from '@standard-schema/spec'
import type { DynamoDBRecord, KinesisStreamRecord } from 'aws-lambda'
import type { LoggerOption } from '../logger.js'
import type { DeadLetterOptions } from './dead-letter.js'
import type { DecodeMode } from './sources.js'

/**
 * A Kinesis or DynamoDB Streams event with `TumblingWindowInSeconds` set on its event source mapping.
 * @group Batches
 */
export interface TumblingWindowEvent {
  /** The records of this invocation; may be empty on the final invocation of a window. */
  Records: (KinesisStreamRecord | DynamoDBRecord)[]
  /** The window's bounds, ISO-8601. */
  window: { start: string; end: string }
  /** The state returned by the previous invocation of this window on this shard; absent or `{}` at its start. */
  state?: Record<string, unknown>
  /** The shard the records come from. */
  shardId?: string
  /** The stream's ARN. */
  eventSourceARN?: string
  /** True on the last invocation of the window: its state is final and is dropped afterwards. */
  isFinalInvokeForWindow: boolean
  /** True when Lambda ended the window early because the state passed 1 MB; the window continues with a fresh state. */
  isWindowTerminatedEarly: boolean
}

/**
 * The response a tumbling-window invocation must return: without `state`, Lambda counts it as failed.
 * @group Batches
 */
export interface WindowResponse<A> {
  /** The state carried to the next invocation of the window: `{}` after a flush that closed it. */
  state: Record<string, A>
  /** Records to retry: the first failed record and every record after it, so that none is folded twice. */
  batchItemFailures: { itemIdentifier: string }[]
}

/**
 * Why a flush happens.
 * @group Batches
 */
export type FlushReason = 'final' | 'terminated-early' | 'state-limit'

/**
 * What `flush` receives besides the state: enough to make its write idempotent. Because the state can be flushed
 * early (when it would pass `maxStateBytes`), one window of one shard can be flushed several times: flush must add
 * to what is stored, not overwrite it, and skip a `flushId` it has already written.
 * @group Batches
 */
export interface FlushMeta {
  /** The window's start, ISO-8601. */
  readonly windowStart: string
  /** The window's end, ISO-8601. */
  readonly windowEnd: string
  /** The shard; `undefined` when the event does not say. */
  readonly shardId: string | undefined
  /** The stream's ARN; `undefined` when the event does not say. */
  readonly eventSourceARN: string | undefined
  /** Why this flush happens. `final` and `terminated-early` close the state; `state-limit` is an early flush. */
  readonly reason: FlushReason
  /** 0 for the first flush of this invocation, then 1, 2, … */
  readonly part: number
  /**
   * A stable id for this flush: a SHA-256 (hex) of the window, the shard, the incoming state, the identifiers of
   * the invocation's first and last records, and `part`. When Lambda retries the same invocation (same records, same
   * incoming state), every flush gets the same id again, so a conditional put on it makes the flush idempotent; two
   * different flushes never share one.
   */
  readonly flushId: string
  /** The invocation budget's signal. */
  readonly signal: AbortSignal
}

/**
 * Options of `windowReducer`. `key`, `reduce`, `initial` and `flush` are required; where poison records go
 * (`deadLetter`, `onInvalid`, `onPermanent`) is described in {@link DeadLetterOptions}.
 * @group Batches
 */
export interface WindowReducerOptions<T, A> extends DeadLetterOptions {
  /** The state key an item is folded under (e.g. a user id). Throw a `PermanentError` to dead-letter the record. */
  key: (item: T, record: KinesisStreamRecord | DynamoDBRecord) => string
  /**
   * Folds an item into its key's accumulator and returns the new accumulator; must return JSON-serialisable data.
   * Throw a `PermanentError` to dead-letter the record: the state is as if it had never been folded.
   */
  reduce: (accumulator: A, item: T, record: KinesisStreamRecord | DynamoDBRecord) => A
  /** The accumulator of a key seen for the first time in the current state. */
  initial: () => A
  /**
   * Writes a state out. Called on the window's final invocation and, earlier, whenever the state would pass
   * `maxStateBytes`: it must therefore be additive (e.g. DynamoDB `ADD`) and idempotent by `meta.flushId`. A rejected
   * flush fails the invocation, so Lambda retries it.
   */
  flush: (state: Record<string, A>, window: { start: string; end: string }, meta: FlushMeta) => Promise<void>
  /**
   * How Kinesis `data` (after base64) is decoded; DynamoDB Streams items are always unmarshalled.
   * @defaultValue `'json'`
   */
  decode?: DecodeMode
  /**
   * A Standard Schema each decoded item must pass; its output is what `key` and `reduce` see.
   * @defaultValue none: the decoded item is used as it is
   */
  schema?: StandardSchemaV1<unknown, T>
  /**
   * The state size (JSON, bytes) past which the state is flushed early and folding goes on with a fresh state.
   * Lambda's limit is 1 MB per shard.
   * @defaultValue `921600` (900 KiB)
   */
  maxStateBytes?: number
  /**
   * Where the one summary per invocation and each invalid record go: a Powertools `Logger` or anything with `debug`,
   * `info`, `warn` and `error`; `false` logs nothing.
   * @defaultValue single-line JSON on the console (`jsonConsoleLogger()`)
   */
  logger?: LoggerOption
  /**
   * Called once per invocation with the summary.
   * @defaultValue none
   */
  onSummary?: (summary: WindowSummary) => void
}

/**
 * One invocation of a `windowReducer` handler. `folded + deadLettered + permanent + reported = records`.
 * @group Batches
 */
export interface WindowSummary {
  /** Records in the invocation. */
  readonly records: number
  /** Records folded into the state. */
  readonly folded: number
  /** Invalid records seen (dead-lettered or reported). */
  readonly invalid: number
  /** Invalid records the dead-letter handler confirmed. */
  readonly deadLettered: number
  /** Records whose `key` or `reduce` threw a `PermanentError`, left out of the state; the dead-letter handler confirmed. */
  readonly permanent: number
  /** Records named in `batchItemFailures`. */
  readonly reported: number
  /** Flushes done. */
  readonly flushes: number
  /** Keys in the returned state. */
  readonly keys: number
  /** JSON size of the returned state in bytes. */
  readonly stateBytes: number
  /** True on the window's final invocation. */
  readonly final: boolean
  /** Wall-clock milliseconds of the invocation. */
  readonly durationMs: number
}
