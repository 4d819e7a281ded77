/**
 * The stream event source mapping engine, shared by `kinesisEventSource` and `dynamoDbEventSource`: shard discovery
 * (children after their parents), one reader and `parallelizationFactor` lanes per shard, checkpoints that survive
 * `stop()`/`start()`, and `drain()`. The service is behind a {@link StreamAdapter}. Internal to
 * `serverless-done-right/local`.
 *
 * @module
 */
import { LocalOptionsError } from '../options-error.js'
import type { ConnectedStream, StreamAdapter } from './adapter.js'
import { runLane } from './lanes.js'
import { readShard } from './reader.js'
import type { ResolvedOptions } from './resolve.js'
import { retrying } from './retry.js'
import {
  createShardWorker,
  type DrainTargets,
  hasDrained,
  type Runtime,
  type ShardProgress,
  type ShardWorker,
} from './shard.js'
import { copyStats, emptyStats, type KinesisEventSourceStats } from './stats.js'
import { createWakeup, pause } from './wakeup.js'
import { runWindowLane } from './windows.js'

/**
 * A running (or stopped) stream event source; see `kinesisEventSource` and `dynamoDbEventSource`.
 * @group Local cloud
 */
export interface StreamEventSource {
  /** Lists the shards and starts reading each; resumes from the checkpoints after a `stop()`. Idempotent. */
  start(): Promise<void>
  /**
   * Stops reading, lets invocations in flight finish (at most the function timeout), and resolves once nothing runs.
   * Records read but not checkpointed are read again by the next `start()`, as after a Lambda restart.
   */
  stop(): Promise<void>
  /**
   * Resolves when every record that was in the stream when it was called is checkpointed (succeeded or sent to
   * on-failure), and with tumbling windows, when the windows holding them had their final invocation.
   * Rejects with `LocalOptionsError` if the source is not running or stops first.
   */
  drain(): Promise<void>
  /** A copy of the live counters, fresh on every read. */
  readonly stats: KinesisEventSourceStats
  /** `true` between `start()` and `stop()`. */
  readonly running: boolean
}

interface Session {
  readonly runtime: Runtime
  readonly controller: AbortController
  readonly workers: Map<string, ShardWorker>
  readonly tasks: Set<Promise<void>>
}

/** An event source over `adapter`'s stream that invokes `handler` with `resolved` parameters. Nothing runs before `start()`. */
export function createStreamEventSource(
  adapter: StreamAdapter,
  resolved: ResolvedOptions,
  handler: Runtime['handler'],
): StreamEventSource {
  const stats = emptyStats()
  const progressByShard = new Map<string, ShardProgress>()
  let session: Session | undefined
  let starting: Promise<void> | undefined

  const start = async (): Promise<void> => {
    if (session !== undefined) return
    session = await openSession(adapter, resolved, handler, stats, progressByShard)
  }

  return {
    start() {
      starting ??= start().finally(() => {
        starting = undefined
      })
      return starting
    },
    async stop() {
      await starting?.catch(() => undefined)
      const current = session
      if (current === undefined) return
      session = undefined
      await shutDown(current)
    },
    async drain() {
      await starting
      const current = session
      if (current === undefined) throw new LocalOptionsError(`${adapter.label}: drain() needs a started source`)
      const since = Date.now()
      const targets: DrainTargets = new Map()
      for (;;) {
        if (session !== current) throw new LocalOptionsError(`${adapter.label}: stopped before it drained`)
        if ([...current.workers.values()].every((worker) => hasDrained(worker, since, targets, resolved.windowMs)))
          return
        await current.runtime.progress.wait(current.runtime.signal)
      }
    },
    get stats() {
      return copyStats(stats)
    },
    get running() {
      return session !== undefined
    },
  }
}

/** Starts a worker for every shard not yet known; children wait for their parents to finish. */
async function discoverShards(current: Session, progressByShard: Map<string, ShardProgress>): Promise<void> {
  const shards = await current.runtime.stream.listShards(current.controller.signal)
  for (const { shardId, parentIds } of shards) {
    if (current.workers.has(shardId)) continue
    const progress = progressByShard.get(shardId) ?? { checkpoint: undefined, window: undefined, finished: false }
    progressByShard.set(shardId, progress)
    if (progress.finished) continue
    const worker = createShardWorker(current.runtime, shardId, parentIds, progress)
    current.workers.set(shardId, worker)
    const task = runShard(current, worker, progressByShard)
    current.tasks.add(task)
    // Both ways, so that a failed task is no unhandled rejection: stop() awaits it and reports it.
    task.then(
      () => current.tasks.delete(task),
      () => current.tasks.delete(task),
    )
  }
}

async function runShard(
  current: Session,
  worker: ShardWorker,
  progressByShard: Map<string, ShardProgress>,
): Promise<void> {
  const { runtime } = current
  const { options: resolved, stats } = runtime
  const parentsFinished = () => worker.parentIds.every((id) => progressByShard.get(id)?.finished === true)
  while (!runtime.signal.aborted && !parentsFinished()) await runtime.progress.wait(runtime.signal)
  const runLaneOf = resolved.windowMs > 0 ? runWindowLane : runLane
  const lanes = worker.lanes.map((lane) => runLaneOf(runtime, worker, lane))
  await readShard(runtime, worker)
  await Promise.all(lanes)
  if (runtime.signal.aborted || !worker.ended || worker.log.length > 0) return
  // A closed shard has children (a split or a merge). They are listed before the parent counts as finished, so
  // that drain() never sees a finished parent without its children.
  while (!runtime.signal.aborted) {
    try {
      await discoverShards(current, progressByShard)
      break
    } catch {
      if (runtime.signal.aborted) return
      stats.readErrors++
      await pause(resolved.pollIntervalMs, runtime.signal)
    }
  }
  if (runtime.signal.aborted) return
  worker.progress.finished = true
  worker.stats.finished = true
  runtime.progress.notify()
}

/** Connects to the stream and starts a worker per shard; the session, or the error that stopped it starting. */
async function openSession(
  adapter: StreamAdapter,
  resolved: ResolvedOptions,
  handler: Runtime['handler'],
  stats: Runtime['stats'],
  progressByShard: Map<string, ShardProgress>,
): Promise<Session> {
  const controller = new AbortController()
  const retry = {
    signal: controller.signal,
    pauseMs: resolved.pollIntervalMs,
    attempts: 5,
    onError: () => stats.readErrors++,
  }
  const ready = (await adapter.prepare?.()) ?? adapter
  const stream: ConnectedStream = await retrying(() => ready.connect(controller.signal, resolved.functionName), retry)
  const runtime: Runtime = {
    options: resolved,
    identity: stream.identity,
    handler,
    stream,
    batchInfoKey: adapter.batchInfoKey,
    stats,
    signal: controller.signal,
    progress: createWakeup(),
  }
  const current: Session = { runtime, controller, workers: new Map(), tasks: new Set() }
  try {
    await retrying(() => discoverShards(current, progressByShard), retry)
  } catch (error) {
    await shutDown(current)
    throw error
  }
  return current
}

/** Aborts a session, waits for its shard tasks (and so for invocations in flight), and closes its stream. */
async function shutDown(current: Session): Promise<void> {
  current.controller.abort()
  const failures: unknown[] = []
  while (current.tasks.size > 0) {
    for (const outcome of await Promise.allSettled([...current.tasks])) {
      if (outcome.status === 'rejected') failures.push(outcome.reason)
    }
  }
  current.runtime.stream.close()
  // A shard task only fails on a bug of the emulator: say so rather than hide it.
  if (failures.length > 0) throw failures[0]
}
