import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { emptyEventBytes, kinesisItem } from '../../src/local/esm/kinesis.js'
import { mappingIdentity } from '../../src/local/esm/records.js'

// The event source batches records by their JSON size (Lambda's 6 MB payload); it counts each Kinesis record's size
// instead of serializing it. The count must be exact for any partition key, data, sequence number and arrival time.
describe('the JSON size of a Kinesis record the event source counts', () => {
  it('equals the size of the serialized event, whatever the key, data, sequence number and arrival time', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 256 }),
        fc.uint8Array({ maxLength: 600 }),
        fc.stringMatching(/^[0-9]{1,60}$/),
        fc.integer({ min: 0, max: 4_102_444_800_000 }),
        fc.constantFrom('shardId-000000000000', 'shardId-000000000017'),
        fc.constantFrom('logs', 'a.b_c-d'),
        fc.constantFrom('us-east-1', 'eu-west-1'),
        (key, data, sequence, arrivalMs, shardId, streamName, region) => {
          const identity = mappingIdentity(`arn:aws:kinesis:${region}:000000000000:stream/${streamName}`, region, 'fn')
          const item = kinesisItem(
            {
              PartitionKey: key,
              Data: data,
              SequenceNumber: sequence,
              ApproximateArrivalTimestamp: new Date(arrivalMs),
            },
            shardId,
            identity,
            emptyEventBytes(identity),
          )
          expect(item.bytes).toBe(Buffer.byteLength(JSON.stringify(item.event)))
        },
      ),
      { numRuns: 2000 },
    )
  })

  it('counts a key that JSON must escape, and one of multi-byte characters, by their escaped UTF-8 size', () => {
    const identity = mappingIdentity('arn:aws:kinesis:us-east-1:000000000000:stream/logs', 'us-east-1', 'fn')
    for (const key of ['a"b\\c', 'line\nbreak\u0001', 'é✓😀', '\ud800']) {
      const item = kinesisItem(
        { PartitionKey: key, Data: Buffer.from('x'), SequenceNumber: '1', ApproximateArrivalTimestamp: new Date(1) },
        'shardId-000000000000',
        identity,
        emptyEventBytes(identity),
      )
      expect(item.bytes).toBe(Buffer.byteLength(JSON.stringify(item.event)))
    }
  })

  it('encodes exactly the bytes of a Data view that starts inside a larger buffer', () => {
    const identity = mappingIdentity('arn:aws:kinesis:us-east-1:000000000000:stream/logs', 'us-east-1', 'fn')
    const whole = Buffer.from('xxxhello worldyyy')
    const view = new Uint8Array(whole.buffer, whole.byteOffset + 3, 11)
    const item = kinesisItem(
      { PartitionKey: 'k', Data: view, SequenceNumber: '1', ApproximateArrivalTimestamp: new Date(1) },
      'shardId-000000000000',
      identity,
      emptyEventBytes(identity),
    )
    expect(Buffer.from((item.event as { kinesis: { data: string } }).kinesis.data, 'base64').toString()).toBe(
      'hello world',
    )
  })
})
