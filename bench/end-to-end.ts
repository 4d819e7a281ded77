/**
 * End to end on the local cloud (benchmarks issue, part 6): figures that set future targets, none asserted.
 *
 * 1. The log processor: kinesalite (in this process) → `kinesisEventSource` (the recipe's deployed mapping settings:
 *    4 shards, batches of 500, parallelization factor 2; idle shards polled every 50 ms) → `createLogProcessor` →
 *    the output and dead-letter streams. N sample events (the demo's traffic: 1 % invalid, 5 % attacks) are put with
 *    the real SDK in `PutRecords` calls of 500 while the event source runs; the clock runs from the first put to
 *    `drain()` (every record checkpointed). Log events per second = N / that time. Kinesalite, the SDK clients, the
 *    emulator and the function share one Node process, hence one core: this is a floor, not what Lambda would do.
 * 2. The user API: `httpGateway` (payload 2.0, as deployed) → `createUserApi` → dynalite, under `autocannon` run as a
 *    separate process (50 connections, 10 s, `GET /users/{id}` of an existing user). Requests per second, p50 and p99.
 *
 * Each function reports 1,024 MB to its memory watchdog: locally the watchdog sees the whole process's RSS (emulators
 * included), so the deployed sizes would read as memory pressure.
 */
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { Logger } from '@aws-lambda-powertools/logger'
import { createLogProcessor } from '../recipes/kinesis-log-processor/app.js'
import { eventSourceParameters } from '../recipes/kinesis-log-processor/local.js'
import { sampleTraffic } from '../recipes/kinesis-log-processor/sample-traffic.js'
import { logProcessorSettings } from '../recipes/kinesis-log-processor/settings.js'
import { createUserApi } from '../recipes/rest-user-api/app.js'
import { userApiSettings } from '../recipes/rest-user-api/settings.js'
import { httpGateway, kinesisEventSource, startLocalCloud } from '../src/local/index.js'
import type { Figure, SectionResult, Target } from './lib/report.js'
import { putAll, rawKinesisThroughput } from './raw-kinesis.js'

export const SECTION = 'End to end on the local cloud: log processor and user API'

const silent = (serviceName: string) => new Logger({ serviceName, logLevel: 'SILENT' })

interface AutocannonResult {
  requests: { average: number; stddev: number; min: number; max: number; total: number }
  latency: { p50: number; p90: number; p99: number; average: number; max: number }
  non2xx: number
  errors: number
  timeouts: number
}

async function autocannon(root: string, url: string, connections: number, seconds: number): Promise<AutocannonResult> {
  const env: NodeJS.ProcessEnv = { ...process.env }
  delete env.NODE_OPTIONS
  const bin = join(root, 'node_modules', 'autocannon', 'autocannon.js')
  const args = [bin, '-c', String(connections), '-d', String(seconds), '-j', url]
  // execFile collects the output and rejects (with stderr) when autocannon exits with a non-zero code.
  const { stdout } = await promisify(execFile)(process.execPath, args, { cwd: root, env })
  return JSON.parse(stdout) as AutocannonResult
}

export async function endToEndBenchmark(options: { events?: number; seconds?: number } = {}): Promise<SectionResult> {
  const events = options.events ?? 20_000
  const seconds = options.seconds ?? 10
  const connections = 50
  const root = process.env.BENCH_ROOT ?? process.cwd()
  const figures: Figure[] = []
  const notes: string[] = []
  const targets: Target[] = []
  console.log(SECTION)
  const cloud = await startLocalCloud()
  try {
    // 1. The log processor.
    await cloud.createStream('logs', logProcessorSettings.inputShardCount)
    await cloud.createStream('logs-enriched', logProcessorSettings.outputShardCount)
    await cloud.createStream('logs-dead-letter', logProcessorSettings.deadLetterShardCount)
    const traffic = sampleTraffic({ events, seed: 20260301 })
    const source = kinesisEventSource({
      cloud,
      streamName: 'logs',
      handler: createLogProcessor({
        kinesis: cloud.kinesis,
        outputStreamName: 'logs-enriched',
        deadLetterStreamName: 'logs-dead-letter',
        logger: silent('kinesis-log-processor'),
      }),
      ...eventSourceParameters(logProcessorSettings),
      memoryMb: 1024,
      functionName: 'kinesis-log-processor',
      pollIntervalMs: 50,
    })
    await source.start()
    const progress = setInterval(
      () => console.log(`  log processor: ${source.stats.recordsCheckpointed}/${events} checkpointed`),
      5000,
    )
    const firstPut = performance.now()
    await putAll(cloud, 'logs', traffic.entries)
    const lastPut = performance.now()
    await source.drain()
    const drained = performance.now()
    clearInterval(progress)
    await source.stop()
    const stats = source.stats
    if (stats.recordsCheckpointed < events) {
      throw new Error(`only ${stats.recordsCheckpointed} of ${events} records checkpointed`)
    }
    const pipelineMs = drained - firstPut
    figures.push(
      {
        section: SECTION,
        name: 'log processor: events per second, first put to drain',
        unit: 'events/s',
        value: events / (pipelineMs / 1000),
        statistic: 'total',
        samples: 1,
        note: `${events} events in ${(pipelineMs / 1000).toFixed(1)} s; 4 shards, batches of 500; one process`,
      },
      {
        section: SECTION,
        name: 'producer: events per second put (PutRecords of 500)',
        unit: 'events/s',
        value: events / ((lastPut - firstPut) / 1000),
        statistic: 'total',
        samples: 1,
        note: 'while the event source runs in the same process',
      },
      {
        section: SECTION,
        name: 'log processor: drain after the last put',
        unit: 'ms',
        value: drained - lastPut,
        statistic: 'once',
        samples: 1,
      },
      {
        section: SECTION,
        name: 'log processor: invocations',
        unit: 'count',
        value: stats.invocations,
        statistic: 'total',
        note: `${stats.recordsDelivered} records delivered (mean batch ${(stats.recordsDelivered / Math.max(1, stats.invocations)).toFixed(0)}), ${stats.retries} retries, ${stats.errors} failed invocations, ${stats.partialFailures} partial failures`,
      },
    )
    const raw = await rawKinesisThroughput(cloud, 'raw', logProcessorSettings.inputShardCount, traffic.entries)
    const pipelinePerSecond = events / (pipelineMs / 1000)
    figures.push({
      section: SECTION,
      name: 'raw kinesalite: events per second, PutRecords then GetRecords of the same events',
      unit: 'events/s',
      value: raw.eventsPerSecond,
      statistic: 'total',
      samples: 1,
      note: `${events} events in ${(raw.ms / 1000).toFixed(1)} s, same process and run, nothing between`,
    })
    targets.push({
      section: SECTION,
      name: 'log processor pipeline / raw kinesalite (events per second)',
      ratio: pipelinePerSecond / raw.eventsPerSecond,
      limit: 0.35,
      kind: 'atLeast',
      met: pipelinePerSecond / raw.eventsPerSecond >= 0.35,
      explanation:
        'issue 18: the whole local pipeline (event source mapping, function, output stream) keeps at least 35 % of raw kinesalite put + get throughput',
    })
    console.log(
      `  log processor: ${events} events in ${(pipelineMs / 1000).toFixed(1)} s = ${(events / (pipelineMs / 1000)).toFixed(0)} events/s (${stats.invocations} invocations)`,
    )

    // 2. The user API.
    await cloud.createTable({
      TableName: 'users',
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    })
    const gateway = await httpGateway({
      routes: createUserApi({
        documentClient: cloud.documentClient,
        tableName: 'users',
        logger: silent('rest-user-api'),
      }),
      payloadFormat: userApiSettings.payloadFormat,
      invokeOptions: {
        timeoutMs: userApiSettings.function.timeoutSeconds * 1000,
        memoryMb: 1024,
        functionName: 'rest-user-api',
      },
    })
    try {
      const created = await fetch(`${gateway.url}/users`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'ada@example.com', name: 'Ada Lovelace' }),
      })
      const user = (await created.json()) as { id: string }
      if (created.status !== 201) throw new Error(`POST /users answered ${created.status}`)
      const url = `${gateway.url}/users/${user.id}`
      const check = await fetch(url)
      if (check.status !== 200) throw new Error(`GET ${url} answered ${check.status}`)
      console.log(`  user API: autocannon -c ${connections} -d ${seconds} GET /users/{id} …`)
      const result = await autocannon(root, url, connections, seconds)
      figures.push(
        {
          section: SECTION,
          name: `user API: requests per second (GET /users/{id}, ${connections} connections, ${seconds} s)`,
          unit: 'req/s',
          value: result.requests.average,
          statistic: 'mean',
          spread: { min: result.requests.min, max: result.requests.max, stddev: result.requests.stddev },
          samples: seconds,
          note: `${result.requests.total} requests, ${result.non2xx} not 2xx, ${result.errors} errors, ${result.timeouts} timeouts`,
        },
        {
          section: SECTION,
          name: 'user API: latency p50',
          unit: 'ms',
          value: result.latency.p50,
          statistic: 'median',
          spread: { p99: result.latency.p99, max: result.latency.max },
          samples: result.requests.total,
          note: `p90 ${result.latency.p90} ms, mean ${result.latency.average} ms`,
        },
        {
          section: SECTION,
          name: 'user API: latency p99',
          unit: 'ms',
          value: result.latency.p99,
          statistic: 'total',
          samples: result.requests.total,
        },
      )
      console.log(
        `  user API: ${result.requests.average.toFixed(0)} req/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, ${result.non2xx} not 2xx`,
      )
      if (result.non2xx > 0 || result.errors > 0) {
        notes.push(`${result.non2xx} responses were not 2xx and ${result.errors} requests failed under load.`)
      }
    } finally {
      await gateway.close()
    }
  } finally {
    await cloud.stop()
  }
  notes.push(
    'Kinesalite, dynalite, the emulators, the functions and (for the log processor) the producer share one Node process: the figures measure this machine running all of it on one core, and set the baseline for future targets rather than predicting Lambda.',
  )
  return { figures, targets, notes }
}
