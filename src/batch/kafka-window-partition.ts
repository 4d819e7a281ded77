/**
 * One topic-partition of a `kafkaWindowReducer` invocation: read its mark, read the records past it into windows,
 * fold each window into its stored accumulator (a conditional write guarded by the window's own offset), move the mark
 * on (a conditional write guarded by the mark's offset), then close the windows its event-time watermark has passed.
 * A record whose `reduce` throws a `PermanentError` is dead-lettered and left out of its window, but counts in the
 * window's offset as a folded one does: a replay of the batch skips it as it skips them, so nothing is applied twice
 * (only the dead-letter call may be made again, when the window was not written before a crash).
 *
 * @module
 */
import { Buffer } from 'node:buffer'
import type { BudgetInternals } from '../budget/invocation.js'
import { PermanentError } from '../errors.js'
import type { FailureLetterer } from './dead-letter.js'
import { RecordNotProcessedError } from './errors.js'
import type { Accepted, kafkaRunReader } from './kafka-window-read.js'
import { type KafkaPartitionRun, kafkaRecordId } from './kafka-window-records.js'
import { type PartitionMark, PartitionStore, type StoreCommands, type StoredWindow } from './kafka-window-store.js'
import type { KafkaRecord, KafkaRecordMeta, KafkaWindowReducerOptions, KafkaWindowTable } from './kafka-window-types.js'

/** What one partition did, for the summary. */
export interface PartitionCounts {
  folded: number
  replayed: number
  late: number
  invalid: number
  deadLettered: number
  permanent: number
  windowsWritten: number
  windowsClosed: number
}

/** What the partition phase needs from the options. */
export interface PartitionSettings<T, A>
  extends Pick<KafkaWindowReducerOptions<T, A>, 'reduce' | 'initial' | 'onWindowClosed'> {
  readonly name: string
  readonly table: KafkaWindowTable
  readonly windowMs: number
  readonly allowedLatenessMs: number
  readonly maxStateBytes: number
  readonly readRun: ReturnType<typeof kafkaRunReader<T, A>>
  readonly letter: FailureLetterer<KafkaRecord, KafkaRecordMeta>
}

/** Reads and writes of one window before a conflict with another invocation fails the partition. */
const maxAttempts = 5

function stateJson(value: unknown, startMs: number, maxStateBytes: number): string {
  const json = JSON.stringify(value) as string | undefined
  if (json === undefined) throw new TypeError('kafkaWindowReducer: reduce returned a value JSON cannot carry')
  const bytes = Buffer.byteLength(json, 'utf8')
  if (bytes > maxStateBytes) {
    const start = new Date(startMs).toISOString()
    throw new RangeError(
      `kafkaWindowReducer: the accumulator of window ${start} is ${bytes} bytes of JSON, over maxStateBytes (${maxStateBytes})`,
    )
  }
  return json
}

/**
 * Folds `fresh` into the stored accumulator, leaving out the records in `skip`. When `reduce` throws a
 * `PermanentError`, its record is dead-lettered and added to `skip`, and the fold starts again from the stored state
 * (the accumulator may have been changed in place before the throw). Any other error, or a record the dead-letter
 * handler did not take, is thrown.
 */
async function foldFresh<T, A>(
  settings: PartitionSettings<T, A>,
  stored: StoredWindow | undefined,
  fresh: readonly Accepted<T>[],
  skip: Set<number>,
  signal: AbortSignal,
): Promise<A> {
  const { reduce, initial, letter } = settings
  for (;;) {
    let value = stored === undefined ? initial() : (JSON.parse(stored.state) as A)
    let thrown: { record: KafkaRecord; error: unknown } | undefined
    for (const { item, record } of fresh) {
      if (skip.has(record.offset)) continue
      try {
        value = reduce(value, item, record)
      } catch (error) {
        thrown = { record, error }
        break
      }
    }
    if (thrown === undefined) return value
    const { record, error } = thrown
    if (!(error instanceof PermanentError)) throw error
    if (!(await letter(error, record, { id: kafkaRecordId(record), signal }))) throw error
    skip.add(record.offset)
  }
}

/**
 * Folds the records of one window that its stored offset has not seen, and writes it if still as read; on a conflict
 * (another invocation wrote it in between) reads it again. A closed window takes nothing: another invocation of the
 * same records closed it. The stored offset is the last fresh record's, dead-lettered or not.
 */
async function applyWindow<T, A>(
  settings: PartitionSettings<T, A>,
  store: PartitionStore,
  startMs: number,
  accepted: readonly Accepted<T>[],
  signal: AbortSignal,
) {
  const { windowMs, maxStateBytes } = settings
  const skip = new Set<number>() // the offsets dead-lettered for a PermanentError, kept across conflicts
  const nothing = () => ({ folded: 0, written: false, permanent: skip.size })
  for (let attempt = 1; ; attempt++) {
    const stored = await store.readWindow(startMs)
    if (stored?.closed) return nothing()
    const after = stored?.offset ?? -1
    const fresh = accepted.filter(({ record }) => record.offset > after)
    if (fresh.length === 0) return nothing()
    const value = await foldFresh(settings, stored, fresh, skip, signal)
    const folded = fresh.filter(({ record }) => !skip.has(record.offset)).length
    if (folded === 0) return nothing()
    const offset = (fresh.at(-1) as Accepted<T>).record.offset
    const next = {
      startMs,
      offset,
      records: (stored?.records ?? 0) + folded,
      state: stateJson(value, startMs, maxStateBytes),
    }
    if (await store.writeWindow(next, windowMs, stored)) return { folded, written: true, permanent: skip.size }
    if (attempt === maxAttempts) {
      throw new Error(`kafkaWindowReducer: window ${new Date(startMs).toISOString()} of ${store.pk} kept changing`)
    }
  }
}

/**
 * Hands every open window the watermark has passed to `onWindowClosed`, oldest first, then makes it a tombstone.
 * At-least-once: a crash between the two, or a twin invocation, hands a window out again (same `closeId`).
 */
async function closeWindows<T, A>(
  settings: PartitionSettings<T, A>,
  store: PartitionStore,
  run: KafkaPartitionRun,
  mark: PartitionMark,
  signal: AbortSignal,
) {
  const { name, windowMs, allowedLatenessMs, onWindowClosed } = settings
  const watermark = mark.eventTime - allowedLatenessMs
  const lastStart = Math.floor((watermark - windowMs) / windowMs) * windowMs
  if (lastStart <= mark.closedUntil) return 0
  let closed = 0
  let closedUntil = lastStart
  for (const window of await store.openWindows(mark.closedUntil, lastStart)) {
    if (signal.aborted) {
      closedUntil = window.startMs - 1
      break
    }
    const start = new Date(window.startMs).toISOString()
    const { topic, partition } = run
    await onWindowClosed({
      topic,
      partition,
      start,
      end: new Date(window.startMs + windowMs).toISOString(),
      value: JSON.parse(window.state) as A,
      records: window.records,
      closeId: `${name}#${run.name}#${start}`,
      signal,
    })
    if (await store.closeWindow(window, windowMs)) closed++
  }
  if (closedUntil > mark.closedUntil) await store.closeUntil(closedUntil)
  return closed
}

/** Moves the mark on; when another invocation moved it first, its mark, if it covers this one's records. */
async function commitMark(store: PartitionStore, next: { offset: number; eventTime: number }, mark: PartitionMark) {
  if (await store.commitMark(next, mark)) return { ...mark, exists: true, ...next }
  const now = await store.readMark()
  if (now.offset >= next.offset) return now
  throw new Error(`kafkaWindowReducer: the mark of ${store.pk} moved under this invocation; the batch is retried`)
}

/** Makes the partition phase of one reducer. */
export function partitionReducer<T, A>(settings: PartitionSettings<T, A>) {
  const { name, table, readRun } = settings

  /** Reduces one partition's run; `failure` names the record its read stopped at (the rest is retried). */
  return async function reducePartition(run: KafkaPartitionRun, commands: StoreCommands, budget: BudgetInternals) {
    const store = new PartitionStore(table, commands, `${name}#${run.name}`, budget.signal)
    const mark = await store.readMark()
    const read = await readRun(run.records, mark, budget)
    const counts: PartitionCounts = {
      folded: 0,
      replayed: run.records.filter((record) => record.offset <= mark.offset).length,
      late: read.late,
      invalid: read.invalid,
      deadLettered: read.deadLettered,
      permanent: read.permanent,
      windowsWritten: 0,
      windowsClosed: 0,
    }
    for (const [startMs, accepted] of [...read.windows].sort(([a], [b]) => a - b)) {
      if (budget.signal.aborted) {
        const id = kafkaRecordId((accepted[0] as Accepted<T>).record)
        throw new RecordNotProcessedError(id, 'aborted', { cause: budget.signal.reason })
      }
      const { folded, written, permanent } = await applyWindow(settings, store, startMs, accepted, budget.signal)
      counts.folded += folded
      counts.permanent += permanent
      counts.replayed += accepted.length - folded - permanent
      if (written) counts.windowsWritten++
    }
    const next = { offset: read.lastOffset, eventTime: read.eventTime }
    const committed = read.lastOffset > mark.offset ? await commitMark(store, next, mark) : mark
    if (committed.exists) counts.windowsClosed = await closeWindows(settings, store, run, committed, budget.signal)
    return { counts, failure: read.failure }
  }
}
