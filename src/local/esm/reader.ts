/**
 * The shard reader: GetRecords in a loop, as Lambda's standard iterator does. An idle shard is read about once per
 * `pollIntervalMs`; a read that returned a full page is followed at once by the next, as long as the lanes keep up.
 * Internal to `serverless-done-right/local`.
 *
 * @module
 */
import {
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  type GetShardIteratorCommandInput,
} from '@aws-sdk/client-kinesis'
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
  const { pollIntervalMs } = runtime.options
  const { startingPosition, startingTimestamp } = runtime.options
  // AT_TIMESTAMP reads from the trim horizon and skips what arrived earlier: kinesalite's own AT_TIMESTAMP iterator
  // never answers when no record follows the timestamp.
  const fresh = worker.progress.checkpoint === undefined && worker.parentIds.length === 0
  let skipBeforeMs = fresh && startingPosition === 'AT_TIMESTAMP' ? startingTimestamp?.getTime() : undefined
  let iterator = await acquireIterator(runtime, worker)
  const highWater = highWaterMark(runtime)
  while (iterator !== undefined && !signal.aborted) {
    const room = highWater - worker.log.length
    if (room <= 0) {
      await worker.changed.wait(signal, pollIntervalMs)
      continue
    }
    const limit = Math.min(defaults.maxGetRecordsLimit, room)
    const startedAt = Date.now()
    let page: GetRecordsCommandOutput
    try {
      page = await runtime.kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: limit }), {
        abortSignal: signal,
      })
    } catch (error) {
      if (signal.aborted) break
      stats.readErrors++
      await pause(pollIntervalMs, signal)
      // An expired or refused iterator is replaced; after a throttle or a fault the same one is fine.
      if (isIteratorError(error)) iterator = await acquireIterator(runtime, worker)
      continue
    }
    worker.stats.reads++
    const records = page.Records ?? []
    for (const sdkRecord of records) {
      const record = toShardRecord(sdkRecord, worker.shardId, worker.readCount, runtime.identity)
      worker.lastRead = record
      if (skipBeforeMs !== undefined && record.arrivalMs < skipBeforeMs) continue
      skipBeforeMs = undefined
      worker.readCount++
      worker.log.push(record)
      worker.lanes[laneOf(record.partitionKey, worker.lanes.length)]?.queue.push(record)
    }
    worker.stats.pendingRecords = worker.log.length
    const reachedEnd = records.length < limit
    if (reachedEnd) {
      worker.caughtUp = { at: startedAt, readCount: worker.readCount, lastArrivalMs: worker.lastRead?.arrivalMs }
    }
    iterator = page.NextShardIterator
    if (iterator === undefined) worker.ended = true
    worker.changed.notify()
    runtime.progress.notify()
    if (reachedEnd && iterator !== undefined) await pause(pollIntervalMs, signal)
  }
}

function isIteratorError(error: unknown): boolean {
  const name = error instanceof Error ? error.name : ''
  return name === 'ExpiredIteratorException' || name === 'InvalidArgumentException'
}

/**
 * A shard iterator: after the last record read (or the checkpoint, after a restart), else at the starting position.
 * A shard with parents (a reshard's child) starts at its beginning, as Lambda reads children from the start.
 * Retries until it succeeds; `undefined` only when the event source stopped.
 */
async function acquireIterator(runtime: Runtime, worker: ShardWorker): Promise<string | undefined> {
  const resumeAfter = worker.lastRead?.sequenceNumber ?? worker.progress.checkpoint
  const { startingPosition, pollIntervalMs } = runtime.options
  const base = { StreamName: runtime.streamName, ShardId: worker.shardId }
  let input: GetShardIteratorCommandInput
  if (resumeAfter !== undefined) {
    input = { ...base, ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: resumeAfter }
  } else if (worker.parentIds.length > 0) {
    input = { ...base, ShardIteratorType: 'TRIM_HORIZON' }
  } else {
    // AT_TIMESTAMP: see readShard.
    input = { ...base, ShardIteratorType: startingPosition === 'AT_TIMESTAMP' ? 'TRIM_HORIZON' : startingPosition }
  }
  while (!runtime.signal.aborted) {
    try {
      const { ShardIterator } = await runtime.kinesis.send(new GetShardIteratorCommand(input), {
        abortSignal: runtime.signal,
      })
      if (ShardIterator !== undefined) return ShardIterator
    } catch {
      if (runtime.signal.aborted) break
      runtime.stats.readErrors++
    }
    await pause(pollIntervalMs, runtime.signal)
  }
  return undefined
}
