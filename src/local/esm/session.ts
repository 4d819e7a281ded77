/**
 * One Kinesis event source mapping's sessions: listing shards, running a worker per shard, starting, draining and
 * shutting down. `kinesisEventSource()` is a thin object over these.
 *
 * @module
 */
import type { Shard } from '@aws-sdk/client-kinesis'
import { LocalOptionsError } from '../options-error.js'
import { type KinesisSourceEngine, loadKinesisSourceEngine } from '../peers.js'
import { runLane } from './lanes.js'
import type { KinesisEventSourceOptions, ResolvedOptions } from './options.js'
import { type MappingIdentity, mappingIdentity } from './records.js'
import {
  createShardWorker,
  type DrainTargets,
  hasDrained,
  type Runtime,
  type ShardProgress,
  type ShardWorker,
} from './shard.js'
import type { KinesisEventSourceStats } from './stats.js'
import { createWakeup, pause } from './wakeup.js'
import { runWindowLane } from './windows.js'

/** A started source: its runtime, the controller that stops it, a worker and a task per shard. */
export interface Session {
  readonly engine: KinesisSourceEngine
  readonly runtime: Runtime
  readonly controller: AbortController
  readonly workers: Map<string, ShardWorker>
  readonly tasks: Set<Promise<void>>
}

/** What a source keeps across sessions: its options, counters, checkpoints and identity, and the session running. */
export interface SourceState {
  readonly options: KinesisEventSourceOptions
  readonly resolved: ResolvedOptions
  readonly stats: KinesisEventSourceStats
  readonly progressByShard: Map<string, ShardProgress>
  identity: MappingIdentity | undefined
  session: Session | undefined
  starting: Promise<void> | undefined
}

/** Starts a worker for every shard not yet known; children wait for their parents to finish. */
export async function discoverShards(source: SourceState, current: Session): Promise<void> {
  const shards: Shard[] = []
  let nextToken: string | undefined
  do {
    const request = nextToken === undefined ? { StreamName: source.options.streamName } : { NextToken: nextToken }
    const page = await current.runtime.kinesis.send(new current.engine.ListShardsCommand(request), {
      abortSignal: current.controller.signal,
    })
    shards.push(...(page.Shards ?? []))
    nextToken = page.NextToken
  } while (nextToken !== undefined)
  const listed = new Set(shards.map((shard) => shard.ShardId))
  for (const shard of shards) {
    const shardId = shard.ShardId
    if (shardId === undefined || current.workers.has(shardId)) continue
    const progress = source.progressByShard.get(shardId) ?? {
      checkpoint: undefined,
      window: undefined,
      finished: false,
    }
    source.progressByShard.set(shardId, progress)
    if (progress.finished) continue
    const parentIds = [shard.ParentShardId, shard.AdjacentParentShardId].filter(
      (id): id is string => id !== undefined && listed.has(id),
    )
    const worker = createShardWorker(current.runtime, shardId, parentIds, progress)
    current.workers.set(shardId, worker)
    const task = runShard(source, current, worker)
    current.tasks.add(task)
    // Both ways, so that a failed task is no unhandled rejection: stop() awaits it and reports it.
    task.then(
      () => current.tasks.delete(task),
      () => current.tasks.delete(task),
    )
  }
}

async function runShard(source: SourceState, current: Session, worker: ShardWorker): Promise<void> {
  const { runtime } = current
  const parentsFinished = () => worker.parentIds.every((id) => source.progressByShard.get(id)?.finished === true)
  while (!runtime.signal.aborted && !parentsFinished()) await runtime.progress.wait(runtime.signal)
  const runLaneOf = source.resolved.windowMs > 0 ? runWindowLane : runLane
  const lanes = worker.lanes.map((lane) => runLaneOf(runtime, worker, lane))
  await current.engine.readShard(runtime, worker)
  await Promise.all(lanes)
  if (runtime.signal.aborted || !worker.ended || worker.log.length > 0) return
  // A closed shard has children (a split or a merge). They are listed before the parent counts as finished, so
  // that drain() never sees a finished parent without its children.
  while (!runtime.signal.aborted) {
    try {
      await discoverShards(source, current)
      break
    } catch {
      if (runtime.signal.aborted) return
      source.stats.readErrors++
      await pause(source.resolved.pollIntervalMs, runtime.signal)
    }
  }
  if (runtime.signal.aborted) return
  worker.progress.finished = true
  worker.stats.finished = true
  runtime.progress.notify()
}

/** Starts a session: the stream's identity (once), a reader client, and a worker per shard. */
export async function startSession(source: SourceState): Promise<void> {
  if (source.session !== undefined) return
  const engine = await loadKinesisSourceEngine()
  const { retrying } = engine
  const controller = new AbortController()
  const { cloud, streamName } = source.options
  const kinesis = engine.createReaderClient(cloud)
  const retry = {
    signal: controller.signal,
    pauseMs: source.resolved.pollIntervalMs,
    attempts: 5,
    onError: () => source.stats.readErrors++,
  }
  try {
    source.identity ??= await retrying(async () => {
      const { StreamDescriptionSummary } = await kinesis.send(new engine.DescribeSummary({ StreamName: streamName }))
      const streamArn = StreamDescriptionSummary?.StreamARN
      if (streamArn === undefined) throw new LocalOptionsError(`kinesisEventSource: stream ${streamName} has no ARN`)
      return mappingIdentity(streamArn, cloud.region, source.resolved.functionName)
    }, retry)
  } catch (error) {
    kinesis.destroy()
    throw error
  }
  const runtime: Runtime = {
    options: source.resolved,
    identity: source.identity,
    handler: source.options.handler,
    kinesis,
    streamName,
    stats: source.stats,
    signal: controller.signal,
    progress: createWakeup(),
  }
  const current: Session = { engine, runtime, controller, workers: new Map(), tasks: new Set() }
  source.session = current
  try {
    await retrying(() => discoverShards(source, current), retry)
  } catch (error) {
    source.session = undefined
    await shutDown(current)
    throw error
  }
}

/** Resolves once every record in the stream now is checkpointed (and, with windows, its window closed). */
export async function drainSession(source: SourceState): Promise<void> {
  await source.starting
  const current = source.session
  if (current === undefined) throw new LocalOptionsError('kinesisEventSource: drain() needs a started source')
  const since = Date.now()
  const targets: DrainTargets = new Map()
  for (;;) {
    if (source.session !== current) throw new LocalOptionsError('kinesisEventSource: stopped before it drained')
    const workers = [...current.workers.values()]
    if (workers.every((worker) => hasDrained(worker, since, targets, source.resolved.windowMs))) return
    await current.runtime.progress.wait(current.runtime.signal)
  }
}

/** Aborts a session, waits for its shard tasks (and so for invocations in flight), and closes its client. */
export async function shutDown(current: Session): Promise<void> {
  current.controller.abort()
  const failures: unknown[] = []
  while (current.tasks.size > 0) {
    for (const outcome of await Promise.allSettled([...current.tasks])) {
      if (outcome.status === 'rejected') failures.push(outcome.reason)
    }
  }
  current.runtime.kinesis.destroy()
  // A shard task only fails on a bug of the emulator: say so rather than hide it.
  if (failures.length > 0) throw failures[0]
}
