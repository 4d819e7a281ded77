/**
 * A lane of a shard: batches of its records, one after the other. A shard has `parallelizationFactor` lanes running
 * side by side; each partition key belongs to one lane, so its records stay in order. Internal to
 * `serverless-done-right/local`.
 *
 * @module
 */
import { deliver, processBatch, takeBatch } from './batches.js'
import type { Lane, Runtime, ShardWorker } from './shard.js'

/** Runs `lane` until the event source stops, or the shard ended and the lane is empty. */
export async function runLane(runtime: Runtime, worker: ShardWorker, lane: Lane): Promise<void> {
  const { signal } = runtime
  while (!signal.aborted) {
    const take = takeBatch(runtime, worker, lane)
    if (take.kind === 'empty') {
      if (worker.ended) return
      await worker.changed.wait(signal)
      continue
    }
    if (take.kind === 'wait') {
      await worker.changed.wait(signal, take.ms)
      continue
    }
    await processBatch(runtime, worker, take.records, (records) =>
      deliver(runtime, { Records: records.map((record) => record.event) }, records),
    )
  }
}
