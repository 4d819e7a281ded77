/**
 * The local log pipeline of the end-to-end section (issue 18, target 2): kinesalite (in this process) →
 * `kinesisEventSource` (the recipe's deployed mapping settings: 4 shards, batches of 500, a 1 s batching window,
 * parallelization factor 2; idle shards polled every 50 ms) → `createLogProcessor` → the output and dead-letter
 * streams. N sample events (the demo's traffic) are put with the real SDK in `PutRecords` calls of 500 while the event
 * source runs; the clock runs from the first put to `drain()` (every record checkpointed).
 *
 * In the same process and run, two references: raw kinesalite (`raw-kinesis.ts`: the same events put and read back,
 * nothing between), and the log processor's function alone: the same events in batches of 500 in Lambda's Kinesis
 * event shape, passed to the handler directly, 8 batches at a time (4 shards × 2), writing to its own output streams.
 * The pipeline has to put and read the events (raw) and run the function, so raw / (raw + function alone) is the
 * pipeline / raw ratio an event source and `invoke()` costing nothing would reach (in CPU time): the bound of the target.
 * The three run one after the other in rounds, after a warm-up round; the figures are the rounds' medians.
 */
import { Logger } from '@aws-lambda-powertools/logger'
import type { Context, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda'
import { createLogProcessor } from '../recipes/kinesis-log-processor/app.js'
import { eventSourceParameters } from '../recipes/kinesis-log-processor/local.js'
import { sampleTraffic } from '../recipes/kinesis-log-processor/sample-traffic.js'
import { logProcessorSettings } from '../recipes/kinesis-log-processor/settings.js'
import { kinesisEventSource, type LocalCloud } from '../src/local/index.js'
import { lambdaContext } from './lib/lambda-context.js'
import type { Figure, Target } from './lib/report.js'
import { medianFigure, summarize } from './lib/stats.js'
import { putAll, rawKinesisThroughput } from './raw-kinesis.js'

type Entries = ReturnType<typeof sampleTraffic>['entries']

interface Timed {
  ms: number
  cpuMs: number
}

async function timed<T>(work: () => Promise<T>): Promise<Timed & { value: T }> {
  const cpu = process.cpuUsage()
  const started = performance.now()
  const value = await work()
  const used = process.cpuUsage(cpu)
  return { value, ms: performance.now() - started, cpuMs: (used.user + used.system) / 1000 }
}

function processor(cloud: LocalCloud, prefix: string) {
  return createLogProcessor({
    kinesis: cloud.kinesis,
    outputStreamName: `${prefix}enriched`,
    deadLetterStreamName: `${prefix}dead-letter`,
    logger: new Logger({ serviceName: 'kinesis-log-processor', logLevel: 'SILENT' }),
  })
}

async function createStreams(cloud: LocalCloud, prefix: string): Promise<void> {
  await cloud.createStream(`${prefix}logs`, logProcessorSettings.inputShardCount)
  await cloud.createStream(`${prefix}enriched`, logProcessorSettings.outputShardCount)
  await cloud.createStream(`${prefix}dead-letter`, logProcessorSettings.deadLetterShardCount)
}

/** The pipeline: puts while the event source runs, until `drain()`. */
async function pipeline(cloud: LocalCloud, entries: Entries, prefix: string) {
  await createStreams(cloud, prefix)
  const source = kinesisEventSource({
    cloud,
    streamName: `${prefix}logs`,
    handler: processor(cloud, prefix),
    ...eventSourceParameters(logProcessorSettings),
    memoryMb: 1024,
    functionName: 'kinesis-log-processor',
    pollIntervalMs: 50,
  })
  await source.start()
  const progress = setInterval(
    () => console.log(`  log processor: ${source.stats.recordsCheckpointed}/${entries.length} checkpointed`),
    5000,
  )
  let lastPut = 0
  const run = await timed(async () => {
    const started = performance.now()
    await putAll(cloud, `${prefix}logs`, entries)
    lastPut = performance.now() - started
    await source.drain()
  })
  clearInterval(progress)
  await source.stop()
  const stats = source.stats
  if (stats.recordsCheckpointed < entries.length) {
    throw new Error(`only ${stats.recordsCheckpointed} of ${entries.length} records checkpointed`)
  }
  return { ...run, putMs: lastPut, stats }
}

/** The function alone: Lambda's Kinesis events of 500 records, straight to the handler, 8 at a time. */
async function functionAlone(cloud: LocalCloud, entries: Entries, prefix: string) {
  await createStreams(cloud, prefix)
  const handler = processor(cloud, prefix)
  const arrival = Date.now() / 1000
  const batches: KinesisStreamEvent[] = []
  for (let from = 0; from < entries.length; from += 500) {
    const records = entries.slice(from, from + 500).map(
      (entry, i): KinesisStreamRecord => ({
        kinesis: {
          kinesisSchemaVersion: '1.0',
          partitionKey: entry.partitionKey,
          sequenceNumber: String(49_650_000_000_000_000_000_000_000_000n + BigInt(from + i)),
          data: Buffer.from(entry.data).toString('base64'),
          approximateArrivalTimestamp: arrival,
        },
        eventSource: 'aws:kinesis',
        eventVersion: '1.0',
        eventID: `shardId-000000000000:${from + i}`,
        eventName: 'aws:kinesis:record',
        invokeIdentityArn: 'arn:aws:iam::000000000000:role/kinesis-log-processor-role',
        awsRegion: cloud.region,
        eventSourceARN: `arn:aws:kinesis:${cloud.region}:000000000000:stream/${prefix}logs`,
      }),
    )
    batches.push({ Records: records })
  }
  return timed(async () => {
    let next = 0
    const lane = async () => {
      for (let batch = batches[next++]; batch !== undefined; batch = batches[next++]) {
        const context: Context = lambdaContext({ timeoutMs: 60_000, memoryMb: 1024 })
        const response = (await handler(batch, context)) as { batchItemFailures?: unknown[] } | undefined
        if ((response?.batchItemFailures?.length ?? 0) > 0) throw new Error('the function reported failures')
      }
    }
    await Promise.all(Array.from({ length: 8 }, lane))
  })
}

interface Round {
  run: Awaited<ReturnType<typeof pipeline>>
  raw: Timed
  direct: Timed
}

/** One round: the pipeline, raw kinesalite and the function alone on the same events, each on streams of its own. */
async function round(cloud: LocalCloud, entries: Entries, index: number): Promise<Round> {
  const shards = logProcessorSettings.inputShardCount
  const run = await pipeline(cloud, entries, `r${index}-`)
  const raw = await timed(() => rawKinesisThroughput(cloud, `r${index}-raw`, shards, entries))
  const direct = await functionAlone(cloud, entries, `r${index}-direct-`)
  return { run, raw, direct }
}

const median = (values: readonly number[]) => summarize(values).median

/**
 * The log pipeline's figures and its target, measured against raw kinesalite and the function alone in one run:
 * a warm-up round on a tenth of the events (so that none of the three pays the JIT of kinesalite, the SDK or the
 * recipe for the others: the pipeline, measured first, used to), then `rounds` rounds; medians of the rounds.
 */
export async function logPipelineBenchmark(
  cloud: LocalCloud,
  section: string,
  events: number,
  rounds = 3,
): Promise<{ figures: Figure[]; targets: Target[] }> {
  const traffic = sampleTraffic({ events, seed: 20260301 })
  await round(cloud, traffic.entries.slice(0, Math.max(500, Math.floor(events / 10))), 0)
  const measured: Round[] = []
  for (let index = 1; index <= rounds; index++) measured.push(await round(cloud, traffic.entries, index))
  const perSecond = (ms: number) => events / (ms / 1000)
  const series = (pick: (r: Round) => number) => measured.map(pick)
  const figure = (name: string, unit: Figure['unit'], values: number[], note?: string, extra: Partial<Figure> = {}) =>
    medianFigure(section, name, unit, values, { ...(note === undefined ? {} : { note }), ...extra })
  const pipelineName = 'log processor: events per second, first put to drain'
  const rawName = 'raw kinesalite: events per second, PutRecords then GetRecords of the same events'
  const stats = measured.map((r) => r.run.stats)
  const figures: Figure[] = [
    figure(
      pipelineName,
      'events/s',
      series((r) => perSecond(r.run.ms)),
      `${events} events a round`,
      {
        comparedTo: rawName,
      },
    ),
    figure(
      'log processor pipeline: CPU time, first put to drain',
      'ms',
      series((r) => r.run.cpuMs),
      'process CPU',
    ),
    figure(
      'producer: events per second put (PutRecords of 500)',
      'events/s',
      series((r) => perSecond(r.run.putMs)),
    ),
    figure(
      'log processor: drain after the last put',
      'ms',
      series((r) => r.run.ms - r.run.putMs),
    ),
    figure(
      'log processor: invocations',
      'count',
      stats.map((s) => s.invocations),
      `${stats.map((s) => s.retries).join('/')} retries, ${stats.map((s) => s.errors).join('/')} failed invocations`,
    ),
    figure(
      rawName,
      'events/s',
      series((r) => perSecond(r.raw.ms)),
      'same process and run, nothing between',
    ),
    figure(
      'raw kinesalite: CPU time',
      'ms',
      series((r) => r.raw.cpuMs),
    ),
    figure(
      'log processor function alone: events per second (batches of 500 to the handler, 8 at a time)',
      'events/s',
      series((r) => perSecond(r.direct.ms)),
      'output written to kinesalite',
    ),
  ]
  const ratio = median(series((r) => r.raw.ms / r.run.ms))
  const cpuRatio = median(series((r) => r.raw.cpuMs / r.run.cpuMs))
  const bound = median(series((r) => r.raw.cpuMs / (r.raw.cpuMs + r.direct.cpuMs)))
  const ratios = series((r) => r.raw.ms / r.run.ms)
    .map((x) => x.toFixed(2))
    .join(', ')
  // The machine is shared: the target is on CPU time (what the pipeline costs, as issue 18 asks where the machine is
  // shared); the wall-time ratio, which neighbours' load moves from round to round, is given beside it.
  const pipelineTarget: Target = {
    section,
    name: 'log processor pipeline / raw kinesalite, events per CPU second (median of rounds)',
    ratio: cpuRatio,
    limit: 0.35,
    kind: 'atLeast',
    met: cpuRatio >= 0.35,
    bound,
    explanation: `issue 18: the whole local pipeline (event source mapping, function, output stream) keeps at least 35 % of raw kinesalite put + get throughput. In CPU time, median of ${rounds} rounds; in wall time ${ratio.toFixed(2)} (rounds: ${ratios}), which also counts the last batches' wait for the recipe's 1 s batching window. Bound: raw / (raw + the function alone), in CPU time = ${bound.toFixed(2)}, what an event source costing nothing would reach`,
  }
  console.log(
    `  log processor: ${perSecond(median(series((r) => r.run.ms))).toFixed(0)} events/s (median of ${rounds} rounds of ${events}); pipeline / raw ${ratio.toFixed(2)} (${ratios}), in CPU time ${cpuRatio.toFixed(2)} (bound ${bound.toFixed(2)})`,
  )
  return { figures, targets: [pipelineTarget] }
}
