/**
 * The shapes `kafkaWindowReducer` works with: the Kafka event, the table it keeps window state in, the closed window it
 * hands out, its options and its per-invocation summary.
 *
 * @module
 */
import type { StandardSchemaV1 } from '@standard-schema/spec'
import type { PermanentError } from '../errors.js'
import type { LoggerOption } from '../logger.js'
import type { InvalidRecordError } from './errors.js'
import type { DecodeMode } from './sources.js'

/**
 * One Kafka record as Lambda delivers it (Amazon MSK and self-managed Kafka share the shape).
 * @group Batches
 */
export interface KafkaRecord {
  readonly topic: string
  readonly partition: number
  /** The record's offset in its partition: strictly increasing within a partition. */
  readonly offset: number
  /** Epoch milliseconds: when the producer created the record, or when the broker appended it (`timestampType`). */
  readonly timestamp: number
  readonly timestampType?: string
  /** The record key, base64; absent for a record without a key. */
  readonly key?: string
  /** The record value, base64. */
  readonly value: string
  readonly headers?: ReadonlyArray<Readonly<Record<string, readonly number[]>>>
}

/**
 * A Kafka event (`eventSource` `aws:kafka` for Amazon MSK, `SelfManagedKafka` otherwise): records grouped by
 * `<topic>-<partition>`.
 * @group Batches
 */
export interface KafkaEvent {
  readonly eventSource: 'aws:kafka' | 'SelfManagedKafka'
  readonly eventSourceArn?: string
  readonly bootstrapServers?: string
  readonly records: Readonly<Record<string, readonly KafkaRecord[]>>
}

/**
 * The DynamoDB client `kafkaWindowReducer` sends with: a `DynamoDBClient` of `@aws-sdk/client-dynamodb` v3 (the
 * low-level client, not the document client; only `send` is called, with `GetItem`, `PutItem`, `UpdateItem`, `Query`
 * and `DeleteItem` commands). Written without the SDK's types so that the main entry type-checks without that peer.
 * @group Batches
 */
export interface KafkaWindowTableClient {
  /** `DynamoDBClient.send`. */
  send(command: never, options?: never): Promise<unknown>
}

/**
 * Where window state lives: a table with a string partition key `pk` and a string sort key `sk` (the shape of the
 * stream-reducer recipe's counts table). Several reducers may share a table under different `name`s.
 * @group Batches
 */
export interface KafkaWindowTable {
  readonly client: KafkaWindowTableClient
  readonly tableName: string
}

/**
 * What a dead-letter or late-record function learns about the record besides the record itself.
 * @group Batches
 */
export interface KafkaRecordMeta {
  /** `<topic>-<partition>@<offset>`. */
  readonly id: string
  /** The invocation budget's signal. */
  readonly signal: AbortSignal
}

/**
 * Receives a poison Kafka record and its error; resolve once it is stored elsewhere.
 *
 * @typeParam E - the errors it receives: an {@link InvalidRecordError} for an `onInvalid` function (the default), an
 *   `InvalidRecordError` or a {@link PermanentError} for `deadLetter` (tell them apart by `error.code`)
 * @group Batches
 */
export type KafkaDeadLetterHandler<E extends Error = InvalidRecordError> = (
  record: KafkaRecord,
  error: E,
  meta: KafkaRecordMeta,
) => Promise<void>

/**
 * Receives a record that came later than `allowedLatenessMs` (its window is closed); resolve once it is stored.
 * @group Batches
 */
export type KafkaLateRecordHandler = (
  record: KafkaRecord,
  late: { readonly eventTime: number; readonly windowStart: string },
  meta: KafkaRecordMeta,
) => Promise<void>

/**
 * A window of one topic-partition, closed: handed to `onWindowClosed` once its partition's event-time watermark passed
 * its end.
 * @group Batches
 */
export interface ClosedWindow<A> {
  readonly topic: string
  readonly partition: number
  /** The window's bounds, ISO-8601 (start inclusive, end exclusive). */
  readonly start: string
  readonly end: string
  /** The accumulator: `reduce` over the window's records of this partition, in offset order. */
  readonly value: A
  /** How many records were folded into it. */
  readonly records: number
  /**
   * `<name>#<topic>-<partition>#<start>`: the same every time this window is handed out, so that a write keyed by it
   * is idempotent (`onWindowClosed` is at-least-once, see {@link kafkaWindowReducer}).
   */
  readonly closeId: string
  /** The invocation budget's signal. */
  readonly signal: AbortSignal
}

/**
 * Options of `kafkaWindowReducer`. `table`, `windowMs`, `reduce`, `initial` and `onWindowClosed` are required.
 * @group Batches
 */
export interface KafkaWindowReducerOptions<T, A> {
  /** The DynamoDB table that holds window state and offset watermarks (string `pk`, string `sk`). */
  table: KafkaWindowTable
  /** The width of a tumbling window in milliseconds; windows start at multiples of it (epoch-aligned). */
  windowMs: number
  /**
   * How long after a window's end, in event time, records may still come into it: the window closes when its
   * partition's largest event time seen minus this passes its end.
   * @defaultValue `0`
   */
  allowedLatenessMs?: number
  /**
   * The event time of an item, epoch milliseconds (a finite number >= 0; anything else makes the record invalid).
   * @defaultValue the record's Kafka `timestamp`
   */
  timeOf?: (item: T, record: KafkaRecord) => number
  /** Folds an item into the window's accumulator; must return JSON-serialisable data (it is stored as JSON). */
  reduce: (accumulator: A, item: T, record: KafkaRecord) => A
  /** The accumulator of a window before its first record. */
  initial: () => A
  /** Called once a window is closed, with its accumulator. A rejection fails the invocation (Lambda retries it). */
  onWindowClosed: (window: ClosedWindow<A>) => Promise<void>
  /**
   * Separates reducers sharing a table: the partition key is `<name>#<topic>-<partition>`.
   * @defaultValue `'kafka-window'`
   */
  name?: string
  /**
   * How a record's `value` (after base64) becomes the item.
   * @defaultValue `'json'`
   */
  decode?: DecodeMode
  /**
   * A Standard Schema each decoded item must pass; its output is what `timeOf` and `reduce` see.
   * @defaultValue none: the decoded item is used as it is
   */
  schema?: StandardSchemaV1<unknown, T>
  /**
   * The dead-letter handler: receives each poison record with its error, an `InvalidRecordError` (see `onInvalid`) or
   * the `PermanentError` that `timeOf` or `reduce` threw (see `onPermanent`), and its meta; folding goes on once it
   * resolves, and a rejection fails the partition (the invocation throws, Lambda retries the batch). At-least-once, as
   * `onWindowClosed`: a retried batch may hand the same record again, so make its write idempotent by `meta.id`.
   * @defaultValue none: poison records fail their partition
   */
  deadLetter?: KafkaDeadLetterHandler<InvalidRecordError | PermanentError>
  /**
   * An invalid record (undecodable, failing `schema`, or without an event time): `'fail'` stores what came before it
   * and throws (Lambda retries from there); `'dead-letter'` hands it to `deadLetter` (the handler is not made without
   * one) and folding goes on once it resolves; a function (the form that predates `deadLetter`) is a dead-letter
   * handler for invalid records only. Each invalid record is logged at `warn`.
   * @defaultValue with a `deadLetter` handler, `'dead-letter'`; otherwise `'fail'`
   */
  onInvalid?: 'fail' | 'dead-letter' | KafkaDeadLetterHandler
  /**
   * A record whose `timeOf` or `reduce` throws a `PermanentError`: `'dead-letter'` hands it to `deadLetter` (the
   * handler is not made without one), leaves it out of its window (a `reduce` that mutated the accumulator before
   * throwing leaves no trace) and folding goes on; `'fail'` fails the partition as any other error of `timeOf` or
   * `reduce` does.
   * @defaultValue with a `deadLetter` handler, `'dead-letter'`; otherwise `'fail'`, and each such record is logged at
   *   `error` (the code relied on a dead-letter handler that is not there)
   */
  onPermanent?: 'fail' | 'dead-letter'
  /**
   * A late record (its window already closed): `'drop'` counts it in the summary's `late` and drops it; a function
   * dead-letters it (a rejection fails the invocation).
   * @defaultValue `'drop'`
   */
  onLate?: 'drop' | KafkaLateRecordHandler
  /**
   * The largest JSON size, in bytes, of a window's stored accumulator; a bigger one fails the invocation with a clear
   * error instead of DynamoDB's 400 KB item limit.
   * @defaultValue `358400` (350 KiB)
   */
  maxStateBytes?: number
  /**
   * Where the summary of each invocation and each invalid record go; `false` logs nothing.
   * @defaultValue single-line JSON on the console (`jsonConsoleLogger()`)
   */
  logger?: LoggerOption
  /**
   * Called once per invocation with the summary.
   * @defaultValue none
   */
  onSummary?: (summary: KafkaWindowSummary) => void
}

/**
 * One invocation of a `kafkaWindowReducer` handler.
 * @group Batches
 */
export interface KafkaWindowSummary {
  /** Records in the event. */
  readonly records: number
  /** Topic-partitions in the event. */
  readonly partitions: number
  /** Records folded into a window by this invocation. */
  readonly folded: number
  /** Records at or below their partition's (or window's) stored offset: already applied, skipped. */
  readonly replayed: number
  /** Records whose window was already closed. */
  readonly late: number
  /** Invalid records seen. */
  readonly invalid: number
  /** Invalid records the dead-letter function confirmed. */
  readonly deadLettered: number
  /** Records whose `timeOf` or `reduce` threw a `PermanentError`, confirmed by the `deadLetter` handler. */
  readonly permanent: number
  /** Windows written (one conditional write each). */
  readonly windowsWritten: number
  /** Windows closed (handed to `onWindowClosed`). */
  readonly windowsClosed: number
  /** Topic-partitions that failed; the invocation then throws. */
  readonly failedPartitions: number
  /** Wall-clock milliseconds of the invocation. */
  readonly durationMs: number
}
