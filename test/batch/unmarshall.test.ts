import { unmarshall } from '@aws-sdk/util-dynamodb'
import type { AttributeValue } from 'aws-lambda'
import fc from 'fast-check'
import { unmarshallImage } from '../../src/batch/unmarshall.js'
import { fixture } from '../helpers/fixtures.js'

// The main entry unmarshalls DynamoDB Streams images itself, so that installs never pull @aws-sdk/client-dynamodb
// (util-dynamodb's required peer). util-dynamodb, a devDependency, is the reference: same output, same failures.
const reference = (image: Record<string, AttributeValue>) =>
  unmarshall(image as unknown as Parameters<typeof unmarshall>[0])

// `__proto__` is the one deliberate difference, tested on its own below.
const key = fc.string().filter((name) => name !== '__proto__')
const numberText = fc.oneof(
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
  fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String),
  fc.constantFrom('1e20', '-0', '0.1', '9007199254740993', '1E+400'),
)
const scalar: fc.Arbitrary<AttributeValue> = fc.oneof(
  fc.string().map((S) => ({ S })),
  numberText.map((N) => ({ N })),
  fc.base64String().map((B) => ({ B })),
  fc.boolean().map((BOOL) => ({ BOOL })),
  fc.constant({ NULL: true }),
  fc.uniqueArray(fc.string(), { minLength: 1, maxLength: 4 }).map((SS) => ({ SS })),
  fc.uniqueArray(fc.integer().map(String), { minLength: 1, maxLength: 4 }).map((NS) => ({ NS })),
  fc.uniqueArray(fc.base64String(), { minLength: 1, maxLength: 3 }).map((BS) => ({ BS })),
)
const { value } = fc.letrec<{ value: AttributeValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    scalar,
    fc.array(tie('value'), { maxLength: 4 }).map((L) => ({ L })),
    fc.dictionary(key, tie('value'), { maxKeys: 4 }).map((M) => ({ M })),
  ),
}))
const image = fc.dictionary(key, value, { maxKeys: 6 })

function outcome(run: () => unknown): { ok: unknown } | { failed: true } {
  try {
    return { ok: run() }
  } catch {
    return { failed: true }
  }
}

describe('unmarshallImage', () => {
  it('gives what util-dynamodb gives, or fails where it fails, for any image', () => {
    fc.assert(
      fc.property(image, (item) => {
        expect(outcome(() => unmarshallImage(item))).toEqual(outcome(() => reference(item)))
      }),
      { numRuns: 500 },
    )
  })

  it('reads the AWS DynamoDB Streams fixture and every attribute type', () => {
    const event = fixture<{ Records: Array<{ dynamodb: { NewImage: Record<string, AttributeValue> } }> }>(
      'dynamodb-stream',
    )
    expect(unmarshallImage(event.Records[0]?.dynamodb.NewImage ?? {})).toEqual({ Id: 101, Message: 'New item!' })
    const all = unmarshallImage({
      s: { S: 'a' },
      n: { N: '1.5' },
      big: { N: '12345678901234567890' },
      b: { B: 'AQID' },
      t: { BOOL: true },
      z: { NULL: true },
      l: { L: [{ N: '1' }, { S: 'x' }] },
      m: { M: { k: { SS: ['a', 'b'] } } },
      ns: { NS: ['1', '2'] },
      bs: { BS: ['AQ=='] },
    })
    expect(all).toEqual({
      s: 'a',
      n: 1.5,
      big: 12345678901234567890n,
      b: 'AQID',
      t: true,
      z: null,
      l: [1, 'x'],
      m: { k: new Set(['a', 'b']) },
      ns: new Set([1, 2]),
      bs: new Set(['AQ==']),
    })
  })

  it('keeps an attribute named __proto__ as data, where util-dynamodb replaces the prototype', () => {
    const item = unmarshallImage(JSON.parse('{"__proto__":{"M":{"admin":{"BOOL":true}}},"id":{"S":"u1"}}'))
    expect(Object.getPrototypeOf(item)).toBe(Object.prototype)
    expect(Object.keys(item)).toEqual(['__proto__', 'id'])
    expect(Object.getOwnPropertyDescriptor(item, '__proto__')?.value).toEqual({ admin: true })
    expect((item as { admin?: unknown }).admin).toBeUndefined()
  })

  it('fails on an attribute without a value, an unknown type, or a huge non-integer number', () => {
    expect(() => unmarshallImage({ a: {} as AttributeValue })).toThrow(/No value defined/)
    expect(() => unmarshallImage({ a: { X: '1' } as unknown as AttributeValue })).toThrow(/Unsupported type passed: X/)
    expect(() => unmarshallImage({ a: { N: '1e20' } })).toThrow(/safe integer range/)
  })
})
