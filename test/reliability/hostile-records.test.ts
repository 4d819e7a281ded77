/**
 * Suite 4 — hostile stream records through the log processor. Invalid JSON, valid JSON of the wrong shape, records of
 * 1 MB, binary garbage (and, in events built by hand since Kinesis always base64-encodes, data that is not base64)
 * sit between good records on the same partition keys. No invocation may fail; each hostile record must be
 * dead-lettered once it is read, with its reason, its source and its data; the good records around it must come out,
 * each key in order.
 */
import { randomBytes } from 'node:crypto'
import { Logger } from '@aws-lambda-powertools/logger'
import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda'
import { type PutRecordsEntry, putRecords } from 'serverless-done-right'
import { invoke, kinesisEventSource, type LocalCloud, startLocalCloud } from 'serverless-done-right/local'
import { createLogProcessor } from '../../recipes/kinesis-log-processor/app.js'
import { maxDeadLetterDataChars } from '../../recipes/kinesis-log-processor/dead-letter.js'
import { eventSourceParameters } from '../../recipes/kinesis-log-processor/local.js'
import type { DeadLetter, EnrichedLogEvent } from '../../recipes/kinesis-log-processor/schema.js'
import { logProcessorSettings } from '../../recipes/kinesis-log-processor/settings.js'
import { readStream, unpack } from '../aws/stream-reader.js'
import { fixture } from '../helpers/fixtures.js'
import { printFigures } from './helpers/figures.js'
import { orderViolations } from './helpers/streams.js'

const megabyte = 1024 * 1024
const keys = ['198.51.100.7', '203.0.113.9', '2001:db8::17', '192.0.2.44']
const logger = new Logger({ serviceName: 'hostile-records', logLevel: 'SILENT' })

let cloud: LocalCloud
let run = 0

beforeAll(async () => {
  cloud = await startLocalCloud()
})

afterAll(async () => {
  await cloud?.stop()
})

async function freshStreams() {
  run++
  const names = { input: `hostile-${run}`, output: `hostile-out-${run}`, deadLetter: `hostile-dlq-${run}` }
  await cloud.createStream(names.input, logProcessorSettings.inputShardCount)
  await cloud.createStream(names.output, logProcessorSettings.outputShardCount)
  await cloud.createStream(names.deadLetter, logProcessorSettings.deadLetterShardCount)
  return names
}

function goodEvent(n: number, ip: string) {
  return {
    requestId: `good-${n}`,
    timestamp: '2026-03-01T12:00:00.000Z',
    level: 'INFO',
    service: 'storefront',
    ip,
    method: 'GET',
    path: `/products/${n}`,
    status: 200,
    userAgent: 'Mozilla/5.0',
    message: 'product.view',
  }
}

/** A hostile payload and the reason the processor must give when it dead-letters it. */
interface Hostile {
  readonly label: string
  readonly data: Buffer
  readonly reason: 'decode' | 'schema'
}

const text = (value: string) => Buffer.from(value, 'utf8')
const valid = (overrides: Record<string, unknown>) =>
  text(JSON.stringify({ ...goodEvent(0, keys[0] as string), ...overrides }))

/** Every hostile payload that Kinesis can carry. */
function hostilePayloads(): Hostile[] {
  const decode = (label: string, data: Buffer): Hostile => ({ label, data, reason: 'decode' })
  const schema = (label: string, data: Buffer): Hostile => ({ label, data, reason: 'schema' })
  // The largest record Kinesis takes: 1 MiB of partition key and data together.
  const oneMegabyte = megabyte - 64
  const bigValid = JSON.stringify({ ...goodEvent(0, keys[0] as string), padding: '' })
  return [
    decode('truncated JSON', text('{"requestId": "x", "ip": "198.51.100.7"')),
    decode('single-quoted JSON', text("{'requestId': 'x'}")),
    decode('a trailing comma', text('{"a": 1,}')),
    decode('NaN', text('NaN')),
    decode('a comment', text('// a log line\n{}')),
    decode('an access-log line', text('198.51.100.7 - - [01/Mar/2026:12:00:00 +0000] "GET / HTTP/1.1" 200 512')),
    decode('unclosed arrays', text('['.repeat(10_000))),
    decode('empty-looking whitespace', text(' \n\t ')),
    schema('an array', text('[1, 2, 3]')),
    schema('null', text('null')),
    schema('a number', text('42')),
    schema('a string', text('"a log line"')),
    schema('true', text('true')),
    schema('an empty object', text('{}')),
    schema('status "OK"', valid({ status: 'OK' })),
    schema('an IP that is not one', valid({ ip: 'not-an-ip' })),
    schema('a timestamp without a zone', valid({ timestamp: '2026-03-01 12:00:00' })),
    schema('an unknown method', valid({ method: 'HACK' })),
    schema('a missing message', text(JSON.stringify({ ...goodEvent(0, keys[0] as string), message: undefined }))),
    schema('a 9 KB path', valid({ path: `/${'a'.repeat(9000)}` })),
    schema('a 20 KB message', valid({ message: 'm'.repeat(20_000) })),
    schema('a __proto__ status', text(valid({}).toString().replace('"status":200', '"__proto__":{"status":200}'))),
    schema('arrays nested 5,000 deep', text(`${'['.repeat(5000)}${']'.repeat(5000)}`)),
    // Valid by the schema (unknown fields are kept), but too deep for JSON.stringify to write out again.
    schema(
      'an unknown field nested 100,000 deep',
      text(
        valid({})
          .toString()
          .replace('{', `{"extra":${'['.repeat(100_000)}${']'.repeat(100_000)},`),
      ),
    ),
    schema(
      'a valid 1 MB event (too large once enriched)',
      text(bigValid.replace('"padding":""', `"padding":"${'p'.repeat(oneMegabyte - bigValid.length)}"`)),
    ),
    decode('1 MB of invalid JSON', text(`{"a":"${'x'.repeat(oneMegabyte - 10)}`)),
    decode('1 MB of binary garbage', randomBytes(oneMegabyte)),
    decode('1 KB of binary garbage', randomBytes(1024)),
    decode('invalid UTF-8', Buffer.from([0xff, 0xfe, 0x7b, 0x22, 0x80, 0x7d])),
    decode('an overlong slash', Buffer.from([0x7b, 0x22, 0xc0, 0xaf, 0x22, 0x7d])),
    decode('a lone surrogate in UTF-8', Buffer.from([0x22, 0xed, 0xa0, 0x80, 0x22])),
    decode('UTF-16 JSON', Buffer.from(JSON.stringify(goodEvent(1, keys[1] as string)), 'utf16le')),
    decode('gzip magic', Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03])),
    decode('NUL bytes', Buffer.alloc(64)),
  ]
}

describe('suite 4: hostile stream records through the log processor', () => {
  it('dead-letters every hostile record with its reason and processes the good ones around it, in order', async () => {
    const names = await freshStreams()
    const hostile = hostilePayloads()
    // Good records around each hostile one, on the same key; the key of each run turns over the four.
    const entries: PutRecordsEntry[] = []
    const planned: Array<{ kind: 'good'; id: string } | { kind: 'hostile'; hostile: Hostile }> = []
    let good = 0
    for (const [index, payload] of hostile.entries()) {
      const key = keys[index % keys.length] as string
      for (const item of [undefined, payload, undefined]) {
        if (item === undefined) {
          good++
          entries.push({ partitionKey: key, data: JSON.stringify(goodEvent(good, key)) })
          planned.push({ kind: 'good', id: `good-${good}` })
        } else {
          entries.push({ partitionKey: key, data: item.data })
          planned.push({ kind: 'hostile', hostile: item })
        }
      }
    }
    // Each hostile record is known by the sequence number Kinesis gave it.
    const hostileBySequence = new Map<string, Hostile>()
    for (let from = 0; from < entries.length; from += 20) {
      const { records, failedCount } = await putRecords(cloud.kinesis, names.input, entries.slice(from, from + 20))
      expect(failedCount).toBe(0)
      records.forEach((result, offset) => {
        const item = planned[from + offset]
        if (result.ok && item?.kind === 'hostile') hostileBySequence.set(result.sequenceNumber, item.hostile)
      })
    }

    const source = kinesisEventSource({
      cloud,
      streamName: names.input,
      handler: createLogProcessor({
        kinesis: cloud.kinesis,
        outputStreamName: names.output,
        deadLetterStreamName: names.deadLetter,
        logger,
      }),
      ...eventSourceParameters(logProcessorSettings),
      maximumBatchingWindowInSeconds: 0,
      memoryMb: 4096,
      pollIntervalMs: 50,
    })
    await source.start()
    try {
      await source.drain()
    } finally {
      await source.stop()
    }

    const output = unpack(await readStream(cloud.kinesis, names.output))
    const letters = (await readStream(cloud.kinesis, names.deadLetter)).map((r) => JSON.parse(r.data) as DeadLetter)

    // Each hostile record must have a dead letter (more than one only after a retry), with its reason and data.
    const mismatched: string[] = []
    const lettered = new Set<string>()
    for (const letter of letters) {
      const item = hostileBySequence.get(letter.source.sequenceNumber)
      if (item === undefined) {
        mismatched.push(`a dead letter for a record that is not hostile: ${letter.source.sequenceNumber}`)
        continue
      }
      lettered.add(letter.source.sequenceNumber)
      const base64 = item.data.toString('base64')
      if (letter.reason !== item.reason) mismatched.push(`${item.label}: reason ${letter.reason}, not ${item.reason}`)
      if (letter.issues.length === 0) mismatched.push(`${item.label}: no issue named`)
      if (letter.data !== base64.slice(0, maxDeadLetterDataChars))
        mismatched.push(`${item.label}: data not as received`)
      if ((letter.dataTruncated === true) !== base64.length > maxDeadLetterDataChars)
        mismatched.push(`${item.label}: dataTruncated wrong`)
      if (!keys.includes(letter.source.partitionKey)) mismatched.push(`${item.label}: source key lost`)
    }
    const unlettered = [...hostileBySequence]
      .filter(([sequenceNumber]) => !lettered.has(sequenceNumber))
      .map(([, item]) => item.label)

    const goodIds = planned.filter((item) => item.kind === 'good').map((item) => (item as { id: string }).id)
    const outPairs = output.map(
      (record) => [record.partitionKey, String((JSON.parse(record.data) as EnrichedLogEvent).requestId)] as const,
    )
    const outIds = new Set(outPairs.map(([, id]) => id))
    const inputPosition = new Map(goodIds.map((id, index) => [id, index]))
    const lost = goodIds.filter((id) => !outIds.has(id)).length + (hostileBySequence.size - lettered.size)
    const violations = orderViolations(inputPosition, outPairs)
    const stats = source.stats

    printFigures('hostile-records', {
      events: entries.length,
      faults: {
        hostile: hostile.length,
        decode: hostile.filter((item) => item.reason === 'decode').length,
        schema: hostile.filter((item) => item.reason === 'schema').length,
        oneMegabyte: hostile.filter((item) => item.data.length > megabyte / 2).length,
      },
      lost,
      duplicated: output.length - outIds.size + (letters.length - lettered.size),
      orderViolations: violations,
      deadLettered: lettered.size,
      output: outIds.size,
      invocationErrors: stats.errors,
    })

    expect(hostileBySequence.size).toBe(hostile.length)
    expect(unlettered).toEqual([])
    expect(mismatched).toEqual([])
    expect(lost).toBe(0)
    expect(violations).toBe(0)
    expect([...outIds].every((id) => id.startsWith('good-'))).toBe(true)
    // No crash: no invocation failed, timed out or was given up on.
    expect(stats).toMatchObject({ errors: 0, timeouts: 0, onFailureBatches: 0 })
    expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain('status')
  })

  it('dead-letters records whose data is not base64, in events built by hand, and processes the others', async () => {
    const names = await freshStreams()
    const template = fixture<KinesisStreamEvent>('kinesis-stream').Records[0] as KinesisStreamRecord
    const notBase64 = [
      '!!!!',
      'not base64 at all',
      'ab d',
      'abc',
      'ab==cd==',
      '====',
      '\u00ff\u00fe\u00fd\u00fc',
      'eyJhIjox', // base64 of '{"a":1' (valid base64, truncated JSON)
      Buffer.from(JSON.stringify(goodEvent(99, keys[0] as string)))
        .toString('base64')
        .slice(0, -1),
    ]
    const payloads: Array<{ data: string; good: boolean }> = []
    let n = 1000
    for (const data of notBase64) {
      payloads.push({
        data: Buffer.from(JSON.stringify(goodEvent(++n, keys[0] as string))).toString('base64'),
        good: true,
      })
      payloads.push({ data, good: false })
    }
    payloads.push({
      data: Buffer.from(JSON.stringify(goodEvent(++n, keys[0] as string))).toString('base64'),
      good: true,
    })
    const event: KinesisStreamEvent = {
      Records: payloads.map(({ data }, index) => {
        const sequenceNumber = `4959033827149025660855969253836157109592157598913658${String(index).padStart(4, '0')}`
        return {
          ...template,
          eventSourceARN: `arn:aws:kinesis:us-east-1:000000000000:stream/${names.input}`,
          eventID: `shardId-000000000000:${sequenceNumber}`,
          kinesis: { ...template.kinesis, partitionKey: keys[0] as string, sequenceNumber, data },
        }
      }),
    }
    const handler = createLogProcessor({
      kinesis: cloud.kinesis,
      outputStreamName: names.output,
      deadLetterStreamName: names.deadLetter,
      logger,
    })
    const outcome = await invoke(handler, event, { timeoutMs: 10_000, memoryMb: 4096 })
    expect(outcome.status).toBe('ok')
    expect(outcome.result).toEqual({ batchItemFailures: [] })

    const letters = (await readStream(cloud.kinesis, names.deadLetter)).map((r) => JSON.parse(r.data) as DeadLetter)
    const expectedLetters = payloads.filter((payload) => !payload.good).map((payload) => payload.data)
    expect(letters.map((letter) => letter.data)).toEqual(expectedLetters)
    for (const letter of letters) {
      expect(letter.reason).toBe('decode')
      expect(letter.issues.length).toBeGreaterThan(0)
    }
    const written = unpack(await readStream(cloud.kinesis, names.output)).map(
      (record) => (JSON.parse(record.data) as EnrichedLogEvent).requestId,
    )
    const expectedIds = payloads
      .filter((payload) => payload.good)
      .map(
        (payload) =>
          (JSON.parse(Buffer.from(payload.data, 'base64').toString('utf8')) as { requestId: string }).requestId,
      )
    expect(written).toEqual(expectedIds)
    printFigures('hostile-records-by-hand', {
      events: payloads.length,
      faults: { notBase64: notBase64.length },
      lost: expectedIds.length - written.length + expectedLetters.length - letters.length,
      duplicated: 0,
      orderViolations: 0,
      deadLettered: letters.length,
      output: written.length,
    })
  })
})
