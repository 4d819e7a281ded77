/**
 * End to end on the local cloud (benchmarks issue, part 6; issue 18, target 2).
 *
 * 1. The log processor (`log-pipeline.ts`): kinesalite (in this process) → `kinesisEventSource` (the recipe's
 *    deployed mapping settings: 4 shards, batches of 500, parallelization factor 2; idle shards polled every 50 ms)
 *    → `createLogProcessor` → the output and dead-letter streams. N sample events (the demo's traffic: 1 % invalid, 5 % attacks) are put with
 *    the real SDK in `PutRecords` calls of 500 while the event source runs; the clock runs from the first put to
 *    `drain()` (every record checkpointed). Log events per second = N / that time, as a ratio to raw kinesalite put +
 *    get of the same events (target ≥ 0.35), bounded by the function's own cost (measured alone in the same run).
 *    Kinesalite, the SDK clients, the emulator and the function share one Node process, hence one core.
 * 2. The user API: `httpGateway` (payload 2.0, as deployed) → `createUserApi` → dynalite, under `autocannon` run as a
 *    separate process (50 connections, 10 s, `GET /users/{id}` of an existing user). Requests per second, p50 and p99.
 * 3. `npm start` with N events, spawn to exit (`npm-start.ts`; target < 15 s), after this process's cloud stopped.
 *
 * Each function reports 1,024 MB to its memory watchdog: locally the watchdog sees the whole process's RSS (emulators
 * included), so the deployed sizes would read as memory pressure.
 */
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { Logger } from '@aws-lambda-powertools/logger'
import { createUserApi } from '../recipes/rest-user-api/app.js'
import { userApiSettings } from '../recipes/rest-user-api/settings.js'
import { httpGateway, startLocalCloud } from '../src/local/index.js'
import type { Figure, SectionResult, Target } from './lib/report.js'
import { logPipelineBenchmark } from './log-pipeline.js'
import { npmStartBenchmark } from './npm-start.js'

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

export async function endToEndBenchmark(
  options: { events?: number; seconds?: number; npmStart?: boolean } = {},
): Promise<SectionResult> {
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
    // 1. The log processor (log-pipeline.ts), against raw kinesalite and the function alone.
    const pipeline = await logPipelineBenchmark(cloud, SECTION, events)
    figures.push(...pipeline.figures)
    targets.push(...pipeline.targets)

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
  // 3. npm start, in a child process of its own, after the cloud of this process is stopped.
  if (options.npmStart !== false) {
    const demo = await npmStartBenchmark(root, SECTION, events)
    figures.push(...demo.figures)
    targets.push(...demo.targets)
  }
  notes.push(
    'Kinesalite, dynalite, the emulators, the functions and (for the log processor) the producer share one Node process: the figures measure this machine running all of it on one core, and set the baseline for future targets rather than predicting Lambda.',
  )
  return { figures, targets, notes }
}
