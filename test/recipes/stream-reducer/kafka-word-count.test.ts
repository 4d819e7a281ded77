/**
 * The Kafka word count against the local DynamoDB (dynalite): batches replayed whole, overlapping, reordered, split
 * across two partitions, and still exact counts per window.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { KafkaRecord, KafkaWindowSummary } from 'serverless-done-right'
import { invoke, type LocalCloud, startLocalCloud } from 'serverless-done-right/local'
import { readWindowCounts } from '../../../recipes/stream-reducer/app.js'
import { countWords, createKafkaWordCount, wordsOf } from '../../../recipes/stream-reducer/kafka-word-count.js'
import { kafkaEvent, kafkaRecord } from '../../helpers/kafka-events.js'
import { createCountsTable, silentLogger, testMemoryMb } from './helpers.js'

const minute = 60_000
const t0 = Date.UTC(2026, 5, 1, 12, 0, 0) // a window start
const lines = [
  'ERROR disk full on host a',
  'GET /users served',
  'ERROR timeout calling billing',
  'GET /orders served',
  'WARN slow disk',
]

let cloud: LocalCloud
let tableCount = 0

beforeAll(async () => {
  cloud = await startLocalCloud()
})

afterAll(async () => {
  await cloud?.stop()
})

/** A fresh table and handler for one test. */
async function wordCount() {
  const tableName = `kafka-words-${++tableCount}`
  await createCountsTable(cloud, tableName)
  const summaries: KafkaWindowSummary[] = []
  const handler = createKafkaWordCount({
    dynamodb: cloud.dynamodb,
    tableName,
    windowMs: minute,
    allowedLatenessMs: 1_000,
    logger: silentLogger(),
    onSummary: (summary) => summaries.push(summary),
  })
  const run = async (records: readonly KafkaRecord[]) => {
    const outcome = await invoke(handler, kafkaEvent(records), { timeoutMs: 15_000, memoryMb: testMemoryMb })
    expect(outcome.status).toBe('ok')
  }
  const read = (windowStart: number) =>
    readWindowCounts({
      documentClient: cloud.documentClient,
      tableName,
      windowStart: new Date(windowStart).toISOString(),
    })
  return { run, read, summaries }
}

/** `count` records of partition `partition` from `offset` on, a line each, 10 s apart from `from` (event time). */
function stream(partition: number, count: number, from = t0) {
  return Array.from({ length: count }, (_, offset) =>
    kafkaRecord('logs', partition, offset, lines[offset % lines.length] as string, from + offset * 10_000),
  )
}

/** The word counts of records, computed directly: what the table must hold. */
function expected(records: readonly KafkaRecord[]) {
  let counts: Record<string, number> = {}
  for (const record of records) counts = countWords(counts, Buffer.from(record.value, 'base64').toString('utf8'))
  return counts
}

/** A record far in event time that closes every window before it, on each partition. */
const closer = (partition: number, offset: number) => kafkaRecord('logs', partition, offset, 'end', t0 + 10 * minute)

describe('stream-reducer/kafka-word-count.ts', () => {
  it('splits lines into lower-case words', () => {
    expect(wordsOf('ERROR: disk /dev/sda1 full, 99%')).toEqual(['error', 'disk', 'dev', 'sda1', 'full', '99'])
    expect(countWords({ error: 1 }, 'error ERROR ok')).toEqual({ error: 3, ok: 1 })
  })

  it('counts each line once when the same batch is delivered twice', async () => {
    const { run, read, summaries } = await wordCount()
    const records = stream(0, 6) // one window: 0 s … 50 s
    await run(records)
    await run(records)
    await run([closer(0, 6)])
    expect(await read(t0)).toEqual(expected(records))
    expect(summaries[1]).toMatchObject({ records: 6, replayed: 6, folded: 0 })
    expect(summaries[2]).toMatchObject({ windowsClosed: 1 })
  })

  it('counts overlapping batches and an older batch after a newer one exactly', async () => {
    const { run, read, summaries } = await wordCount()
    const records = stream(0, 12) // two windows: offsets 0-5 in the first, 6-11 in the second
    await run(records.slice(0, 5))
    await run(records.slice(3, 9)) // overlaps 3-4
    await run(records.slice(0, 4)) // older than what is stored: ignored
    await run(records.slice(7, 12)) // overlaps 7-8
    await run([closer(0, 12)])
    expect(await read(t0)).toEqual(expected(records.slice(0, 6)))
    expect(await read(t0 + minute)).toEqual(expected(records.slice(6, 12)))
    expect(summaries.map((summary) => summary.replayed)).toEqual([0, 2, 4, 2, 0])
  })

  it('sums two partitions and survives batches that mix them, replayed', async () => {
    const { run, read } = await wordCount()
    const first = stream(0, 6)
    const second = stream(1, 6, t0 + 5_000)
    await run([...first.slice(0, 3), ...second.slice(0, 4)])
    await run([...second.slice(2, 6), ...first.slice(0, 6)]) // partition 1 overlaps, partition 0 replays 0-2
    await run([...first.slice(0, 6), ...second.slice(0, 6)]) // everything again
    await run([closer(0, 6), closer(1, 6)])
    expect(await read(t0)).toEqual(expected([...first, ...second]))
  })

  it('drops a line later than the allowed lateness, and counts a late one within it', async () => {
    const { run, read, summaries } = await wordCount()
    const inTime = kafkaRecord('logs', 0, 0, 'alpha', t0 + 30_000)
    const next = kafkaRecord('logs', 0, 1, 'beta', t0 + minute + 500) // next window; watermark t0 + 59.5 s
    const withinLateness = kafkaRecord('logs', 0, 2, 'gamma', t0 + 59_000) // window still open
    const pastWatermark = kafkaRecord('logs', 0, 3, 'delta', t0 + 2 * minute + 2_000) // closes the first window
    const tooLate = kafkaRecord('logs', 0, 4, 'epsilon', t0 + 1_000)
    await run([inTime, next, withinLateness, pastWatermark, tooLate])
    expect(await read(t0)).toEqual({ alpha: 1, gamma: 1 })
    expect(summaries[0]).toMatchObject({ late: 1, folded: 4, windowsClosed: 2 })
  })
})
