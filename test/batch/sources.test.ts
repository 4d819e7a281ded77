import { isUtf8 } from 'node:buffer'
import type { DynamoDBRecord, DynamoDBStreamEvent, KinesisStreamEvent, SQSEvent } from 'aws-lambda'
import fc from 'fast-check'
import { InvalidRecordError } from 'serverless-done-right'
import { recordDecoder } from '../../src/batch/sources.js'
import { pointerOf } from '../../src/json-pointer.js'
import { fixture } from '../helpers/fixtures.js'
import { dynamodbRecord, kinesisRawRecord, kinesisRecord, sqsRecord } from './factories.js'

function invalid(run: () => unknown): InvalidRecordError {
  try {
    run()
  } catch (error) {
    if (error instanceof InvalidRecordError) return error
    throw error
  }
  throw new Error('expected an InvalidRecordError')
}

describe('record decoders', () => {
  it('decodes the Kinesis fixture as text, bytes, and (for JSON payloads) JSON', () => {
    const [first] = fixture<KinesisStreamEvent>('kinesis-stream').Records
    if (first === undefined) throw new Error('fixture has records')
    expect(recordDecoder('kinesis', 'text')(first, '1')).toBe('Hello, this is a test.')
    expect(recordDecoder('kinesis', 'buffer')(first, '1')).toEqual(Buffer.from('Hello, this is a test.'))
    expect(recordDecoder('kinesis', 'json')(kinesisRecord(0, 'k', { a: [1, 'é'] }), '1')).toEqual({ a: [1, 'é'] })
  })

  it('says why a Kinesis payload is unreadable', () => {
    const json = recordDecoder('kinesis', 'json')
    expect(invalid(() => json(kinesisRawRecord(0, 'k', 'abc'), 'id-1')).message).toBe(
      'Record id-1: decode: kinesis.data is not valid base64 (length is not a multiple of 4)',
    )
    expect(invalid(() => json(kinesisRawRecord(0, 'k', 'ab*d'), 'id-1')).message).toMatch(/not valid base64$/)
    expect(invalid(() => json(kinesisRawRecord(0, 'k', '/w=='), 'id-1')).message).toMatch(/not valid UTF-8/)
    const notJson = invalid(() => json(kinesisRecord(0, 'k', '{"a":'), 'id-1'))
    expect(notJson.reason).toBe('decode')
    expect(notJson.message).toMatch(/kinesis\.data is not valid JSON/)
    expect(notJson.cause).toBeInstanceOf(SyntaxError)
    const record = kinesisRecord(0, 'k', {})
    expect(
      invalid(() => json({ ...record, kinesis: { ...record.kinesis, data: undefined as never } }, 'x')).message,
    ).toMatch(/missing/)
  })

  it('round-trips any bytes through base64 and rejects any damaged base64 (fast-check)', () => {
    const bytes = recordDecoder('kinesis', 'buffer')
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (data) => {
        const record = kinesisRawRecord(0, 'k', Buffer.from(data).toString('base64'))
        expect(bytes(record, 'x')).toEqual(Buffer.from(data))
      }),
    )
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 3, maxLength: 64 }),
        fc.nat(),
        fc.constantFrom('*', ' ', '!', '.'),
        (data, at, bad) => {
          const text = Buffer.from(data).toString('base64')
          const position = at % text.length
          const damaged = `${text.slice(0, position)}${bad}${text.slice(position + 1)}`
          expect(invalid(() => bytes(kinesisRawRecord(0, 'k', damaged), 'x')).reason).toBe('decode')
        },
      ),
    )
  })

  it('reads Kinesis text iff its bytes are valid UTF-8, keeping a real U+FFFD and a BOM (fast-check)', () => {
    const text = recordDecoder('kinesis', 'text')
    const asRecord = (bytes: Uint8Array) => kinesisRawRecord(0, 'k', Buffer.from(bytes).toString('base64'))
    expect(text(asRecord(Buffer.from('\uFEFFa \uFFFD b', 'utf8')), 'x')).toBe('\uFEFFa \uFFFD b')
    expect(invalid(() => text(asRecord(Buffer.from([0x61, 0xef, 0xbf])), 'x')).message).toMatch(/not valid UTF-8$/)
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constantFrom(0x22, 0x61, 0x80, 0xbf, 0xc3, 0xe2, 0xef, 0xf0, 0xff), fc.nat(255)), {
          maxLength: 24,
        }),
        (values) => {
          const bytes = Buffer.from(values)
          if (isUtf8(bytes)) expect(text(asRecord(bytes), 'x')).toBe(bytes.toString('utf8'))
          else expect(invalid(() => text(asRecord(bytes), 'x')).reason).toBe('decode')
        },
      ),
    )
  })

  it('reads SQS bodies as JSON, text or bytes', () => {
    const [plain, json] = fixture<SQSEvent>('sqs').Records
    if (plain === undefined || json === undefined) throw new Error('fixture has records')
    expect(recordDecoder('sqs', 'json')(json, '1')).toEqual({ message: 'foo1' })
    expect(recordDecoder('sqs', 'text')(plain, '1')).toBe('Test message.')
    expect(recordDecoder('sqs', 'buffer')(plain, '1')).toEqual(Buffer.from('Test message.'))
    expect(invalid(() => recordDecoder('sqs', 'json')(plain, 'm1')).message).toMatch(/^Record m1: decode: body is not/)
    expect(recordDecoder('sqs-fifo', 'json')(sqsRecord(0, { n: 1 }, 'g'), '1')).toEqual({ n: 1 })
  })

  it('unmarshalls DynamoDB NewImage, OldImage for REMOVE, Keys when the view has no image', () => {
    const decode = recordDecoder('dynamodb', 'json')
    const [insert, modify] = fixture<DynamoDBStreamEvent>('dynamodb-stream').Records
    if (insert === undefined || modify === undefined) throw new Error('fixture has records')
    expect(decode(insert, '111')).toEqual({ Id: 101, Message: 'New item!' })
    expect(decode(modify, '222')).toEqual({ Id: 101, Message: 'This item has changed' })
    expect(decode(dynamodbRecord(0, 7, { name: 'gone' }, 'REMOVE'), '1')).toEqual({ Id: 7, name: 'gone' })
    const keysOnly: DynamoDBRecord = { ...insert, dynamodb: { Keys: { Id: { N: '5' } }, SequenceNumber: '9' } }
    expect(decode(keysOnly, '9')).toEqual({ Id: 5 })
    const broken: DynamoDBRecord = { ...insert, dynamodb: { SequenceNumber: '9', NewImage: { n: { N: '1e20' } } } }
    expect(invalid(() => decode(broken, '9')).message).toMatch(/cannot be unmarshalled/)
    expect(invalid(() => decode({ ...insert, dynamodb: { SequenceNumber: '9' } }, '9')).message).toMatch(/no NewImage/)
  })

  it('turns Standard Schema issue paths into JSON pointers', () => {
    expect(pointerOf('', undefined)).toBe('')
    expect(pointerOf('', ['a', 0, { key: 'b/c' }, 'd~e'])).toBe('/a/0/b~1c/d~0e')
  })
})
