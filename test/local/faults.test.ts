import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  DescribeStreamSummaryCommand,
  KinesisClient,
  ProvisionedThroughputExceededException,
  PutRecordCommand,
  PutRecordsCommand,
  type PutRecordsResultEntry,
} from '@aws-sdk/client-kinesis'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { NodeHttpHandler } from '@smithy/node-http-handler'
import type { RetryErrorInfo, RetryStrategyV2, RetryToken } from '@smithy/types'
import { type LocalCloud, LocalCloudError, startLocalCloud } from 'serverless-done-right/local'
import { readAll } from '../helpers/local-cloud.js'

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' }

/** A retry strategy that never waits and writes down how the SDK classified each retryable error. */
function recordingRetries(maxAttempts: number): { strategy: RetryStrategyV2; errorTypes: string[] } {
  const errorTypes: string[] = []
  const token = (retries: number): RetryToken => ({ getRetryCount: () => retries, getRetryDelay: () => 0 })
  return {
    errorTypes,
    strategy: {
      acquireInitialRetryToken: async () => token(0),
      refreshRetryTokenForRetry: async (previous: RetryToken, info: RetryErrorInfo) => {
        errorTypes.push(info.errorType)
        const retries = previous.getRetryCount() + 1
        if (retries >= maxAttempts) throw new Error('no more attempts')
        return token(retries)
      },
      recordSuccess: () => undefined,
    },
  }
}

function entries(count: number, prefix: string) {
  return Array.from({ length: count }, (_unused, index) => ({
    PartitionKey: `${prefix}-key-${index}`,
    Data: Buffer.from(`${prefix}-${index}`),
  }))
}

const rateExceeded = /^Rate exceeded for shard (shardId-\d{12}) in stream (\S+) under account 000000000000\.$/

describe('the AWS SDK v3 Kinesis client on the wire', () => {
  it('speaks JSON 1.1 (the protocol the fault proxy reads), not CBOR', async () => {
    const seen: IncomingHttpHeaders[] = []
    const server = createServer((request, response) => {
      seen.push(request.headers)
      request.resume()
      request.on('end', () => {
        response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' })
        response.end(JSON.stringify({ SequenceNumber: '1', ShardId: 'shardId-000000000000' }))
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const client = new KinesisClient({
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      region: 'us-east-1',
      credentials,
      requestHandler: new NodeHttpHandler(),
    })
    try {
      await client.send(new PutRecordCommand({ StreamName: 's', PartitionKey: 'k', Data: Buffer.from('x') }))
      expect(seen[0]?.['content-type']).toBe('application/x-amz-json-1.1')
      expect(seen[0]?.['x-amz-target']).toBe('Kinesis_20131202.PutRecord')
    } finally {
      client.destroy()
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    }
  })
})

describe('startLocalCloud with faults', () => {
  let cloud: LocalCloud
  const extraClients: KinesisClient[] = []

  /** A client on the proxy with its own retry settings; destroyed after the suite. */
  function clientWith(config: { maxAttempts?: number; retryStrategy?: RetryStrategyV2 }): KinesisClient {
    const client = new KinesisClient({
      endpoint: cloud.endpoints.kinesis,
      region: cloud.region,
      credentials,
      requestHandler: new NodeHttpHandler(),
      ...config,
    })
    extraClients.push(client)
    return client
  }

  beforeAll(async () => {
    cloud = await startLocalCloud({ faults: { seed: 42 } })
  })

  afterAll(async () => {
    for (const client of extraClients) client.destroy()
    await cloud.stop()
  })

  function faults() {
    const controller = cloud.faults
    if (controller === undefined) throw new Error('expected a fault controller')
    return controller
  }

  it('puts the proxy in front of Kinesis and starts with no fault and the documented defaults', async () => {
    expect(cloud.endpoints.kinesis).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(faults().settings).toEqual({
      putRecordsThrottleRate: 0,
      putRecordsInternalFailureRate: 0,
      requestThrottleRate: 0,
      requestInternalFailureRate: 0,
      latencyMs: 0,
      operations: ['PutRecord', 'PutRecords'],
      seed: 42,
    })
    await cloud.createStream('plain', 1)
    const put = await cloud.kinesis.send(new PutRecordsCommand({ StreamName: 'plain', Records: entries(5, 'p') }))
    expect(put.FailedRecordCount).toBe(0)
    expect(faults().counts.requests).toBeGreaterThan(0)
  })

  it('fails a share of PutRecords entries like AWS: per-entry codes, correct FailedRecordCount, nothing written', async () => {
    await cloud.createStream('partial', 4)
    faults().update({ putRecordsThrottleRate: 0.3, putRecordsInternalFailureRate: 0.2, seed: 7 })
    faults().resetCounts()
    const sent = entries(400, 'partial')
    const put = await cloud.kinesis.send(new PutRecordsCommand({ StreamName: 'partial', Records: sent }))
    faults().update({ putRecordsThrottleRate: 0, putRecordsInternalFailureRate: 0 })
    const results = put.Records ?? []

    expect(results).toHaveLength(400)
    const failed = results.filter((entry) => entry.ErrorCode !== undefined)
    expect(put.FailedRecordCount).toBe(failed.length)
    const throttled = results.filter((entry) => entry.ErrorCode === 'ProvisionedThroughputExceededException')
    const internal = results.filter((entry) => entry.ErrorCode === 'InternalFailure')
    expect(throttled.length + internal.length).toBe(failed.length)
    // 400 draws at 30% and 20%: far from 0 and from everything
    expect(throttled.length).toBeGreaterThan(80)
    expect(throttled.length).toBeLessThan(160)
    expect(internal.length).toBeGreaterThan(45)
    expect(internal.length).toBeLessThan(120)
    expect(faults().counts).toMatchObject({
      throttledEntries: throttled.length,
      internalFailureEntries: internal.length,
    })
    for (const entry of internal)
      expect(entry).toEqual({ ErrorCode: 'InternalFailure', ErrorMessage: 'Internal service failure.' })
    for (const entry of throttled) {
      expect(entry.ErrorMessage).toMatch(rateExceeded)
      expect(entry.SequenceNumber).toBeUndefined()
    }
    for (const entry of results.filter((result) => result.ErrorCode === undefined)) {
      expect(entry.SequenceNumber).toMatch(/^\d+$/)
      expect(entry.ShardId).toMatch(/^shardId-\d{12}$/)
    }

    const written = new Set(await readAll(cloud.kinesis, 'partial'))
    const expected = sent
      .filter((_entry, index) => results[index]?.ErrorCode === undefined)
      .map((entry) => entry.Data.toString())
    expect(written).toEqual(new Set(expected))
  })

  it('names in the throttling message the shard the entry would have been written to', async () => {
    await cloud.createStream('routing', 4)
    faults().update({ putRecordsThrottleRate: 1 })
    const sent = entries(12, 'route')
    const refused = await cloud.kinesis.send(new PutRecordsCommand({ StreamName: 'routing', Records: sent }))
    faults().update({ putRecordsThrottleRate: 0 })
    expect(refused.FailedRecordCount).toBe(12)
    const accepted = await cloud.kinesis.send(new PutRecordsCommand({ StreamName: 'routing', Records: sent }))
    expect(accepted.FailedRecordCount).toBe(0)
    const named = (refused.Records ?? []).map((entry) => rateExceeded.exec(entry.ErrorMessage ?? '')?.slice(1))
    const actual = (accepted.Records ?? []).map((entry) => [entry.ShardId, 'routing'])
    expect(named).toEqual(actual)
    expect(new Set(actual.map(([shard]) => shard)).size).toBeGreaterThan(1)
  })

  it('fails the same entries again for the same seed', async () => {
    await cloud.createStream('replay', 2)
    const pattern = async () => {
      faults().update({ putRecordsThrottleRate: 0.25, putRecordsInternalFailureRate: 0.25, seed: 99 })
      const put = await cloud.kinesis.send(new PutRecordsCommand({ StreamName: 'replay', Records: entries(60, 'r') }))
      faults().update({ putRecordsThrottleRate: 0, putRecordsInternalFailureRate: 0 })
      return (put.Records ?? []).map((entry: PutRecordsResultEntry) => entry.ErrorCode ?? 'ok')
    }
    const first = await pattern()
    expect(new Set(first)).toEqual(new Set(['ok', 'ProvisionedThroughputExceededException', 'InternalFailure']))
    expect(await pattern()).toEqual(first)
  })

  it('throttles whole requests with a 400 the SDK recognises as throttling, and applies nothing', async () => {
    await cloud.createStream('throttled', 1) // createStream bypasses the proxy, so it works under faults too
    faults().update({ requestThrottleRate: 1 })
    faults().resetCounts()
    const retries = recordingRetries(3)
    const client = clientWith({ retryStrategy: retries.strategy })
    const error = await client
      .send(new PutRecordsCommand({ StreamName: 'throttled', Records: entries(3, 't') }))
      .catch((caught: unknown) => caught)
    faults().update({ requestThrottleRate: 0 })

    expect(error).toBeInstanceOf(ProvisionedThroughputExceededException)
    expect(error).toMatchObject({
      name: 'ProvisionedThroughputExceededException',
      message: expect.stringMatching(rateExceeded),
      $metadata: { httpStatusCode: 400, attempts: 3 },
    })
    expect(retries.errorTypes).toEqual(['THROTTLING', 'THROTTLING', 'THROTTLING'])
    expect(faults().counts).toMatchObject({ requests: 3, throttledRequests: 3 })
    expect(await readAll(cloud.kinesis, 'throttled')).toEqual([])
  })

  it('is retried by the SDK default strategy, which succeeds once throttling stops', async () => {
    await cloud.createStream('recovering', 1)
    faults().update({ requestThrottleRate: 0.5, seed: 8 }) // seed 8 draws 0.16 (throttled), then 0.63 (passes)
    faults().resetCounts()
    const outcome = await clientWith({}).send(
      new PutRecordCommand({ StreamName: 'recovering', PartitionKey: 'k', Data: Buffer.from('v') }),
    )
    faults().update({ requestThrottleRate: 0 })
    expect(outcome.$metadata.attempts).toBe(2)
    expect(faults().counts).toMatchObject({ requests: 2, throttledRequests: 1 })
    expect(await readAll(cloud.kinesis, 'recovering')).toEqual(['v'])
  })

  it('answers LimitExceededException for a throttled control-plane call when every operation is affected', async () => {
    faults().update({ requestThrottleRate: 1, operations: 'all' })
    const retries = recordingRetries(1)
    const error = await clientWith({ retryStrategy: retries.strategy })
      .send(new DescribeStreamSummaryCommand({ StreamName: 'plain' }))
      .catch((caught: unknown) => caught)
    faults().update({ requestThrottleRate: 0, operations: ['PutRecord', 'PutRecords'] })
    expect(error).toMatchObject({ name: 'LimitExceededException', $metadata: { httpStatusCode: 400 } })
    expect(retries.errorTypes).toEqual(['THROTTLING'])
  })

  it('answers 500 InternalFailure, which the SDK treats as a transient error, and applies nothing', async () => {
    await cloud.createStream('broken', 1)
    faults().update({ requestInternalFailureRate: 1 })
    faults().resetCounts()
    const retries = recordingRetries(2)
    const error = await clientWith({ retryStrategy: retries.strategy })
      .send(new PutRecordCommand({ StreamName: 'broken', PartitionKey: 'k', Data: Buffer.from('lost') }))
      .catch((caught: unknown) => caught)
    faults().update({ requestInternalFailureRate: 0 })
    expect(error).toMatchObject({
      name: 'InternalFailure',
      message: 'Internal service failure.',
      $metadata: { httpStatusCode: 500, attempts: 2 },
    })
    expect(retries.errorTypes).toEqual(['TRANSIENT', 'TRANSIENT'])
    expect(faults().counts).toMatchObject({ requests: 2, internalFailureRequests: 2 })
    expect(await readAll(cloud.kinesis, 'broken')).toEqual([])
  })

  it('leaves operations outside the list alone', async () => {
    faults().update({ requestThrottleRate: 1 })
    faults().resetCounts()
    const records = await readAll(cloud.kinesis, 'plain') // ListShards, GetShardIterator, GetRecords
    faults().update({ requestThrottleRate: 0 })
    expect(records).toHaveLength(5)
    expect(faults().counts).toMatchObject({ requests: 3, throttledRequests: 0 })
  })

  it('adds latency to the affected operations only', async () => {
    faults().update({ latencyMs: 300 })
    faults().resetCounts()
    const started = Date.now()
    await cloud.kinesis.send(
      new PutRecordCommand({ StreamName: 'plain', PartitionKey: 'slow', Data: Buffer.from('s') }),
    )
    const waited = Date.now() - started
    await cloud.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: 'plain' }))
    faults().update({ latencyMs: 0 })
    expect(waited).toBeGreaterThanOrEqual(290)
    expect(faults().counts).toMatchObject({ requests: 2, delayedRequests: 1 })
  })

  it('refuses settings out of range, at start and when updated', async () => {
    expect(() => faults().update({ putRecordsThrottleRate: 1.5 })).toThrow(LocalCloudError)
    expect(() => faults().update({ requestThrottleRate: 0.6, requestInternalFailureRate: 0.6 })).toThrow(
      'must not exceed 1',
    )
    expect(() => faults().update({ latencyMs: -1 })).toThrow(LocalCloudError)
    expect(faults().settings.putRecordsThrottleRate).toBe(0)
    await expect(startLocalCloud({ faults: { requestThrottleRate: -0.1 } })).rejects.toThrow(LocalCloudError)
  })
})

describe('stopping a cloud with faults', () => {
  it('drops requests held back by latency instead of waiting for them', async () => {
    const cloud = await startLocalCloud({ faults: { latencyMs: 60_000 } })
    await cloud.createStream('held', 1)
    const client = new KinesisClient({
      endpoint: cloud.endpoints.kinesis,
      region: cloud.region,
      credentials,
      requestHandler: new NodeHttpHandler(),
      maxAttempts: 1,
    })
    const pending = client
      .send(new PutRecordCommand({ StreamName: 'held', PartitionKey: 'k', Data: Buffer.from('x') }))
      .catch((caught: unknown) => caught)
    await new Promise((resolve) => setTimeout(resolve, 100))
    const started = Date.now()
    await cloud.stop()
    expect(Date.now() - started).toBeLessThan(10_000)
    expect(await pending).toBeInstanceOf(Error)
    client.destroy()
  })
})
