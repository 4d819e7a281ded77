/**
 * The log processor on the embedded cloud (`serverless-done-right/local`): sample web-access logs (attacks and invalid
 * events among them) put on a Kinesis stream with the real SDK, read by the event source mapping emulator with the
 * settings the CDK construct deploys, and the output and dead-letter streams read back. No AWS account, no Docker.
 *
 * Node's test runner (`npx tsx --test`): this is the test a project made with `npx serverless-done-right init
 * kinesis-log-processor` runs as `npm test`; the repository runs it the same way (jest skips it).
 *
 * @module
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { Logger } from '@aws-lambda-powertools/logger'
import { putRecords } from 'serverless-done-right'
import { kinesisEventSource, type LocalCloud, startLocalCloud } from 'serverless-done-right/local'
import { createLogProcessor } from './app.js'
import { eventSourceParameters, readStreamData } from './local.js'
import { sampleTraffic } from './sample-traffic.js'
import type { EnrichedLogEvent } from './schema.js'
import { logProcessorSettings } from './settings.js'

const streams = { input: 'logs', output: 'logs-enriched', deadLetter: 'logs-dead-letter' }
/** The memory the watchdog compares with: locally it measures this whole process, emulators included. */
const localMemoryMb = 8192

let cloud: LocalCloud

before(async () => {
  cloud = await startLocalCloud()
  await cloud.createStream(streams.input, 2)
  await cloud.createStream(streams.output, 2)
  await cloud.createStream(streams.deadLetter, 1)
})

after(async () => {
  await cloud?.stop()
})

describe('the log processor on the local cloud', () => {
  it('writes every valid event enriched with its threats, and dead-letters every invalid one', async () => {
    const traffic = sampleTraffic({ events: 300, seed: 7 })
    const source = kinesisEventSource({
      cloud,
      streamName: streams.input,
      handler: createLogProcessor({
        kinesis: cloud.kinesis,
        outputStreamName: streams.output,
        deadLetterStreamName: streams.deadLetter,
        logger: new Logger({ serviceName: 'kinesis-log-processor', logLevel: 'SILENT' }),
      }),
      ...eventSourceParameters(logProcessorSettings),
      memoryMb: localMemoryMb,
      pollIntervalMs: 50,
    })
    await source.start()
    try {
      const put = await putRecords(cloud.kinesis, streams.input, traffic.entries)
      assert.equal(put.failedCount, 0)
      await source.drain()
    } finally {
      await source.stop()
    }

    assert.equal(source.stats.errors, 0)
    const output = (await readStreamData(cloud.kinesis, streams.output)).map(
      (data) => JSON.parse(data) as EnrichedLogEvent,
    )
    const outputIds = new Set(output.map((event) => String(event.requestId)))
    assert.deepEqual([...outputIds].sort(), [...traffic.validRequestIds].sort())
    assert.ok(traffic.invalid > 0)
    assert.equal((await readStreamData(cloud.kinesis, streams.deadLetter)).length, traffic.invalid)
    // The sample traffic carries attacks: some events come out with findings.
    assert.ok(output.some((event) => event.threats.length > 0))
  })
})
