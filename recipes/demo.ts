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
import { putRecords } from 'serverless-done-right'
import {
  dynamoDbEventSource,
  httpGateway,
  kinesisEventSource,
  type LocalCloud,
  startLocalCloud,
} from 'serverless-done-right/local'
import { type ApiCall, apiSession } from './demo/api-session.js'
import { auditSummary } from './demo/audit.js'
import { progress } from './demo/progress.js'
import { serve } from './demo/serve.js'
import { summarize } from './demo/summary.js'
import { createLogProcessor } from './kinesis-log-processor/app.js'
import { eventSourceParameters } from './kinesis-log-processor/local.js'
import { sampleTraffic } from './kinesis-log-processor/sample-traffic.js'
import { logProcessorSettings } from './kinesis-log-processor/settings.js'
import { createUserApi } from './rest-user-api/app.js'
import { createUserAudit } from './rest-user-api/audit.js'
import { userApiSettings } from './rest-user-api/settings.js'
import { createStreamReducer } from './stream-reducer/app.js'
import { streamReducerSettings } from './stream-reducer/settings.js'

const names = {
  logs: 'logs',
  enriched: 'logs-enriched',
  deadLetter: 'logs-dead-letter',
  users: 'users',
  audit: 'users-audit',
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
    // As `UserApi` deploys it: the audit trail reads the stream.
    StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
  })
  await cloud.createTable({
    TableName: names.audit,
    KeySchema: [
      { AttributeName: 'userId', KeyType: 'HASH' },
      { AttributeName: 'sequence', KeyType: 'RANGE' },
    ],
    AttributeDefinitions: [
      { AttributeName: 'userId', AttributeType: 'S' },
      { AttributeName: 'sequence', AttributeType: 'S' },
    ],
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
    // The user API's audit trail on the users table's DynamoDB stream, mapped with the settings `UserAudit` deploys.
    const audit = dynamoDbEventSource({
      cloud,
      tableName: names.users,
      handler: createUserAudit({
        documentClient: cloud.documentClient,
        tableName: names.audit,
        logger: functionLogger('rest-user-api-audit'),
      }),
      ...eventSourceParameters(userApiSettings.audit),
      memoryMb: localMemoryMb,
      functionName: 'rest-user-api-audit',
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
      () => audit.stop(),
    )
    await processor.start()
    await reducer.start()
    await audit.start()

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
    await Promise.all([processor.drain(), reducer.drain(), audit.drain()])
    stopProgress()
    await Promise.all([processor.stop(), reducer.stop(), audit.stop()])

    const drainedAt = Date.now()
    const phases = { setup: firstPutAt - wallStart, sending: lastPutAt - firstPutAt, draining: drainedAt - lastPutAt }
    const summary = await summarize(
      names,
      cloud,
      traffic,
      calls,
      { firstPutAt, lastPutAt, startedAt, phases },
      options.events,
      await auditSummary(cloud, names.audit, calls),
    )
    if (!summary.ok) process.exitCode = 1
    else if (options.serve) await serve(gateway.url)
  } finally {
    for (const step of cleanup.reverse()) await Promise.resolve(step()).catch(() => undefined)
  }
}

main().catch((error: unknown) => {
  console.error('demo failed:', error)
  process.exitCode = 1
})
