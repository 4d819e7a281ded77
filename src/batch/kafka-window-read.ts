/**
 * The read phase of one topic-partition in `kafkaWindowReducer`: the records past the partition's mark, in offset
 * order, decoded, checked, timed, and sorted into windows or out as late. Deterministic given the stored mark, so a
 * retry of any part of the batch takes the same decisions as the attempt before it.
 *
 * @module
 */
import type { StandardSchemaV1 } from '@standard-schema/spec'
import type { BudgetInternals } from '../budget/invocation.js'
import { PermanentError } from '../errors.js'
import { type DeadLetterPolicy, type FailureLetterer, sendToDeadLetter } from './dead-letter.js'
import { InvalidRecordError, RecordNotProcessedError } from './errors.js'
import { kafkaRecordId, kafkaValueDecoder } from './kafka-window-records.js'
import type { PartitionMark } from './kafka-window-store.js'
import type { KafkaRecord, KafkaRecordMeta, KafkaWindowReducerOptions } from './kafka-window-types.js'
import { asInvalidRecordError, itemChecker, runBudgetChecks } from './pipeline.js'
import { type BatchLogger, safeLog } from './report.js'
import type { DecodeMode } from './sources.js'

/** What the read phase needs from the options. */
export interface ReadPhaseSettings<T, A>
  extends Required<Pick<KafkaWindowReducerOptions<T, A>, 'windowMs' | 'allowedLatenessMs' | 'onLate'>> {
  readonly onInvalid: DeadLetterPolicy<KafkaRecord, KafkaRecordMeta>['onInvalid']
  /** Takes a `PermanentError` to the dead-letter handler (true), or says the record fails (false). */
  readonly letter: FailureLetterer<KafkaRecord, KafkaRecordMeta>
  readonly decode: DecodeMode
  readonly schema: StandardSchemaV1<unknown, T> | undefined
  readonly timeOf: ((item: T, record: KafkaRecord) => number) | undefined
  readonly logger: BatchLogger
}

/** A record bound for a window. */
export interface Accepted<T> {
  readonly record: KafkaRecord
  readonly item: T
}

/** What the read phase found. */
export interface ReadOutcome<T> {
  /** The accepted records by window start (epoch ms), each list in offset order. */
  readonly windows: Map<number, Accepted<T>[]>
  /** The last offset read to an end (accepted, late or dead-lettered); the mark's when none. */
  readonly lastOffset: number
  /** The largest event time of the partition once the accepted records are counted. */
  readonly eventTime: number
  readonly late: number
  readonly invalid: number
  readonly deadLettered: number
  /** Records whose `timeOf` threw a `PermanentError`, dead-lettered. */
  readonly permanent: number
  /** The record reading stopped at, and why; the records after it were not read. */
  readonly failure: { readonly id: string; readonly error: unknown } | undefined
}

/** The item and event time of one record, and the dead-letter step, for one reducer's settings. */
function recordSteps<T, A>(settings: ReadPhaseSettings<T, A>) {
  const { onInvalid, timeOf, logger } = settings
  const decode = kafkaValueDecoder(settings.decode)
  const check = settings.schema === undefined ? undefined : itemChecker(settings.schema)

  /** The item and its event time; throws an {@link InvalidRecordError} for a record that cannot give both. */
  async function itemOf(record: KafkaRecord, id: string): Promise<{ item: T; time: number }> {
    try {
      const decoded = decode(record, id)
      const item = (check === undefined ? decoded : await check(decoded, id)) as T
      const time = timeOf === undefined ? record.timestamp : timeOf(item, record)
      if (typeof time !== 'number' || !Number.isSafeInteger(Math.floor(time)) || time < 0) {
        const message = `the event time must be epoch milliseconds >= 0, got ${String(time)}`
        throw new InvalidRecordError(id, 'schema', [{ pointer: '', message }])
      }
      return { item, time: Math.floor(time) }
    } catch (error) {
      throw error instanceof PermanentError ? error : asInvalidRecordError(error, id)
    }
  }

  /** True when the dead-letter handler took the record; false when the read must stop there. */
  async function deadLetter(record: KafkaRecord, error: unknown, signal: AbortSignal): Promise<boolean> {
    const id = kafkaRecordId(record)
    if (error instanceof PermanentError) return settings.letter(error, record, { id, signal })
    const invalid = error as InvalidRecordError
    safeLog(logger, 'warn', 'Invalid record', { id, reason: invalid.reason, error: invalid.message })
    return onInvalid !== 'fail' && sendToDeadLetter(onInvalid, invalid, record, { id, signal }, logger)
  }
  return { itemOf, deadLetter }
}

/** Makes the read phase of one reducer. */
export function kafkaRunReader<T, A>(settings: ReadPhaseSettings<T, A>) {
  const { windowMs, allowedLatenessMs, onLate } = settings
  const { itemOf, deadLetter } = recordSteps(settings)

  /** Reads `records` (the partition's, in offset order) from after `mark`. */
  return async function readRun(
    records: readonly KafkaRecord[],
    mark: PartitionMark,
    budget: BudgetInternals,
  ): Promise<ReadOutcome<T>> {
    const windows = new Map<number, Accepted<T>[]>()
    let { offset: lastOffset, eventTime } = mark
    let late = 0
    let invalid = 0
    let deadLettered = 0
    let permanent = 0
    const done = (failure?: ReadOutcome<T>['failure']): ReadOutcome<T> => ({
      windows,
      lastOffset,
      eventTime,
      late,
      invalid,
      deadLettered,
      permanent,
      failure,
    })
    for (const record of records) {
      if (record.offset <= mark.offset) continue
      const id = kafkaRecordId(record)
      runBudgetChecks(budget)
      if (budget.signal.aborted) {
        return done({ id, error: new RecordNotProcessedError(id, 'aborted', { cause: budget.signal.reason }) })
      }
      let read: { item: T; time: number }
      try {
        read = await itemOf(record, id)
      } catch (error) {
        const isPermanent = error instanceof PermanentError
        if (!isPermanent) invalid++
        if (!(await deadLetter(record, error, budget.signal))) return done({ id, error })
        if (isPermanent) permanent++
        else deadLettered++
        lastOffset = record.offset
        continue
      }
      const startMs = read.time - (read.time % windowMs)
      if (startMs + windowMs <= eventTime - allowedLatenessMs) {
        if (onLate !== 'drop') {
          const windowStart = new Date(startMs).toISOString()
          try {
            await onLate(record, { eventTime: read.time, windowStart }, { id, signal: budget.signal })
          } catch (error) {
            return done({ id, error })
          }
        }
        late++
      } else {
        eventTime = Math.max(eventTime, read.time)
        const list = windows.get(startMs)
        if (list === undefined) windows.set(startMs, [{ record, item: read.item }])
        else list.push({ record, item: read.item })
      }
      lastOffset = record.offset
    }
    return done()
  }
}
