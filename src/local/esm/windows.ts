/**
 * The lane of a shard with tumbling windows: records grouped by arrival time, the function's `state` carried from one
 * invocation to the next, a final invocation once a window is over, and an early end when the state passes 1 MB.
 * Internal to `serverless-done-right/local`.
 *
 * @module
 */
import { deliver, processBatch, takeBatch } from './batches.js'
import { defaults } from './options.js'
import type { ShardRecord } from './records.js'
import { type Lane, type OpenWindow, type Runtime, type ShardWorker, windowStartOf } from './shard.js'
import { pause } from './wakeup.js'

/** The event of a tumbling-window invocation: a stream event with the members AWS adds (Kinesis and DynamoDB alike). */
interface WindowEvent {
  Records: object[]
  shardId: string
  eventSourceARN: string
  window: { start: string; end: string }
  state: Record<string, unknown>
  isFinalInvokeForWindow: boolean
  isWindowTerminatedEarly: boolean
}

/** The event of a tumbling-window invocation for `records`. */
function windowEvent(
  runtime: Runtime,
  worker: ShardWorker,
  window: OpenWindow,
  records: readonly ShardRecord[],
  flags: { final: boolean; early: boolean },
): WindowEvent {
  return {
    Records: records.map((record) => record.event),
    shardId: worker.shardId,
    eventSourceARN: runtime.identity.streamArn,
    window: {
      start: new Date(window.start).toISOString(),
      end: new Date(window.start + runtime.options.windowMs).toISOString(),
    },
    state: window.state,
    isFinalInvokeForWindow: flags.final,
    isWindowTerminatedEarly: flags.early,
  }
}

const stateBytes = (state: Record<string, unknown>) => Buffer.byteLength(JSON.stringify(state))

/**
 * Whether the open window is over: a record of a later window is next, or every record that arrived before the
 * window's end has been read and delivered (or the shard ended).
 */
function windowIsOver(worker: ShardWorker, lane: Lane, window: OpenWindow, windowMs: number): boolean {
  const next = lane.queue[0]
  if (next !== undefined) return windowStartOf(next, windowMs) !== window.start
  return worker.ended || (worker.caughtUp !== undefined && worker.caughtUp.at >= window.start + windowMs)
}

/**
 * Runs the only lane of a windowed shard until the event source stops, or the shard ended with no open window.
 * A failed final invocation is repeated until it succeeds, and the shard waits, as in AWS.
 */
export async function runWindowLane(runtime: Runtime, worker: ShardWorker, lane: Lane): Promise<void> {
  const { signal } = runtime
  const { windowMs } = runtime.options
  while (!signal.aborted) {
    const open = worker.progress.window
    if (open !== undefined && (open.terminateEarly || windowIsOver(worker, lane, open, windowMs))) {
      await finalInvoke(runtime, worker, open, open.terminateEarly)
      continue
    }
    const take = takeBatch(runtime, worker, lane, open === undefined ? 2 : stateBytes(open.state))
    if (take.kind === 'empty') {
      if (worker.ended && open === undefined) return
      // Wake at the window's end; the read that follows it rings `changed` again.
      const untilEnd = open === undefined ? undefined : open.start + windowMs - Date.now()
      await worker.changed.wait(signal, untilEnd !== undefined && untilEnd > 0 ? untilEnd : undefined)
      continue
    }
    if (take.kind === 'wait') {
      await worker.changed.wait(signal, take.ms)
      continue
    }
    const start = windowStartOf(take.records[0] as ShardRecord, windowMs)
    const window = open ?? { start, state: {}, terminateEarly: false }
    worker.progress.window = window
    await processBatch(runtime, worker, take.records, async (records) => {
      const verdict = await deliver(runtime, windowEvent(runtime, worker, window, records, noFlags), records)
      if (verdict.kind !== 'failure' && verdict.state !== undefined) {
        window.state = verdict.state
        window.terminateEarly = stateBytes(verdict.state) > defaults.maxWindowStateBytes
      }
      return verdict
    })
  }
}

const noFlags = { final: false, early: false }

/**
 * The window's last invocation, with no records: `isFinalInvokeForWindow` when it is over, `isWindowTerminatedEarly`
 * when its state passed 1 MB (the window then goes on with a fresh state). Repeated until it succeeds.
 */
async function finalInvoke(runtime: Runtime, worker: ShardWorker, window: OpenWindow, early: boolean): Promise<void> {
  const { signal, stats, options } = runtime
  for (let failures = 0; !signal.aborted; failures++) {
    stats.windowFinalInvocations++
    const event = windowEvent(runtime, worker, window, [], { final: !early, early })
    const verdict = await deliver(runtime, event, [])
    if (verdict.kind !== 'failure') {
      worker.progress.window = early ? { start: window.start, state: {}, terminateEarly: false } : undefined
      runtime.progress.notify()
      return
    }
    stats.retries++
    await pause(Math.min(options.pollIntervalMs, 25 * 2 ** failures), signal)
  }
}
