/**
 * Batches and what happens to a failed one: checkpoint and retry from the lowest reported failure, bisect, retries,
 * record age, and the on-failure destination. Internal to `serverless-done-right/local`.
 *
 * @module
 */
import { invoke } from '../invoke.js'
import { defaults } from './options.js'
import { type LastResponse, onFailureRecord, type ShardRecord } from './records.js'
import { finishRecords, type Lane, type Runtime, type ShardWorker } from './shard.js'
import { type Verdict, verdictOf } from './verdict.js'
import { pause } from './wakeup.js'

/** What a lane can do next. */
export type Take =
  | { kind: 'batch'; records: ShardRecord[] }
  /** Records wait for the batching window to fill; look again after `ms`. */
  | { kind: 'wait'; ms: number }
  | { kind: 'empty' }

/** Room kept in the 6 MB payload for the event's own members (`Records`, and a window's fields besides `state`). */
const eventOverheadBytes = 1024

/**
 * Takes the next batch from `lane`: at most `batchSize` records and 6 MB minus `reservedBytes`, and with tumbling
 * windows only records of one window. A batch that is not full waits for the batching window, counted from when its
 * first record was read, unless the shard has ended.
 */
export function takeBatch(runtime: Runtime, worker: ShardWorker, lane: Lane, reservedBytes = 0): Take {
  const { queue } = lane
  const first = queue[0]
  if (first === undefined) return { kind: 'empty' }
  const { batchSize, batchingWindowMs, windowMs } = runtime.options
  const budget = defaults.maxPayloadBytes - eventOverheadBytes - reservedBytes
  const windowOfFirst = windowMs > 0 ? Math.floor(first.arrivalMs / windowMs) : 0
  let count = 0
  let bytes = 0
  let full = false
  for (const record of queue) {
    if (count === batchSize) break
    const otherWindow = windowMs > 0 && Math.floor(record.arrivalMs / windowMs) !== windowOfFirst
    if (otherWindow || (count > 0 && bytes + record.bytes > budget)) {
      full = true
      break
    }
    count++
    bytes += record.bytes
  }
  full ||= count === batchSize
  const waitMs = first.readAtMs + batchingWindowMs - Date.now()
  if (!full && !worker.ended && batchingWindowMs > 0 && waitMs > 0) return { kind: 'wait', ms: waitMs }
  return { kind: 'batch', records: queue.splice(0, count) }
}

/** Invokes the function with `event` for `records` through `invoke()`, counts it, and reads the verdict. */
export async function deliver(runtime: Runtime, event: object, records: readonly ShardRecord[]): Promise<Verdict> {
  const { options, stats } = runtime
  stats.invocations++
  stats.recordsDelivered += records.length
  const outcome = await invoke(runtime.handler as (event: object) => unknown, event, {
    timeoutMs: options.timeoutMs,
    memoryMb: options.memoryMb,
    functionName: options.functionName,
    region: runtime.identity.region,
  })
  const verdict = verdictOf(outcome, records, {
    reportBatchItemFailures: options.reportBatchItemFailures,
    windowed: options.windowMs > 0,
  })
  if (verdict.kind === 'failure') stats.errors++
  if (verdict.kind === 'failure' && verdict.timeout) stats.timeouts++
  if (verdict.kind === 'partial') stats.partialFailures++
  return verdict
}

/** A part of a batch on its way: its records, its invocations so far, its retries so far, and the last response. */
interface Unit {
  records: ShardRecord[]
  invocations: number
  retries: number
  last: LastResponse
}

/**
 * Runs `batch` until every record of it is finished (succeeded or given up on), or the event source stops.
 *
 * - Records older than `maximumRecordAgeInSeconds` go to on-failure (`RecordAgeExceeded`) before each attempt.
 * - A partial failure checkpoints the records before the lowest reported one; the rest is retried.
 * - With bisect, a failed batch of two or more records is split in two (a partial failure is split at the reported
 *   record); splits do not count as retries. A batch that cannot be split is retried.
 * - When `maximumRetryAttempts` retries are spent, the failed records go to on-failure (`RetryAttemptsExhausted`).
 */
export async function processBatch(
  runtime: Runtime,
  worker: ShardWorker,
  batch: ShardRecord[],
  attempt: (records: ShardRecord[]) => Promise<Verdict>,
): Promise<void> {
  const { options, stats, signal } = runtime
  const units: Unit[] = [{ records: batch, invocations: 0, retries: 0, last: { invoked: false, functionError: false } }]
  while (units.length > 0 && !signal.aborted) {
    const unit = units[0] as Unit
    if (options.maximumRecordAgeMs >= 0) {
      const cutoff = Date.now() - options.maximumRecordAgeMs
      const expired = unit.records.findIndex((record) => record.arrivalMs >= cutoff)
      const expiredCount = expired === -1 ? unit.records.length : expired
      if (expiredCount > 0) {
        const tooOld = unit.records.splice(0, expiredCount)
        if (!(await giveUp(runtime, worker, tooOld, 'RecordAgeExceeded', unit))) return
        if (unit.records.length === 0) units.shift()
        continue
      }
    }
    const verdict = await attempt(unit.records)
    unit.invocations++
    unit.last = { invoked: true, functionError: verdict.kind === 'failure' && verdict.functionError }
    if (verdict.kind === 'success') {
      finishRecords(runtime, worker, unit.records)
      units.shift()
      continue
    }
    if (verdict.kind === 'partial' && verdict.failedIndex > 0) {
      finishRecords(runtime, worker, unit.records.splice(0, verdict.failedIndex))
      if (options.bisect) {
        stats.bisects++
        continue
      }
    } else if (options.bisect && unit.records.length > 1) {
      const half = Math.ceil(unit.records.length / 2)
      const second = unit.records.splice(half)
      units.splice(1, 0, { ...unit, records: second })
      stats.bisects++
      continue
    }
    if (options.maximumRetryAttempts >= 0 && unit.retries >= options.maximumRetryAttempts) {
      if (!(await giveUp(runtime, worker, unit.records, 'RetryAttemptsExhausted', unit))) return
      units.shift()
      continue
    }
    unit.retries++
    stats.retries++
    await pause(Math.min(options.pollIntervalMs, 25 * 2 ** unit.retries), signal)
  }
}

/**
 * Sends `records` to the on-failure destination (repeating a throwing one with backoff) and finishes them.
 * `false` when the event source stopped before the destination took them: they stay unfinished.
 */
async function giveUp(
  runtime: Runtime,
  worker: ShardWorker,
  records: ShardRecord[],
  condition: 'RetryAttemptsExhausted' | 'RecordAgeExceeded',
  unit: Unit,
): Promise<boolean> {
  const { stats, signal, options } = runtime
  const onFailure = options.onFailure
  if (onFailure !== undefined) {
    const report = onFailureRecord(
      records,
      condition,
      unit.invocations,
      unit.last,
      runtime.identity,
      runtime.batchInfoKey,
    )
    for (let failures = 0; ; failures++) {
      if (signal.aborted) return false
      try {
        await onFailure(report)
        break
      } catch {
        stats.destinationErrors++
        await pause(Math.min(options.pollIntervalMs, 25 * 2 ** failures), signal)
      }
    }
  }
  stats.onFailureBatches++
  stats.onFailureRecords += records.length
  finishRecords(runtime, worker, records)
  return true
}
