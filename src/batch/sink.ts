/**
 * The sink stage of `fanOut`: the mapped results of a batch are written together (PutRecords, BatchWriteItem, a
 * Firehose put), and a record is complete only once the sink confirms its write.
 *
 * @module
 */
import { RecordNotProcessedError } from './errors.js'
import { Status } from './outcome.js'
import type { RecordMeta } from './pipeline.js'
import { type BatchLogger, safeLog } from './report.js'

/**
 * What the sink learns besides the results.
 * @group Batches
 */
export interface SinkMeta {
  /** For each result, at the same index, the record it was mapped from (`record`, `key`, `id`, `signal`). */
  readonly records: readonly RecordMeta[]
  /** The invocation budget's signal: pass it to the write, which should not start new requests once it aborts. */
  readonly signal: AbortSignal
}

/**
 * The sink's word on one result: `ok: true` once it is durably written.
 * @group Batches
 */
export interface SinkItemResult {
  readonly ok: boolean
}

/**
 * One entry per result, at the result's index. A result whose entry is missing or not `ok: true` is not confirmed:
 * its record goes to `batchItemFailures`. `putRecords(...).records` is such a report.
 * @group Batches
 */
export type SinkReport = readonly (SinkItemResult | undefined)[]

/**
 * Writes the mapped results of one batch, in batch order, and reports per result which were written. Called once per
 * batch with every result the handler produced (none when it produced none). A rejection leaves every result
 * unconfirmed.
 *
 * @typeParam R - what the record handler returns
 * @group Batches
 */
export type Sink<R> = (results: readonly R[], meta: SinkMeta) => Promise<SinkReport>

/** The stop-on-failure plan the sink's report is applied with: the next record of each chain. */
interface SinkState {
  readonly status: Uint8Array
  readonly errors: unknown[]
  readonly next: Int32Array
  readonly ids: readonly string[]
}

/**
 * Hands the mapped records to the sink and waits for its report at most `waitMs`; `undefined` when it rejected, gave
 * no array, or was not back in time (then nothing it wrote is confirmed, and Lambda sends those records again).
 */
export async function callSink<R>(
  sink: Sink<R>,
  results: readonly R[],
  meta: SinkMeta,
  waitMs: number,
  logger: BatchLogger,
): Promise<SinkReport | undefined> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, waitMs), 'late')
  })
  let failure: unknown = 'no report array'
  try {
    const report = await Promise.race([Promise.resolve().then(() => sink(results, meta)), late])
    if (Array.isArray(report)) return report
    if (report === 'late') failure = 'not back in time'
  } catch (error) {
    failure = error
  } finally {
    clearTimeout(timer)
  }
  safeLog(logger, 'error', 'Sink failed; its records are reported', { records: results.length, error: failure })
  return undefined
}

/**
 * Applies the sink's report to the mapped records at `indexes` (in batch order): confirmed ones succeed, the others
 * are `unconfirmed`, and after an unconfirmed record the rest of its chain is reported too (`skipped`), as after a
 * handler failure.
 */
export function applySinkReport(state: SinkState, indexes: readonly number[], report: SinkReport | undefined): void {
  const { status, errors, next, ids } = state
  indexes.forEach((index, at) => {
    const entry = report?.[at]
    if (entry?.ok === true) status[index] = Status.succeeded
    else {
      status[index] = Status.unconfirmed
      errors[index] = new RecordNotProcessedError(ids[index] as string, 'unconfirmed', { cause: entry })
    }
  })
  for (const index of indexes) {
    if (status[index] !== Status.unconfirmed) continue
    for (let j = next[index] as number; j !== -1; j = next[j] as number) {
      if (status[j] !== Status.succeeded) continue
      status[j] = Status.skipped
      errors[j] = errors[index]
    }
  }
}
