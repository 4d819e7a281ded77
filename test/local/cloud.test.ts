import { spawnSync } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb'
import { DescribeStreamSummaryCommand, KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis'
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { NodeHttpHandler } from '@smithy/node-http-handler'
import { type LocalCloud, LocalCloudError, startLocalCloud } from 'serverless-done-right/local'
import { readAll } from '../helpers/local-cloud.js'

const usersTable = {
  TableName: 'users',
  KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' as const }],
  AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' as const }],
  BillingMode: 'PAY_PER_REQUEST' as const,
}

/** Resolves `true` when something accepts an HTTP request at `url`, `false` when the connection is refused. */
function answers(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = request(url, { method: 'POST', agent: false }, (response) => {
      response.resume()
      resolve(true)
    })
    probe.on('error', () => resolve(false))
    probe.end()
  })
}

describe('startLocalCloud', () => {
  let cloud: LocalCloud

  beforeAll(async () => {
    cloud = await startLocalCloud({ region: 'eu-west-1' })
  })

  afterAll(async () => {
    await cloud.stop()
  })

  it('listens on loopback ephemeral ports and exposes them as URLs', () => {
    expect(cloud.endpoints.kinesis).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(cloud.endpoints.dynamodb).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(cloud.endpoints.kinesis).not.toBe(cloud.endpoints.dynamodb)
    expect(cloud.region).toBe('eu-west-1')
    expect(cloud.faults).toBeUndefined()
  })

  it('creates a stream that is ACTIVE when createStream resolves, with ARNs in the chosen region', async () => {
    await cloud.createStream('events', 3)
    const { StreamDescriptionSummary } = await cloud.kinesis.send(
      new DescribeStreamSummaryCommand({ StreamName: 'events' }),
    )
    expect(StreamDescriptionSummary).toMatchObject({ StreamStatus: 'ACTIVE', OpenShardCount: 3 })
    expect(StreamDescriptionSummary?.StreamARN).toBe('arn:aws:kinesis:eu-west-1:000000000000:stream/events')
  })

  it('writes and reads records through the real Kinesis client', async () => {
    await cloud.createStream('roundtrip', 1)
    const put = await cloud.kinesis.send(
      new PutRecordsCommand({
        StreamName: 'roundtrip',
        Records: ['a', 'b', 'c'].map((text) => ({ PartitionKey: text, Data: Buffer.from(text) })),
      }),
    )
    expect(put.FailedRecordCount).toBe(0)
    expect(await readAll(cloud.kinesis, 'roundtrip')).toEqual(['a', 'b', 'c'])
  })

  it('accepts createStream again for the same shard count and rejects another count', async () => {
    await cloud.createStream('again', 2)
    await expect(cloud.createStream('again', 2)).resolves.toBeUndefined()
    await expect(cloud.createStream('again', 5)).rejects.toThrow(LocalCloudError)
    await expect(cloud.createStream('again', 5)).rejects.toThrow('exists with 2 open shards, not 5')
  })

  it('creates a table that is ACTIVE when createTable resolves, and the document client drops undefined', async () => {
    await cloud.createTable(usersTable)
    const { Table } = await cloud.dynamodb.send(new DescribeTableCommand({ TableName: 'users' }))
    expect(Table?.TableStatus).toBe('ACTIVE')
    expect(Table?.TableArn).toBe('arn:aws:dynamodb:eu-west-1:000000000000:table/users')
    await cloud.documentClient.send(
      new PutCommand({ TableName: 'users', Item: { id: 'u1', name: 'Ada', nick: undefined } }),
    )
    const { Item } = await cloud.documentClient.send(new GetCommand({ TableName: 'users', Key: { id: 'u1' } }))
    expect(Item).toEqual({ id: 'u1', name: 'Ada' })
    await expect(cloud.createTable(usersTable)).resolves.toBeUndefined()
  })

  it('survives clients that hang up in the middle of a request (kinesalite and dynalite throw on that)', async () => {
    for (const endpoint of [cloud.endpoints.kinesis, cloud.endpoints.dynamodb]) {
      await new Promise<void>((resolve) => {
        const partial = request(endpoint, { method: 'POST', agent: false, headers: { 'content-length': '1000' } })
        partial.on('error', () => resolve())
        partial.write('{"StreamName":', () => setTimeout(() => partial.destroy(), 50))
      })
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
    await expect(cloud.createStream('after-hangups', 1)).resolves.toBeUndefined()
  })

  it('passes through errors of the services', async () => {
    await expect(cloud.createStream('bad name!', 1)).rejects.toMatchObject({ name: 'ValidationException' })
  })
})

describe('startLocalCloud stop()', () => {
  it('closes both services: nothing answers at the endpoints afterwards, and a second stop is harmless', async () => {
    const cloud = await startLocalCloud()
    expect(await answers(cloud.endpoints.kinesis)).toBe(true)
    expect(await answers(cloud.endpoints.dynamodb)).toBe(true)
    await cloud.createStream('s', 1)
    await cloud.stop()
    expect(await answers(cloud.endpoints.kinesis)).toBe(false)
    expect(await answers(cloud.endpoints.dynamodb)).toBe(false)
    await expect(cloud.stop()).resolves.toBeUndefined()
  })

  it('lets requests in flight finish and refuses later ones when stopping under load, without crashing', async () => {
    const cloud = await startLocalCloud()
    await cloud.createStream('busy', 2)
    const outsider = new KinesisClient({
      endpoint: cloud.endpoints.kinesis,
      region: cloud.region,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      requestHandler: new NodeHttpHandler(),
      maxAttempts: 1,
    })
    const put = (index: number) =>
      outsider.send(
        new PutRecordsCommand({ StreamName: 'busy', Records: [{ PartitionKey: `k${index}`, Data: Buffer.from('x') }] }),
      )
    try {
      const early = Array.from({ length: 20 }, (_unused, index) => put(index))
      await Promise.race(early) // the others are now somewhere between signing and kinesalite's store
      const stopping = cloud.stop()
      const late = Array.from({ length: 5 }, (_unused, index) => put(100 + index))
      const outcomes = await Promise.allSettled([...early, ...late])
      await stopping
      expect(outcomes.some((outcome) => outcome.status === 'fulfilled')).toBe(true)
      for (const outcome of outcomes.slice(20)) expect(outcome.status).toBe('rejected')
    } finally {
      outsider.destroy()
    }
  })

  it('uses the ports it is given', async () => {
    const first = await startLocalCloud()
    const kinesisPort = Number(new URL(first.endpoints.kinesis).port)
    const dynamodbPort = Number(new URL(first.endpoints.dynamodb).port)
    await first.stop()
    const second = await startLocalCloud({ kinesisPort, dynamodbPort })
    try {
      expect(second.endpoints).toEqual({ kinesis: first.endpoints.kinesis, dynamodb: first.endpoints.dynamodb })
    } finally {
      await second.stop()
    }
  })

  it('fails to start on a port in use and leaves nothing running', async () => {
    const holder = await startLocalCloud()
    try {
      const taken = Number(new URL(holder.endpoints.dynamodb).port)
      await expect(startLocalCloud({ dynamodbPort: taken })).rejects.toMatchObject({ code: 'EADDRINUSE' })
    } finally {
      await holder.stop()
    }
  })
})

describe('startLocalCloud persistence', () => {
  let folder: string

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'sdr-cloud-'))
  })

  afterAll(async () => {
    await rm(folder, { recursive: true, force: true })
  })

  it('keeps streams, records, tables and items across stop and restart on the same folder', async () => {
    const first = await startLocalCloud({ persistDir: folder })
    await first.createStream('kept', 2)
    await first.kinesis.send(
      new PutRecordsCommand({
        StreamName: 'kept',
        Records: ['one', 'two', 'three'].map((text) => ({ PartitionKey: text, Data: Buffer.from(text) })),
      }),
    )
    await first.createTable(usersTable)
    await first.documentClient.send(new PutCommand({ TableName: 'users', Item: { id: 'u7', name: 'Grace' } }))
    await first.stop()

    const second = await startLocalCloud({ persistDir: folder })
    try {
      expect((await readAll(second.kinesis, 'kept')).sort()).toEqual(['one', 'three', 'two'])
      const { Item } = await second.documentClient.send(new GetCommand({ TableName: 'users', Key: { id: 'u7' } }))
      expect(Item).toEqual({ id: 'u7', name: 'Grace' })
      await expect(second.createStream('kept', 2)).resolves.toBeUndefined() // setup code can run again unchanged
      await expect(second.createTable(usersTable)).resolves.toBeUndefined()
    } finally {
      await second.stop()
    }
  })

  it('refuses a second cloud on a folder in use, and frees the folder at stop', async () => {
    const dir = join(folder, 'shared')
    const first = await startLocalCloud({ persistDir: dir })
    try {
      await expect(startLocalCloud({ persistDir: dir })).rejects.toThrow(LocalCloudError)
      await expect(startLocalCloud({ persistDir: dir })).rejects.toThrow(`process ${process.pid}`)
      await first.createStream('still-fine', 1) // the refused attempt did not disturb the running cloud
    } finally {
      await first.stop()
    }
    const second = await startLocalCloud({ persistDir: dir })
    await second.stop()
  })

  it('takes over a folder whose previous cloud died without stopping', async () => {
    const dir = join(folder, 'orphaned')
    const gone = spawnSync(process.execPath, ['-e', '0']).pid
    await mkdir(dir, { recursive: true })
    await writeFile(join(dir, 'local-cloud.pid'), String(gone))
    const cloud = await startLocalCloud({ persistDir: dir })
    try {
      expect(await readFile(join(dir, 'local-cloud.pid'), 'utf8')).toMatch(new RegExp(`^${process.pid}( \\d+)?$`))
    } finally {
      await cloud.stop()
    }
  })

  it('keeps nothing without a folder', async () => {
    const first = await startLocalCloud()
    await first.createTable(usersTable)
    await first.stop()
    const second = await startLocalCloud()
    try {
      await expect(second.dynamodb.send(new DescribeTableCommand({ TableName: 'users' }))).rejects.toMatchObject({
        name: 'ResourceNotFoundException',
      })
    } finally {
      await second.stop()
    }
  })
})
