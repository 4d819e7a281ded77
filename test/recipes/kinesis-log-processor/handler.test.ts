/**
 * The Lambda entry (`handler.ts`) as Lambda loads it: settings from the environment, its own real Kinesis client
 * (pointed at the local Kinesis with the SDK's standard `AWS_ENDPOINT_URL_KINESIS`).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda'
import { invoke, type LocalCloud, startLocalCloud } from 'serverless-done-right/local'
import type { DeadLetter, EnrichedLogEvent } from '../../../recipes/kinesis-log-processor/schema.js'
import { readStream, unpack } from '../../aws/stream-reader.js'
import { setLambdaEnv } from '../../helpers/env.js'
import { fixture } from '../../helpers/fixtures.js'

const streams = { input: 'entry-logs', output: 'entry-enriched', deadLetter: 'entry-dead-letter' }
let restoreEnv: () => void = () => undefined
let cloud: LocalCloud

beforeAll(async () => {
  cloud = await startLocalCloud()
  await cloud.createStream(streams.output, 2)
  await cloud.createStream(streams.deadLetter, 1)
  restoreEnv = setLambdaEnv({
    OUTPUT_STREAM_NAME: streams.output,
    DEAD_LETTER_STREAM_NAME: streams.deadLetter,
    BRUTE_FORCE_THRESHOLD: '2',
    AWS_ENDPOINT_URL_KINESIS: cloud.endpoints.kinesis,
    AWS_REGION: cloud.region,
  })
})

afterAll(async () => {
  restoreEnv()
  await cloud?.stop()
})

function kinesisEvent(payloads: readonly string[]): KinesisStreamEvent {
  const template = fixture<KinesisStreamEvent>('kinesis-stream').Records[0] as KinesisStreamRecord
  return {
    Records: payloads.map((data, index) => {
      const sequenceNumber = `4959033827149025660855969253836157109592157598913659${String(index).padStart(4, '0')}`
      return {
        ...template,
        eventSourceARN: `arn:aws:kinesis:us-east-1:000000000000:stream/${streams.input}`,
        eventID: `shardId-000000000000:${sequenceNumber}`,
        kinesis: {
          ...template.kinesis,
          partitionKey: '203.0.113.9',
          sequenceNumber,
          data: Buffer.from(data).toString('base64'),
        },
      }
    }),
  }
}

describe('kinesis-log-processor/handler.ts', () => {
  it('writes to the streams named in the environment, with BRUTE_FORCE_THRESHOLD from it', async () => {
    const { handler } = await import('../../../recipes/kinesis-log-processor/handler.js')
    const login = (status: number, requestId: string) =>
      JSON.stringify({
        requestId,
        timestamp: '2026-03-01T12:00:00.000Z',
        level: 'WARN',
        service: 'storefront',
        ip: '203.0.113.9',
        method: 'POST',
        path: '/login',
        status,
        userAgent: 'Mozilla/5.0',
        message: 'login',
      })
    const event = kinesisEvent([login(401, 'a'), login(401, 'b'), 'GET / 200', login(200, 'c')])
    const outcome = await invoke(handler, event, { timeoutMs: 10_000, memoryMb: 4096 })
    expect(outcome.status).toBe('ok')
    expect(outcome.result).toEqual({ batchItemFailures: [] })

    const written = unpack(await readStream(cloud.kinesis, streams.output)).map(
      (r) => JSON.parse(r.data) as EnrichedLogEvent,
    )
    expect(written.map((e) => [e.requestId, e.threats.map((threat) => threat.kind)])).toEqual([
      ['a', ['brute-force']],
      ['b', ['brute-force']],
      ['c', ['brute-force']],
    ])
    const letters = (await readStream(cloud.kinesis, streams.deadLetter)).map((r) => JSON.parse(r.data) as DeadLetter)
    expect(letters.map((letter) => [letter.reason, Buffer.from(letter.data, 'base64').toString()])).toEqual([
      ['decode', 'GET / 200'],
    ])
  })
})
