/**
 * The fold of one tumbling-window invocation: records in batch order into the keyed state, through the shared record
 * pipeline, stopping at the first record that fails and leaving the state exactly as it was before that record.
 *
 * @module
 */
import type { DynamoDBRecord, KinesisStreamRecord } from 'aws-lambda'
import type { BudgetInternals } from '../budget/invocation.js'
import { recordSource } from '../events.js'
import type { FailureLetterer } from './dead-letter.js'
import { RecordNotProcessedError } from './errors.js'
import {
  type Read,
  type ReadSettings,
  type RecordMeta,
  type RecordReader,
  recordReader,
  runBudgetChecks,
} from './pipeline.js'
import { type BatchLogger, safeLog } from './report.js'
import type { WindowState } from './window-state.js'
import type { WindowReducerOptions } from './window-types.js'

type WindowRecord = KinesisStreamRecord | DynamoDBRecord

/** The counts of one fold. */
export interface FoldCounts {
  folded: number
  invalid: number
  deadLettered: number
  permanent: number
}

/** Where a fold stopped: the index of the first record that failed (or the count) and its error. */
export interface FoldEnd {
  readonly counts: FoldCounts
  readonly firstFailure: number
  readonly failure: unknown
}

/** What a fold needs from `windowReducer`'s options. */
export interface FoldSettings<T, A> extends Pick<WindowReducerOptions<T, A>, 'key' | 'reduce' | 'initial'> {
  readonly maxStateBytes: number
  readonly logger: BatchLogger
  readonly read: ReadSettings<T>
  readonly letter: FailureLetterer
}

/** Makes the fold of `windowReducer`'s invocations. */
export function windowFolder<T, A>(settings: FoldSettings<T, A>) {
  const { key, reduce, initial, maxStateBytes, logger, letter } = settings
  const readSettings = settings.read

  /** Folds one item into its key's accumulator. */
  function foldItem(state: WindowState<A>, item: T, record: WindowRecord): void {
    // String() so that a key returned as a number meets the same key read back from the state's JSON.
    const name = String(key(item, record))
    state.set(name, reduce(state.has(name) ? (state.get(name) as A) : initial(), item, record))
  }

  /**
   * Puts the state back as it was before the record that failed: from where this fold started, the records folded
   * since are folded again (read afresh, as `reduce` may have mutated their accumulators before it threw).
   */
  async function rewind(state: WindowState<A>, read: RecordReader<T>, metas: readonly RecordMeta[]) {
    state.rewind()
    for (const meta of metas) {
      const again: Read<T> = await read(meta)
      if (!again.ok) throw new Error(`windowReducer: record ${meta.id} read differently when folded again`)
      foldItem(state, again.item, meta.record as WindowRecord)
    }
  }

  /** Folds the records in order, until the first that fails. */
  async function fold(records: readonly WindowRecord[], state: WindowState<A>, budget: BudgetInternals) {
    const { ids } = state.invocation
    const read = recordReader(readSettings, recordSource(records[0]) === 'dynamodb' ? 'dynamodb' : 'kinesis')
    const counts: FoldCounts = { folded: 0, invalid: 0, deadLettered: 0, permanent: 0 }
    const end = (firstFailure: number, failure: unknown): FoldEnd => ({ counts, firstFailure, failure })
    // The records folded into the state since it was last (re)started, for a rewind.
    let sinceStart: RecordMeta[] = []
    for (let i = 0; i < records.length; i++) {
      const meta: RecordMeta = {
        record: records[i] as WindowRecord,
        key: undefined,
        id: ids[i] as string,
        signal: budget.signal,
      }
      runBudgetChecks(budget)
      if (budget.signal.aborted) {
        return end(i, new RecordNotProcessedError(meta.id, 'aborted', { cause: budget.signal.reason }))
      }
      let item = read(meta)
      if (item instanceof Promise) item = await item
      if (!item.ok) {
        counts.invalid++
        if (!item.deadLettered) return end(i, item.error)
        counts.deadLettered++
        continue
      }
      try {
        foldItem(state, item.item, meta.record as WindowRecord)
      } catch (error) {
        await rewind(state, read, sinceStart)
        if (await letter(error, meta.record, meta)) {
          // Dead-lettered, left out of the state: fold on from the state as it is now, so that the next rewind does not
          // fold again every record since the start (one rewind per permanent record would make the fold quadratic).
          counts.permanent++
          state.rebase()
          sinceStart = []
          continue
        }
        safeLog(logger, 'debug', 'Record failed', { id: meta.id, error })
        return end(i, error)
      }
      counts.folded++
      sinceStart.push(meta)
      if (state.estimatedBytes > maxStateBytes) {
        await state.flushAll('state-limit')
        sinceStart = []
      }
    }
    return end(records.length, undefined)
  }
  return fold
}
