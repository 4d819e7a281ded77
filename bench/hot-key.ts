/**
 * Hot key (hardening issue): one client IP's flood against a batch of many IPs, through the log processor, with
 * 10 ms added to every PutRecords at the wire by the local cloud's fault proxy (the round trip of a real stream).
 *
 * - the log processor (`createLogProcessor`, as shipped: its sink packs each IP's events into JSON Lines records) on
 *   a batch of 500 valid events that share one client IP, and on one of 500 events from 500 IPs. Target: the first
 *   takes at most twice as long as the second;
 * - `putRecords` with `keepKeyOrder` (the default) without and with `pack`, on 500 entries of one partition key and
 *   on 500 entries of 500 keys: where the time goes. Without `pack`, the one key costs one request per entry.
 *
 * Each candidate is timed in interleaved rounds in one process, beside kinesalite (which shares the core).
 */
import { Logger } from '@aws-lambda-powertools/logger'
import type { KinesisStreamEvent } from 'aws-lambda'
import { createLogProcessor } from '../recipes/kinesis-log-processor/app.js'
import { putRecords } from '../src/index.js'
import { invoke, type LocalCloud, startLocalCloud } from '../src/local/index.js'
import type { Figure, SectionResult } from './lib/report.js'
import { target } from './lib/report.js'
import { interleave, medianFigure, printFigures } from './lib/stats.js'

export const SECTION = 'Hot key: 500 events of one client IP against 500 IPs, 10 ms at the wire'

const events = 500
const latencyMs = 10

/** A batch of `events` valid log events, from one IP or from one IP each, as Lambda delivers it. */
function logBatch(oneIp: boolean): KinesisStreamEvent {
  const Records = Array.from({ length: events }, (_, n) => {
    const ip = oneIp ? '203.0.113.66' : `10.${Math.floor(n / 250)}.${n % 250}.7`
    const event = {
      requestId: `req-${n}`,
      timestamp: new Date(Date.UTC(2026, 2, 1, 12, 0, 0, n)).toISOString(),
      level: 'WARN',
      service: 'storefront',
      ip,
      method: 'POST',
      path: '/login',
      status: 401,
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64)',
      message: `login.failed POST /login 401`,
    }
    const sequenceNumber = `4959033827149025660855969253836157109592157598913${String(n).padStart(7, '0')}`
    return {
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: ip,
        sequenceNumber,
        data: Buffer.from(JSON.stringify(event)).toString('base64'),
        approximateArrivalTimestamp: 1_772_366_400 + n / 1000,
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `shardId-000000000000:${sequenceNumber}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: 'arn:aws:iam::000000000000:role/lambda-role',
      awsRegion: 'us-east-1',
      eventSourceARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/logs',
    }
  })
  return { Records }
}

async function processorRun(cloud: LocalCloud, event: KinesisStreamEvent): Promise<void> {
  const handler = createLogProcessor({
    kinesis: cloud.kinesis,
    outputStreamName: 'hot-out',
    deadLetterStreamName: 'hot-dead',
    logger: new Logger({ serviceName: 'hot-key', logLevel: 'SILENT' }),
  })
  const outcome = await invoke(handler, event, { timeoutMs: 60_000, memoryMb: 1024 })
  const failures = (outcome.result as { batchItemFailures?: unknown[] } | undefined)?.batchItemFailures
  if (outcome.status !== 'ok' || failures?.length !== 0) throw new Error(`the processor failed: ${outcome.status}`)
}

export async function hotKeyBenchmark(options: { rounds?: number } = {}): Promise<SectionResult> {
  const rounds = options.rounds ?? 5
  console.log(SECTION)
  const cloud = await startLocalCloud({ faults: { latencyMs, seed: 1 } })
  try {
    await cloud.createStream('hot-out', 4)
    await cloud.createStream('hot-dead', 1)
    await cloud.createStream('hot-put', 4)
    const hot = logBatch(true)
    const spread = logBatch(false)
    const entries = (keys: number) =>
      Array.from({ length: events }, (_, n) => ({ partitionKey: `key-${n % keys}`, data: JSON.stringify({ n }) }))
    const put = async (keys: number, pack: boolean) => {
      const result = await putRecords(cloud.kinesis, 'hot-put', entries(keys), { pack })
      if (result.failedCount > 0) throw new Error(`${result.failedCount} entries not written`)
    }
    const names = {
      hot: 'log processor: 500 events of one IP',
      spread: 'log processor: 500 events of 500 IPs',
      putHot: 'putRecords, pack: 500 entries of one key',
      putSpread: 'putRecords, pack: 500 entries of 500 keys',
      plainHot: 'putRecords, no pack: 500 entries of one key',
      plainSpread: 'putRecords, no pack: 500 entries of 500 keys',
    }
    const { wall } = await interleave(
      [
        { name: names.hot, run: () => processorRun(cloud, hot) },
        { name: names.spread, run: () => processorRun(cloud, spread) },
        { name: names.putHot, run: () => put(1, true) },
        { name: names.putSpread, run: () => put(events, true) },
        { name: names.plainHot, run: () => put(1, false) },
        { name: names.plainSpread, run: () => put(events, false) },
      ],
      // The one-key request chain without pack takes seconds a run: three rounds of it are enough.
      { rounds, warmup: 1, skip: (name, round) => name === names.plainHot && round >= 3 },
    )
    const figure = (name: string, comparedTo?: string): Figure =>
      medianFigure(SECTION, name, 'ms', wall.get(name) ?? [], comparedTo === undefined ? {} : { comparedTo })
    const figures = [
      figure(names.hot, names.spread),
      figure(names.spread),
      figure(names.putHot, names.putSpread),
      figure(names.putSpread),
      figure(names.plainHot, names.plainSpread),
      figure(names.plainSpread),
    ]
    printFigures(figures)
    const value = (name: string) => figures.find((f) => f.name === name)?.value ?? Number.NaN
    const ratio = value(names.hot) / value(names.spread)
    return {
      figures,
      targets: [
        target(
          SECTION,
          'log processor: a batch of one IP / a batch of 500 IPs (wall time)',
          ratio,
          2,
          'atMost',
          `${value(names.hot).toFixed(0)} ms against ${value(names.spread).toFixed(0)} ms`,
        ),
      ],
      notes: [
        `Every PutRecords waits ${latencyMs} ms at the fault proxy before kinesalite handles it. With keepKeyOrder a request carries one record per partition key; without pack, one key's 500 entries are 500 requests in a row.`,
      ],
    }
  } finally {
    await cloud.stop()
  }
}
