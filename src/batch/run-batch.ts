/**
 * One run of the fan-out engine over one batch, as plain functions of the batch and the budget: the map phase
 * (bounded concurrency, one record at a time per chain, stop-on-failure per chain, a drain bounded by `drainMs` once the
 * budget aborts), then the optional sink phase. Everything it keeps lives for one call.
 *
 * @module
 */
import type { BudgetInternals } from '../budget/invocation.js'
import { type BatchRecord, recordId, recordKey, recordSource } from '../events.js'
import type { FailureLetterer } from './dead-letter.js'
import { type Ordering, planChains } from './key-chains.js'
import { type BatchOutcome, countOutcomes, isConfirmed, Status } from './outcome.js'
import { type ReadSettings, type RecordMeta, type RecordReader, recordReader, runBudgetChecks } from './pipeline.js'
import { ReadyQueue } from './ready-queue.js'
import { describeError, safeLog } from './report.js'
import { applySinkReport, callSink, type Sink } from './sink.js'

/**
 * Handles one record. Resolve (with the result for the `sink`, if there is one) to mark it done; throw or reject to
 * report it in `batchItemFailures` (and, with key ordering, to stop the rest of its key); throw a `PermanentError` for a
 * record that can never succeed, to send it to the dead-letter handler instead (see `onPermanent`).
 *
 * @typeParam T - the item type: the schema's output, or what the decoder yields
 * @typeParam R - what the handler hands to the sink; `void` without one
 * @group Batches
 */
export type RecordHandler<T, R = void> = (item: T, meta: RecordMeta) => Promise<R>

/** Everything one run needs; prepared once by `fanOut`. */
export interface RunSettings<T, R> extends ReadSettings<T> {
  readonly handler: RecordHandler<T, R>
  readonly ordering: Ordering
  readonly concurrency: number
  readonly drainMs: number
  readonly sink: Sink<R> | undefined
  /** Sends a record whose handler threw a `PermanentError` to the dead-letter handler, when the options say so. */
  readonly letter: FailureLetterer
}

/**
 * How long before `budget.returnBy` the engine answers: time to build the response and hand it back through Middy, and
 * more than Middy core's own default early timeout (5 ms) when no `timeoutGuard()` sets an earlier `returnBy`.
 */
const returnMarginMs = 10

/** The state of one run. */
interface Run<T, R> {
  readonly settings: RunSettings<T, R>
  readonly budget: BudgetInternals
  readonly read: RecordReader<T>
  readonly metas: RecordMeta[]
  readonly ids: string[]
  readonly next: Int32Array
  readonly heads: readonly number[]
  readonly ready: ReadyQueue
  readonly status: Uint8Array
  readonly errors: unknown[]
  /** The handler's results, kept only when there is a sink. */
  readonly results: R[] | undefined
  inFlight: number
  peakInFlight: number
  /** Set when the map phase ends or the budget aborts: the workers test this flag, not the signal's getter. */
  stopped: boolean
  /** Set when the map phase is over: late handler results change nothing. */
  closed: boolean
}

function prepare<T, R>(settings: RunSettings<T, R>, records: readonly BatchRecord[], budget: BudgetInternals) {
  const count = records.length
  const { signal } = budget
  const metas = new Array<RecordMeta>(count)
  const ids = new Array<string>(count)
  const keys = new Array<string | undefined>(count)
  for (let i = 0; i < count; i++) {
    const record = records[i] as BatchRecord
    const id = recordId(record) ?? ''
    const key = recordKey(record)
    ids[i] = id
    keys[i] = key
    metas[i] = { record, key, id, signal } as RecordMeta
  }
  const { next, heads } = planChains(keys, settings.ordering)
  const source = count > 0 ? recordSource(records.find((record) => recordSource(record) !== undefined)) : undefined
  const run: Run<T, R> = {
    settings,
    budget,
    read: recordReader(settings, source ?? 'sqs'),
    metas,
    ids,
    next,
    heads,
    ready: new ReadyQueue(heads),
    status: new Uint8Array(count),
    errors: new Array<unknown>(count),
    results: settings.sink === undefined ? undefined : new Array<R>(count),
    inFlight: 0,
    peakInFlight: 0,
    stopped: signal.aborted,
    closed: false,
  }
  return { run, source }
}

/** Finishes one record of the map phase; after a failure the rest of its chain is skipped. */
function finish<T, R>(run: Run<T, R>, index: number, outcome: Status, error?: unknown): void {
  run.inFlight--
  if (run.closed) return
  const { status, errors, next } = run
  status[index] = outcome
  if (outcome === Status.mapped || isConfirmed(outcome)) {
    const following = next[index] as number
    if (following !== -1) run.ready.push(following)
    return
  }
  errors[index] = error
  for (let j = next[index] as number; j !== -1; j = next[j] as number) {
    status[j] = Status.skipped
    errors[j] = error
  }
}

/**
 * One loop per concurrency slot. Everything a record needs happens inline, with a single `await` on the handler in the
 * common case: measured, an extra async layer per record cost about a third of the engine's overhead.
 */
async function worker<T, R>(run: Run<T, R>): Promise<void> {
  const { budget, settings, metas, results } = run
  const done = results === undefined ? Status.succeeded : Status.mapped
  while (!run.stopped) {
    runBudgetChecks(budget)
    if (run.stopped) return
    const index = run.ready.pop()
    if (index === -1) return
    run.status[index] = Status.running
    if (++run.inFlight > run.peakInFlight) run.peakInFlight = run.inFlight
    const meta = metas[index] as RecordMeta
    let read = run.read(meta)
    if (read instanceof Promise) read = await read
    if (!read.ok) {
      finish(run, index, read.deadLettered ? Status.deadLettered : Status.invalid, read.error)
      continue
    }
    try {
      const result = await settings.handler(read.item, meta)
      if (results !== undefined && !run.closed) results[index] = result
      finish(run, index, done)
    } catch (error) {
      // A dead-lettered record is complete: its key goes on. Not once the map phase is over (it is reported then).
      if (!run.closed && (await settings.letter(error, meta.record, meta))) {
        finish(run, index, Status.permanent)
        continue
      }
      safeLog(settings.logger, 'debug', 'Record failed', { id: meta.id, error })
      finish(run, index, Status.failed, error)
    }
  }
}

/** Milliseconds the engine may still wait before it must answer. */
function leftMs(budget: BudgetInternals): number {
  return budget.returnBy - Date.now() - returnMarginMs
}

/** The map phase: every worker, until all are done or the drain after an abort is over. */
async function mapPhase<T, R>(run: Run<T, R>): Promise<void> {
  const { budget, settings } = run
  const { signal } = budget
  // The abort listener is in place before any record starts: a record may abort the budget synchronously.
  let drainTimer: NodeJS.Timeout | undefined
  let onAbort = (): void => undefined
  await new Promise<void>((finish) => {
    onAbort = () => {
      run.stopped = true
      // Never past the time the handler must be back by: an invocation aborted with less than `drainMs` left would
      // otherwise be answered by the timeout guard's fallback instead of by us.
      drainTimer = setTimeout(finish, Math.max(0, Math.min(settings.drainMs, leftMs(budget))))
    }
    if (!run.stopped) signal.addEventListener('abort', onAbort, { once: true })
    const workers: Promise<void>[] = []
    const count = Math.min(settings.concurrency, run.heads.length)
    for (let i = 0; i < count; i++) workers.push(worker(run))
    void Promise.all(workers).then(() => finish())
  })
  run.stopped = true
  run.closed = true
  signal.removeEventListener('abort', onAbort)
  if (drainTimer !== undefined) clearTimeout(drainTimer)
  const { status, errors } = run
  for (let i = 0; i < status.length; i++) {
    if (status[i] === Status.pending || status[i] === Status.running) {
      status[i] = Status.aborted
      errors[i] = signal.reason
    }
  }
}

/** The sink phase: the mapped results, in batch order, to the sink; its report decides what is confirmed. */
async function sinkPhase<T, R>(run: Run<T, R>, sink: Sink<R>): Promise<void> {
  const { status, metas, budget } = run
  const results = run.results as R[]
  const indexes: number[] = []
  for (let i = 0; i < status.length; i++) if (status[i] === Status.mapped) indexes.push(i)
  if (indexes.length === 0) return
  const meta = { records: indexes.map((i) => metas[i] as RecordMeta), signal: budget.signal }
  const batch = indexes.map((i) => results[i] as R)
  const report = await callSink(sink, batch, meta, leftMs(budget), run.settings.logger)
  applySinkReport(run, indexes, report)
}

/** Runs one batch. Never rejects because of a record; the caller turns the outcome into a response. */
export async function runBatch<T, R>(
  settings: RunSettings<T, R>,
  records: readonly BatchRecord[],
  budget: BudgetInternals,
): Promise<BatchOutcome> {
  const started = performance.now()
  const { run, source } = prepare(settings, records, budget)
  // The timeout fallback asks, only when it answers, which records this run has confirmed.
  budget.reportProgress(function* confirmed() {
    for (let i = 0; i < run.status.length; i++) if (isConfirmed(run.status[i] as number)) yield run.ids[i] as string
  })
  await mapPhase(run)
  if (settings.sink !== undefined) await sinkPhase(run, settings.sink)
  const { signal } = budget
  const summary = countOutcomes(run.status, source, {
    durationMs: Math.round((performance.now() - started) * 100) / 100,
    peakInFlight: run.peakInFlight,
    abortReason: signal.aborted ? describeError(signal.reason) : undefined,
  })
  return { ids: run.ids, status: run.status, errors: run.errors, summary }
}
