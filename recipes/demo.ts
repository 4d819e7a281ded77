/**
 * `npm start`: the three recipes wired together on the local cloud, under realistic traffic.
 *
 * Starts kinesalite and dynalite in this process, creates the streams and tables, connects the log processor and the
 * stream reducer to the log stream with the event source mapping emulator (the settings the CDK constructs deploy),
 * puts the user API behind the API Gateway emulator, then sends log events (`--events N`, default 20,000) from a few
 * hundred clients with a share of attacks and invalid events, and a scripted session of API calls, valid and invalid.
 * It ends with a summary read back from the streams and the table, checks it, and exits 0 when everything adds up.
 * `--serve` keeps the API up afterwards and prints `curl` lines to try it.
 *
 * @module
 */
import { parseArgs } from 'node:util'
import { Logger } from '@aws-lambda-powertools/logger'
import { MultiBar, Presets } from 'cli-progress'
import { putRecords } from 'serverless-done-right'
import { httpGateway, kinesisEventSource, type LocalCloud, startLocalCloud } from 'serverless-done-right/local'
import { createLogProcessor } from './kinesis-log-processor/app.js'
import { threatCounts } from './kinesis-log-processor/enrich.js'
import { eventSourceParameters, readStreamData } from './kinesis-log-processor/local.js'
import { sampleTraffic } from './kinesis-log-processor/sample-traffic.js'
import type { DeadLetter, EnrichedLogEvent } from './kinesis-log-processor/schema.js'
import { logProcessorSettings } from './kinesis-log-processor/settings.js'
import { createUserApi } from './rest-user-api/app.js'
import { userApiSettings } from './rest-user-api/settings.js'
import { createStreamReducer, readWindowCounts } from './stream-reducer/app.js'
import { streamReducerSettings } from './stream-reducer/settings.js'

const names = {
  logs: 'logs',
  enriched: 'logs-enriched',
  deadLetter: 'logs-dead-letter',
  users: 'users',
  counts: 'log-counts',
} as const

/**
 * The memory each function reports to its watchdog. Locally the watchdog measures this whole process (both emulators
 * and all three functions), not one function, so the deployed sizes (`settings.ts`) would read as memory pressure.
 */
const localMemoryMb = 4096
/** Entries per `putRecords` call of the producer: small enough for the progress bar to move. */
const producerChunk = 1000
/** Idle shards are read this often (AWS: about once a second); the demo has no second to spare. */
const pollIntervalMs = 100

interface ApiCall {
  readonly label: string
  readonly status: number
  readonly expected: readonly number[]
  readonly ms: number
}

function parseOptions() {
  const { values } = parseArgs({
    options: {
      events: { type: 'string', default: '20000' },
      serve: { type: 'boolean', default: false },
      port: { type: 'string', default: '0' },
      help: { type: 'boolean', default: false },
    },
  })
  if (values.help) {
    console.log('npm start -- [--events N] [--serve [--port P]]')
    process.exit(0)
  }
  const events = Number(values.events)
  const port = Number(values.port)
  if (!Number.isInteger(events) || events < 1 || events > 1_000_000) throw new Error('--events must be 1 to 1,000,000')
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error('--port must be 0 to 65535')
  return { events, serve: values.serve, port }
}

/** A logger per function: silent unless `LOG_LEVEL` asks, so that the progress bar stays readable. */
function functionLogger(serviceName: string): Logger {
  const level = process.env.LOG_LEVEL?.toUpperCase()
  return new Logger({ serviceName, logLevel: (level ?? 'SILENT') as 'SILENT' })
}

async function createResources(cloud: LocalCloud): Promise<void> {
  await cloud.createStream(names.logs, logProcessorSettings.inputShardCount)
  await cloud.createStream(names.enriched, logProcessorSettings.outputShardCount)
  await cloud.createStream(names.deadLetter, logProcessorSettings.deadLetterShardCount)
  await cloud.createTable({
    TableName: names.users,
    KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
    BillingMode: 'PAY_PER_REQUEST',
  })
  await cloud.createTable({
    TableName: names.counts,
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'S' },
    ],
    BillingMode: 'PAY_PER_REQUEST',
  })
}

/** A JSON request to the API; records status and latency against what the script expects. */
function apiClient(baseUrl: string, calls: ApiCall[]) {
  return async (
    label: string,
    expected: readonly number[],
    method: string,
    path: string,
    options: { body?: unknown; raw?: string; headers?: Record<string, string> } = {},
  ) => {
    const headers: Record<string, string> = { ...options.headers }
    let body: string | undefined = options.raw
    if (options.body !== undefined) body = JSON.stringify(options.body)
    if (body !== undefined) headers['content-type'] = 'application/json'
    const started = performance.now()
    const response = await fetch(`${baseUrl}${path}`, { method, headers, ...(body === undefined ? {} : { body }) })
    const text = await response.text()
    calls.push({ label, status: response.status, expected, ms: performance.now() - started })
    const json = text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>)
    return { status: response.status, etag: response.headers.get('etag') ?? '', json }
  }
}

/**
 * The scripted session: every route, each way it can fail. Then `keepGoing` decides how many rounds of everyday use
 * (create, read, list, replace) follow, to measure latency while the streams are busy.
 */
async function apiSession(baseUrl: string, calls: ApiCall[], keepGoing: () => boolean): Promise<void> {
  const call = apiClient(baseUrl, calls)
  const ada = await call('create', [201], 'POST', '/users', {
    body: { email: 'ada@example.com', name: 'Ada Lovelace' },
  })
  const id = String(ada.json?.id)
  await call('create, invalid email', [400], 'POST', '/users', { body: { email: 'not-an-email', name: 'X' } })
  await call('create, unknown field', [400], 'POST', '/users', {
    body: { email: 'eve@example.com', name: 'Eve', role: 'admin' },
  })
  await call('create, malformed JSON', [415, 422], 'POST', '/users', { raw: '{"email": "x@example.com",' })
  await call('get', [200], 'GET', `/users/${id}`)
  await call('list', [200], 'GET', '/users?limit=10')
  await call('list, limit too large', [400], 'GET', '/users?limit=1000')
  const replaced = await call('replace with If-Match', [200], 'PUT', `/users/${id}`, {
    body: { email: 'ada@example.org', name: 'Ada King' },
    headers: { 'if-match': ada.etag },
  })
  await call('replace with a stale If-Match', [412], 'PUT', `/users/${id}`, {
    body: { email: 'ada@example.net', name: 'Ada' },
    headers: { 'if-match': ada.etag },
  })
  await call('replace without If-Match', [428], 'PUT', `/users/${id}`, { body: { email: 'a@example.com', name: 'A' } })
  await call('get, not a user id', [400], 'GET', '/users/not-a-uuid')
  await call('get, missing', [404], 'GET', `/users/${crypto.randomUUID()}`)
  await call('method not allowed', [405], 'PATCH', `/users/${id}`, { body: { name: 'A' } })
  await call('unknown path', [404], 'GET', '/nowhere')
  await call('delete with If-Match', [204], 'DELETE', `/users/${id}`, { headers: { 'if-match': replaced.etag } })
  await call('get, deleted', [404], 'GET', `/users/${id}`)

  for (let round = 1; keepGoing(); round++) {
    const user = await call('create', [201], 'POST', '/users', {
      body: { email: `user${round}@example.com`, name: `User ${round}` },
    })
    const userId = String(user.json?.id)
    await call('get', [200], 'GET', `/users/${userId}`)
    await call('list', [200], 'GET', '/users?limit=20')
    await call('replace with If-Match', [200], 'PUT', `/users/${userId}`, {
      body: { email: `user${round}@example.org`, name: `User ${round} (renamed)` },
      headers: { 'if-match': user.etag },
    })
  }
}

/** The nearest-rank percentile of sorted values. */
function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number
}

/** Shows progress: bars on a terminal, a line every two seconds otherwise (CI logs, the test). Returns its stop. */
function progress(total: number, read: () => Progress): () => void {
  const stop = showProgress(total, read)
  let stopped = false
  return () => {
    if (!stopped) stop()
    stopped = true
  }
}

interface Progress {
  sent: number
  processed: number
  reduced: number
  api: number
}

function showProgress(total: number, read: () => Progress): () => void {
  if (process.stdout.isTTY) {
    const bars = new MultiBar(
      { format: '{label} [{bar}] {value}/{total}', hideCursor: true, clearOnComplete: false },
      Presets.shades_classic,
    )
    const sent = bars.create(total, 0, { label: 'sent to logs      ' })
    const processed = bars.create(total, 0, { label: 'log processor     ' })
    const reduced = bars.create(total, 0, { label: 'stream reducer    ' })
    const timer = setInterval(() => {
      const now = read()
      sent.update(now.sent)
      processed.update(Math.min(total, now.processed))
      reduced.update(Math.min(total, now.reduced))
    }, 200)
    return () => {
      clearInterval(timer)
      const now = read()
      sent.update(now.sent)
      processed.update(Math.min(total, now.processed))
      reduced.update(Math.min(total, now.reduced))
      bars.stop()
    }
  }
  const timer = setInterval(() => {
    const now = read()
    console.log(
      `progress: sent ${now.sent}/${total}, processed ${now.processed}, reduced ${now.reduced}, API calls ${now.api}`,
    )
  }, 2000)
  return () => clearInterval(timer)
}

const count = (value: number) => value.toLocaleString('en-US')

async function main(): Promise<void> {
  const options = parseOptions()
  const startedAt = performance.now()
  const wallStart = Date.now()
  // Everything started is stopped on the way out, last started first, whether the run succeeds or not.
  const cleanup: Array<() => Promise<void> | void> = []
  try {
    const cloud = await startLocalCloud()
    cleanup.push(() => cloud.stop())
    await createResources(cloud)
    const processor = kinesisEventSource({
      cloud,
      streamName: names.logs,
      handler: createLogProcessor({
        kinesis: cloud.kinesis,
        outputStreamName: names.enriched,
        deadLetterStreamName: names.deadLetter,
        logger: functionLogger('kinesis-log-processor'),
      }),
      ...eventSourceParameters(logProcessorSettings),
      memoryMb: localMemoryMb,
      functionName: 'kinesis-log-processor',
      pollIntervalMs,
    })
    const reducer = kinesisEventSource({
      cloud,
      streamName: names.logs,
      handler: createStreamReducer({
        documentClient: cloud.documentClient,
        tableName: names.counts,
        logger: functionLogger('stream-reducer'),
      }),
      ...eventSourceParameters(streamReducerSettings),
      memoryMb: localMemoryMb,
      functionName: 'stream-reducer',
      pollIntervalMs,
    })
    const gateway = await httpGateway({
      routes: createUserApi({
        documentClient: cloud.documentClient,
        tableName: names.users,
        logger: functionLogger('rest-user-api'),
      }),
      payloadFormat: userApiSettings.payloadFormat,
      port: options.port,
      invokeOptions: {
        timeoutMs: userApiSettings.function.timeoutSeconds * 1000,
        memoryMb: localMemoryMb,
        functionName: 'rest-user-api',
      },
    })
    cleanup.push(() => gateway.close())
    cleanup.push(
      () => processor.stop(),
      () => reducer.stop(),
    )
    await processor.start()
    await reducer.start()

    const traffic = sampleTraffic({ events: options.events, seed: 20260301 })
    const calls: ApiCall[] = []
    let sent = 0
    let producing = true
    const stopProgress = progress(options.events, () => ({
      sent,
      processed: processor.stats.recordsCheckpointed,
      reduced: reducer.stats.recordsCheckpointed,
      api: calls.length,
    }))
    cleanup.push(stopProgress)
    const firstPutAt = Date.now()
    const produce = async () => {
      try {
        for (let from = 0; from < traffic.entries.length; from += producerChunk) {
          const chunk = traffic.entries.slice(from, from + producerChunk)
          const result = await putRecords(cloud.kinesis, names.logs, chunk)
          if (result.failedCount > 0) {
            throw new Error(`${result.failedCount} log events could not be put on ${names.logs}`)
          }
          sent += chunk.length
        }
      } finally {
        producing = false
      }
    }
    // Everyday API use goes on while the log stream is busy, and for a few rounds more on a small run.
    let extraRounds = 5
    await Promise.all([produce(), apiSession(gateway.url, calls, () => producing || extraRounds-- > 0)])
    const lastPutAt = Date.now()
    await Promise.all([processor.drain(), reducer.drain()])
    stopProgress()
    await Promise.all([processor.stop(), reducer.stop()])

    const drainedAt = Date.now()
    const phases = { setup: firstPutAt - wallStart, sending: lastPutAt - firstPutAt, draining: drainedAt - lastPutAt }
    const summary = await summarize(cloud, traffic, calls, { firstPutAt, lastPutAt, startedAt, phases }, options.events)
    if (!summary.ok) process.exitCode = 1
    else if (options.serve) await serve(gateway.url)
  } finally {
    for (const step of cleanup.reverse()) await Promise.resolve(step()).catch(() => undefined)
  }
}

async function summarize(
  cloud: LocalCloud,
  traffic: ReturnType<typeof sampleTraffic>,
  calls: readonly ApiCall[],
  times: {
    firstPutAt: number
    lastPutAt: number
    startedAt: number
    phases: { setup: number; sending: number; draining: number }
  },
  events: number,
) {
  const readBackStart = Date.now()
  const { firstPutAt, lastPutAt, startedAt, phases } = times
  const output = (await readStreamData(cloud.kinesis, names.enriched)).map(
    (data) => JSON.parse(data) as EnrichedLogEvent,
  )
  const letters = (await readStreamData(cloud.kinesis, names.deadLetter)).map((data) => JSON.parse(data) as DeadLetter)
  const outIds = new Set(output.map((event) => String(event.requestId)))
  const threats = threatCounts(output)

  const windowMs = streamReducerSettings.eventSource.tumblingWindowInSeconds * 1000
  const windows: Array<{ start: string; total: number; top: Array<[string, number]> }> = []
  for (let start = Math.floor(firstPutAt / windowMs) * windowMs; start <= lastPutAt; start += windowMs) {
    const counts = await readWindowCounts({
      documentClient: cloud.documentClient,
      tableName: names.counts,
      windowStart: new Date(start),
    })
    const entries = Object.entries(counts).sort((a, b) => b[1] - a[1])
    const total = entries.reduce((sum, [, value]) => sum + value, 0)
    if (total > 0) windows.push({ start: new Date(start).toISOString(), total, top: entries.slice(0, 3) })
  }
  const counted = windows.reduce((sum, window) => sum + window.total, 0)

  const latencies = calls.map((call) => call.ms).sort((a, b) => a - b)
  const statuses: Record<string, number> = {}
  for (const { status } of calls) statuses[status] = (statuses[status] ?? 0) + 1
  const unexpected = calls.filter((call) => !call.expected.includes(call.status))

  const valid = traffic.validRequestIds.length
  const problems: string[] = []
  const missing = traffic.validRequestIds.filter((id) => !outIds.has(id)).length
  if (missing > 0) problems.push(`${missing} valid events are not on ${names.enriched}`)
  if (outIds.size !== valid) problems.push(`${outIds.size} distinct events on ${names.enriched}, expected ${valid}`)
  if (letters.length !== traffic.invalid) problems.push(`${letters.length} dead letters, expected ${traffic.invalid}`)
  for (const [kind, sentCount] of Object.entries(traffic.attacks)) {
    if ((threats[kind] ?? 0) < sentCount) problems.push(`${threats[kind] ?? 0} ${kind} events found, ${sentCount} sent`)
  }
  if (counted < valid || counted > events) problems.push(`the reducer counted ${counted} events, expected ${valid}+`)
  for (const call of unexpected) problems.push(`API ${call.label}: ${call.status}, expected ${call.expected.join('/')}`)

  const seconds = (performance.now() - startedAt) / 1000
  const p = (value: number) => `${percentile(latencies, value).toFixed(1)} ms`
  console.log('')
  console.log(`serverless-done-right demo: ${count(events)} log events through 3 services on the local cloud`)
  console.log('')
  console.log(
    `log processor    events in       ${count(events)} (${count(valid)} valid, ${count(traffic.invalid)} invalid)`,
  )
  console.log(
    `                 events out      ${count(outIds.size)} on ${names.enriched} (${count(output.length - outIds.size)} written again after a retry)`,
  )
  console.log(`                 dead-lettered   ${count(letters.length)} on ${names.deadLetter}`)
  const threatLine = Object.entries(threats)
    .sort((a, b) => b[1] - a[1])
    .map(([kind, value]) => `${kind} ${count(value)}`)
    .join(', ')
  console.log(`                 threats         ${threatLine || 'none'} (events)`)
  for (const window of windows) {
    const top = window.top.map(([key, value]) => `${key} ${count(value)}`).join(', ')
    console.log(`stream reducer   ${window.start.slice(11, 19)} window  ${count(window.total)} events; top ${top}`)
  }
  const statusLine = Object.entries(statuses)
    .map(([status, value]) => `${status} x${value}`)
    .join(', ')
  console.log(`user API         ${calls.length} requests: ${statusLine}`)
  console.log(`                 latency p50 ${p(50)}, p95 ${p(95)}, p99 ${p(99)}`)
  console.log(
    `                 ${unexpected.length === 0 ? 'every status as expected' : `${unexpected.length} unexpected`}`,
  )
  const secondsOf = (ms: number) => `${(ms / 1000).toFixed(1)} s`
  console.log(
    `took             ${secondsOf(seconds * 1000)}: setup ${secondsOf(phases.setup)}, sending ${secondsOf(phases.sending)}, ` +
      `draining ${secondsOf(phases.draining)}, reading back ${secondsOf(Date.now() - readBackStart)}`,
  )
  console.log('')
  for (const problem of problems) console.log(`problem: ${problem}`)
  const ok = problems.length === 0
  const line = {
    ok,
    seconds: Number(seconds.toFixed(1)),
    eventsIn: events,
    valid,
    invalid: traffic.invalid,
    eventsOut: outIds.size,
    outputRecords: output.length,
    deadLettered: letters.length,
    threats,
    windows: windows.length,
    counted,
    api: {
      requests: calls.length,
      statuses,
      unexpected: unexpected.length,
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
      p99: percentile(latencies, 99),
    },
  }
  console.log(`summary: ${JSON.stringify(line)}`)
  return line
}

/** `--serve`: keeps the API up and shows how to call it, with a user made for the purpose, until Ctrl-C. */
async function serve(url: string): Promise<void> {
  const created = await fetch(`${url}/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'grace@example.com', name: 'Grace Hopper' }),
  })
  const { id } = (await created.json()) as { id: string }
  const json = "-H 'content-type: application/json'"
  console.log('')
  console.log(`The user API is up at ${url} (payload ${userApiSettings.payloadFormat}). Try:`)
  console.log('')
  console.log(`  curl -si -X POST ${url}/users ${json} -d '{"email":"ada@example.com","name":"Ada Lovelace"}'`)
  console.log(`  curl -s '${url}/users?limit=5'`)
  console.log(`  curl -si ${url}/users/${id}`)
  console.log(
    `  curl -si -X PUT ${url}/users/${id} -H 'if-match: "1"' ${json} -d '{"email":"grace@example.org","name":"Grace B. Hopper"}'`,
  )
  console.log(
    `  curl -si -X PUT ${url}/users/${id} ${json} -d '{"email":"g@example.com","name":"G"}'   # 428: no If-Match`,
  )
  console.log(`  curl -si -X POST ${url}/users ${json} -d '{"email":"nope"}'   # 400: problem+json with pointers`)
  console.log(`  curl -si -X DELETE ${url}/users/${id} -H 'if-match: "2"'`)
  console.log('')
  console.log('Ctrl-C stops it.')
  // A pending promise alone does not keep Node running: the timer does, until a signal arrives.
  const keepAlive = setInterval(() => undefined, 60_000)
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve)
    process.once('SIGTERM', resolve)
  })
  clearInterval(keepAlive)
}

main().catch((error: unknown) => {
  console.error('demo failed:', error)
  process.exitCode = 1
})
