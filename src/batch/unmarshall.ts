/**
 * The DynamoDB Streams image unmarshaller, so that the main entry needs no AWS SDK package: `@aws-sdk/util-dynamodb`
 * declares a required peer on the whole `@aws-sdk/client-dynamodb`, which every install would then pull for a
 * function that never sees a DynamoDB event. Internal.
 *
 * @module
 */
import type { AttributeValue } from 'aws-lambda'

/**
 * The plain object an image stands for, with `@aws-sdk/util-dynamodb`'s `unmarshall` semantics (no options):
 * `N` becomes a number, or a `bigint` for an integer beyond `Number.MAX_SAFE_INTEGER`; `NS`, `SS` and `BS` become
 * `Set`s; `B` stays as the event carries it (base64 text in a Lambda event); `NULL` is `null`. One difference: an
 * attribute named `__proto__` is kept as an ordinary property.
 *
 * @param image - a `NewImage`, `OldImage` or `Keys` map from a DynamoDB Streams record
 * @returns the item
 * @throws Error when an attribute has no value, an unknown type, or a number that neither fits a number nor a bigint
 */
export function unmarshallImage(image: Readonly<Record<string, AttributeValue>>): Record<string, unknown> {
  // `Object.fromEntries` defines own properties: an attribute named `__proto__` stays data (util-dynamodb assigns it,
  // which replaces the item's prototype instead).
  return Object.fromEntries(Object.entries(image).map(([name, value]) => [name, toNative(value)]))
}

function toNative(value: AttributeValue): unknown {
  if (typeof value !== 'object' || value === null) throw new Error(`No value defined: ${JSON.stringify(value)}`)
  // The first type whose value is defined wins, as in util-dynamodb.
  for (const [type, inner] of Object.entries(value) as Array<[string, unknown]>) {
    if (inner === undefined) continue
    switch (type) {
      case 'NULL':
        return null
      case 'BOOL':
        return Boolean(inner)
      case 'N':
        return toNumber(inner as string)
      case 'S':
      case 'B':
        return inner
      case 'L':
        return (inner as AttributeValue[]).map(toNative)
      case 'M':
        return unmarshallImage(inner as Record<string, AttributeValue>)
      case 'NS':
        return new Set((inner as string[]).map(toNumber))
      case 'SS':
      case 'BS':
        return new Set(inner as unknown[])
      default:
        throw new Error(`Unsupported type passed: ${type}`)
    }
  }
  throw new Error(`No value defined: ${JSON.stringify(value)}`)
}

/** A number, or a bigint when it is an integer beyond the safe range (util-dynamodb does the same). */
function toNumber(text: string): number | bigint {
  const number = Number(text)
  const unsafe = (number > Number.MAX_SAFE_INTEGER || number < Number.MIN_SAFE_INTEGER) && Number.isFinite(number)
  if (!unsafe) return number
  try {
    return BigInt(text)
  } catch (error) {
    throw new Error(`${text} is beyond the safe integer range and not an integer`, { cause: error })
  }
}
