/**
 * One run of the fan-out engine over one batch: bounded concurrency, one record at a time per lane, stop-on-failure
 * per lane, and a drain bounded by `drainMs` once the budget aborts. A pure function of the batch and the budget;
 * everything it keeps lives for one call.
 *
 * @module
 */
import type { StandardSchemaV1 } from '@standard-schema/spec'
import type { DynamoDBRecord, KinesisStreamRecord, SQSRecord } from 'aws-lambda'
import type { InvocationBudget } from '../budget.js'
import { type BatchRecord, recordId, recordKey, recordSource } from '../events.js'
import type { InvalidRecordError } from './errors.js'
import { asInvalidRecordError, itemChecker } from './item.js'
import { type Ordering, planLanes, ReadyQueue } from './lanes.js'
import type { BatchLogger, BatchSummary } from './report.js'
import { type DecodeMode, recordDecoder } from './sources.js'

/**
 * What a record handler learns about the record besides its item.
 * @group Batches
 */
export interface RecordMeta {
  /** The raw record, as Lambda delivered it. */
  readonly record: KinesisStreamRecord | DynamoDBRecord | SQSRecord
  /** The ordering key: Kinesis partition key, SQS FIFO `MessageGroupId`, DynamoDB item key; `undefined` for SQS standard. */
  readonly key: string | undefined
  /**
   * The `itemIdentifier` Lambda expects: Kinesis `sequenceNumber`, DynamoDB `SequenceNumber` or SQS `messageId`;
   * `''` for a record that has none (reporting it then fails the whole batch, the safe outcome).
   */
  readonly id: string
  /** The invocation budget's signal: aborts when the invocation must wrap up. Pass it to every I/O call. */
  readonly signal: AbortSignal
}

/**
 * Handles one record. Resolve to mark it done; throw or reject to report it in `batchItemFailures` (and, with key
 * ordering, to stop the rest of its key).
 *
 * @typeParam T - the item type: the schema's output, or what the decoder yields
 * @group Batches
 */
export type RecordHandler<T> = (item: T, meta: RecordMeta) => Promise<void>

/**
 * Receives an invalid record and its error; resolve once the record is safely stored elsewhere.
 * @group Batches
 */
export type DeadLetterHandler = (record: BatchRecord, error: InvalidRecordError) => Promise<void>

/** Everything one run needs; prepared once by `fanOut`. */
export interface RunSettings<T> {
  readonly handler: RecordHandler<T>
  readonly decode: DecodeMode
  readonly schema: StandardSchemaV1<unknown, T> | undefined
  readonly onInvalid: 'fail' | DeadLetterHandler
  readonly ordering: Ordering
  readonly concurrency: number
  readonly drainMs: number
  readonly logger: BatchLogger
}

/**
 * What happened to each record, by index. An `enum` rather than an object of constants: the bundler writes each use
 * as its number, so the statuses cost no lookups and no bytes of their own.
 */
export enum Status {
  pending = 0,
  running = 1,
  succeeded = 2,
  failed = 3,
  invalid = 4,
  deadLettered = 5,
  skipped = 6,
  aborted = 7,
}

/** The result of one run. */
export interface BatchOutcome {
  /** Each record's identifier. */
  readonly ids: readonly string[]
  /** Each record's final {@link Status}: never `pending` or `running`. */
  readonly status: Uint8Array
  /** The error of each failed, invalid or skipped record (for a skipped one, the failure that blocked its lane). */
  readonly errors: readonly unknown[]
  /** The counts. */
  readonly summary: BatchSummary
}

/**
 * How long before `budget.returnBy` the drain ends: time to build the response and hand it back through Middy, and
 * more than Middy core's own default early timeout (5 ms) when no `timeoutGuard()` sets an earlier `returnBy`.
 */
const returnMarginMs = 10

/** Runs one batch. Never rejects because of a record; the caller turns the outcome into a response. */
export async function runBatch<T>(
  settings: RunSettings<T>,
  records: readonly BatchRecord[],
  budget: InvocationBudget,
): Promise<BatchOutcome> {
  const started = performance.now()
  const { handler, onInvalid, logger } = settings
  const check = settings.schema === undefined ? undefined : itemChecker(settings.schema)
  const { signal } = budget
  const count = records.length
  const source = count > 0 ? recordSource(records[0]) : undefined
  const decode = recordDecoder(source ?? 'sqs', settings.decode)
  const ids = new Array<string>(count)
  const keys = new Array<string | undefined>(count)
  for (let i = 0; i < count; i++) {
    const record = records[i] as BatchRecord
    ids[i] = recordId(record) ?? ''
    keys[i] = recordKey(record)
  }
  const { next, heads } = planLanes(keys, settings.ordering)
  const ready = new ReadyQueue(heads)
  const status = new Uint8Array(count)
  const errors = new Array<unknown>(count)
  let inFlight = 0
  let peakInFlight = 0
  // Set when the engine returns or the budget aborts: the workers test this flag, not the signal's getter.
  let stopped = signal.aborted
  let closed = false
  // The budget's `completed` set, once somebody (the timeout fallback, a recipe) has read it; until then progress
  // lives only in `status` and costs nothing extra per record.
  let completed: Set<string> | undefined
  budget.trackCompletion((set) => {
    completed = set
    for (let i = 0; i < count; i++) {
      if (status[i] === Status.succeeded || status[i] === Status.deadLettered) set.add(ids[i] as string)
    }
  })

  // Settles one record; late results (after the engine returned) change nothing: the response is already out.
  const settle = (index: number, outcome: Status, error?: unknown): void => {
    inFlight--
    if (closed) return
    status[index] = outcome
    if (outcome === Status.succeeded || outcome === Status.deadLettered) {
      if (completed !== undefined) completed.add(ids[index] as string)
      const following = next[index] as number
      if (following !== -1) ready.push(following)
      return
    }
    errors[index] = error
    for (let j = next[index] as number; j !== -1; j = next[j] as number) {
      status[j] = Status.skipped
      errors[j] = error
    }
  }

  // One loop per concurrency slot. Everything a record needs happens inline, with a single `await` on the handler
  // in the common case: measured, an extra async layer per record cost about a third of the engine's overhead.
  const worker = async (): Promise<void> => {
    while (!stopped) {
      try {
        budget.check()
      } catch (error) {
        budget.abort(error instanceof Error ? error : new Error(String(error)))
      }
      if (stopped) return
      const index = ready.pop()
      if (index === -1) return
      status[index] = Status.running
      if (++inFlight > peakInFlight) peakInFlight = inFlight
      const record = records[index] as BatchRecord
      const id = ids[index] as string
      let item: unknown
      try {
        item = decode(record, id)
        if (check !== undefined) {
          const checked = check(item, id)
          item = checked instanceof Promise ? await checked : checked
        }
      } catch (error) {
        const invalid = asInvalidRecordError(error, id)
        logger.warn('Invalid record', { id, reason: invalid.reason, error: invalid.message })
        let outcome = Status.invalid
        if (onInvalid !== 'fail') {
          try {
            await onInvalid(record, invalid)
            outcome = Status.deadLettered
          } catch (sinkError) {
            logger.error('Dead-letter sink failed; record reported as failed', { id, error: sinkError })
          }
        }
        settle(index, outcome, invalid)
        continue
      }
      try {
        await handler(item as T, { record, key: keys[index], id, signal })
        settle(index, Status.succeeded)
      } catch (error) {
        logger.debug('Record failed', { id, error })
        settle(index, Status.failed, error)
      }
    }
  }

  // The abort listener is in place before any record starts: a record may abort the budget synchronously.
  let drainTimer: ReturnType<typeof setTimeout> | undefined
  let onAbort = (): void => undefined
  await new Promise<void>((finish) => {
    onAbort = () => {
      stopped = true
      // Never past the time the handler must be back by (less a moment to build the answer): an invocation aborted
      // with less than `drainMs` left would otherwise be answered by the timeout guard's fallback instead of by us.
      const leftMs = budget.returnBy - Date.now() - returnMarginMs
      drainTimer = setTimeout(finish, Math.max(0, Math.min(settings.drainMs, leftMs)))
    }
    if (!stopped) signal.addEventListener('abort', onAbort, { once: true })
    const workers: Promise<void>[] = []
    const workerCount = Math.min(settings.concurrency, heads.length)
    for (let i = 0; i < workerCount; i++) workers.push(worker())
    void Promise.all(workers).then(() => finish())
  })
  stopped = true
  closed = true
  signal.removeEventListener('abort', onAbort)
  if (drainTimer !== undefined) clearTimeout(drainTimer)

  const counts = [0, 0, 0, 0, 0, 0, 0, 0]
  for (let i = 0; i < count; i++) {
    let outcome = status[i] as Status
    if (outcome === Status.pending || outcome === Status.running) {
      outcome = Status.aborted
      status[i] = outcome
      errors[i] = signal.reason
    }
    counts[outcome] = (counts[outcome] as number) + 1
  }
  const summary: BatchSummary = {
    source,
    records: count,
    succeeded: counts[Status.succeeded] as number,
    failed: counts[Status.failed] as number,
    invalid: counts[Status.invalid] as number,
    deadLettered: counts[Status.deadLettered] as number,
    skipped: counts[Status.skipped] as number,
    aborted: counts[Status.aborted] as number,
    durationMs: Math.round((performance.now() - started) * 100) / 100,
    peakInFlight,
    ...(signal.aborted ? { abortReason: String(signal.reason?.message ?? signal.reason) } : {}),
  }
  return { ids, status, errors, summary }
}
