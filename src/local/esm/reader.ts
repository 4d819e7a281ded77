/**
 * The shard reader loop, as Lambda's standard iterator runs it: an idle shard is read about once per
 * `pollIntervalMs`; a read that returned a full page is followed at once by the next, as long as the lanes keep up.
 * The service-specific part (GetRecords and its iterators, or the DynamoDB stream store) is the worker's
 * {@link ShardReader}. Internal to `serverless-done-right/local`.
 *
 * @module
 */
import type { ShardPage } from './adapter.js'
import { defaults } from './options.js'
import { laneOf, toShardRecord } from './records.js'
import type { Runtime, ShardWorker } from './shard.js'
import { pause } from './wakeup.js'

/**
 * How many records may wait in a shard's lanes before the reader stops reading: enough for every lane to form a full
 * batch twice, and never fewer than a thousand.
 */
function highWaterMark(runtime: Runtime): number {
  const { batchSize, parallelizationFactor } = runtime.options
  return Math.max(1000, 2 * batchSize * parallelizationFactor)
}

/** Reads `worker`'s shard until the event source stops or the shard is closed and read to its end. */
export async function readShard(runtime: Runtime, worker: ShardWorker): Promise<void> {
  const { signal, stats } = runtime
  const { pollIntervalMs, startingPosition, startingTimestamp } = runtime.options
  // AT_TIMESTAMP reads from the trim horizon and skips what arrived earlier: kinesalite's own AT_TIMESTAMP iterator
  // never answers when no record follows the timestamp.
  const fresh = worker.progress.checkpoint === undefined && worker.parentIds.length === 0
  let skipBeforeMs = fresh && startingPosition === 'AT_TIMESTAMP' ? startingTimestamp?.getTime() : undefined
  const highWater = highWaterMark(runtime)
  while (!signal.aborted) {
    const room = highWater - worker.log.length
    if (room <= 0) {
      await worker.changed.wait(signal, pollIntervalMs)
      continue
    }
    const limit = Math.min(defaults.maxGetRecordsLimit, room)
    const startedAt = Date.now()
    let page: ShardPage
    try {
      page = await worker.reader.read(limit, worker.lastRead?.sequenceNumber ?? worker.progress.checkpoint, signal)
    } catch {
      if (signal.aborted) break
      stats.readErrors++
      await pause(pollIntervalMs, signal)
      continue
    }
    worker.stats.reads++
    for (const item of page.items) {
      const record = toShardRecord(item, worker.shardId, worker.readCount)
      worker.lastRead = record
      if (skipBeforeMs !== undefined && record.arrivalMs < skipBeforeMs) continue
      skipBeforeMs = undefined
      worker.readCount++
      worker.log.push(record)
      worker.lanes[laneOf(record.partitionKey, worker.lanes.length)]?.queue.push(record)
    }
    worker.stats.pendingRecords = worker.log.length
    const reachedEnd = page.items.length < limit
    if (reachedEnd) {
      worker.caughtUp = { at: startedAt, readCount: worker.readCount, lastArrivalMs: worker.lastRead?.arrivalMs }
    }
    if (page.ended) worker.ended = true
    worker.changed.notify()
    runtime.progress.notify()
    if (page.ended) return
    if (reachedEnd) await pause(pollIntervalMs, signal)
  }
}
