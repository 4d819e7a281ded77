import { ListShardsCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { type LocalCloud, startLocalCloud } from '../../src/local/index.js'
import { shardOf } from '../../src/local/kinesis-wire.js'

// patches/kinesalite+3.3.3.patch makes kinesalite's PutRecords cheaper per record (BigInt hash keys, each shard's
// creation time parsed once per request, base64 checked by a round trip first). What a client sees must not change:
// the shard each record lands on, and the exact errors for Data that is not base64 (the SDK always sends valid base64,
// so those are sent here as raw JSON requests).
describe('the patched kinesalite PutRecords', () => {
  let cloud: LocalCloud
  beforeAll(async () => {
    cloud = await startLocalCloud()
    await cloud.createStream('routed', 5)
  })
  afterAll(() => cloud.stop())

  it('puts every record on the shard whose hash key range holds the MD5 of its partition key', async () => {
    const { Shards = [] } = await cloud.kinesis.send(new ListShardsCommand({ StreamName: 'routed' }))
    const keys = Array.from({ length: 300 }, (_, i) => `key-${i}-${'x'.repeat(i % 7)}`)
    const result = await cloud.kinesis.send(
      new PutRecordsCommand({
        StreamName: 'routed',
        Records: keys.map((key) => ({ PartitionKey: key, Data: Buffer.from(key) })),
      }),
    )
    const ranges = Shards.map((shard) => ({
      ShardId: shard.ShardId ?? '',
      HashKeyRange: {
        StartingHashKey: shard.HashKeyRange?.StartingHashKey ?? '',
        EndingHashKey: shard.HashKeyRange?.EndingHashKey ?? '',
      },
      SequenceNumberRange: {},
    }))
    expect(result.Records?.map((record) => record.ShardId)).toEqual(
      keys.map((key) => shardOf({ PartitionKey: key }, ranges)),
    )
    expect(new Set(result.Records?.map((record) => record.ShardId)).size).toBe(5)
  })

  async function putRaw(data: string): Promise<{ status: number; body: { __type?: string; Message?: string } }> {
    const response = await fetch(cloud.endpoints.kinesis, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'Kinesis_20131202.PutRecords',
        'x-amz-date': '20260101T000000Z',
        authorization:
          'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/kinesis/aws4_request, SignedHeaders=host, Signature=0',
      },
      body: JSON.stringify({ StreamName: 'routed', Records: [{ PartitionKey: 'k', Data: data }] }),
    })
    return { status: response.status, body: (await response.json()) as { __type?: string; Message?: string } }
  }

  it.each([
    ['abc', 'Base64 encoded length is expected a multiple of 4 bytes but found: 3'],
    ['ab$=', "Invalid Base64 character: '$'"],
    ['ab=c', "Invalid Base64 character: '='"],
    ['abd=', 'Invalid last non-pad Base64 character dectected'],
  ])('refuses Data %j as kinesalite always did', async (data, message) => {
    const { status, body } = await putRaw(data)
    expect(status).toBe(400)
    expect(body.__type).toBe('SerializationException')
    expect(body.Message).toBe(`'${data}' can not be converted to a Blob: ${message}`)
  })

  it.each(['', 'aGVsbG8=', 'aGk=', 'YWJj'])('accepts Data %j', async (data) => {
    const { status } = await putRaw(data)
    expect(status).toBe(200)
  })
})
