/**
 * Cold-start baseline: the stream-reducer recipe's schemas as a user writes them, with classic zod (`import { z } from
 * 'zod'`), exactly as the recipe had them before it moved to `zod/mini`. Same issues and messages
 * (bench/cold-start/baselines/classic-zod/ only serves the baselines; never deployed).
 */
import { z } from 'zod'

/** A decoded log event: any JSON object. The reducer reads only the field its key comes from. */
export type LogRecord = Record<string, unknown>

/**
 * How to get a log event's count key: the name of a top-level field (its string, number or boolean value), or a
 * function. The default is {@link firstWordOfMessage}.
 */
export type KeySelector = string | ((event: LogRecord) => string | undefined)

/**
 * The longest key counted, in characters (code points). Longer keys are cut to this length, as metrics systems cap
 * label values: one event with a huge first word cannot make a huge item, and the table's sort key stays far below
 * DynamoDB's 1,024 bytes.
 */
export const maxKeyLength = 128

/** The default key: the first whitespace-separated word of `message`, as logged (`ERROR`, `GET`, `user.login`). */
export function firstWordOfMessage(event: LogRecord): string | undefined {
  const { message } = event
  if (typeof message !== 'string') return undefined
  return message.trim().split(/\s+/, 1)[0]
}

/** The value of a top-level field as a key: strings as they are, numbers and booleans as text, anything else none. */
function fieldValue(field: string): (event: LogRecord) => string | undefined {
  return (event) => {
    if (!Object.hasOwn(event, field)) return undefined
    const value = event[field]
    if (typeof value === 'string') return value
    if (typeof value === 'number' || typeof value === 'boolean') return String(value)
    return undefined
  }
}

/** Trims a key and cuts it to {@link maxKeyLength} code points; an empty key is no key. */
export function normalizeKey(key: string | undefined): string | undefined {
  const trimmed = key?.trim()
  if (!trimmed) return undefined
  const codePoints = Array.from(trimmed)
  return codePoints.length > maxKeyLength ? codePoints.slice(0, maxKeyLength).join('') : trimmed
}

/** How a selector reads a key, where it reads it from (a field, for issue pointers), and what it expects there. */
function resolveSelector(selector: KeySelector): {
  select: (event: LogRecord) => string | undefined
  path: string[]
  expected: string
} {
  if (typeof selector === 'string') {
    return { select: fieldValue(selector), path: [selector], expected: `a string, number or boolean in "${selector}"` }
  }
  if (selector === firstWordOfMessage) {
    return { select: selector, path: ['message'], expected: 'a non-empty string in "message"' }
  }
  return { select: selector, path: [], expected: 'a non-empty key from the key function' }
}

/**
 * A schema whose output is a log event's count key: the input must be a JSON object, and `selector` must find a
 * non-empty key in it. A key function that throws makes the record invalid too.
 *
 * @param selector - a field name or a function; default {@link firstWordOfMessage}
 */
export function countKeySchema(selector: KeySelector = firstWordOfMessage) {
  const { select, path, expected } = resolveSelector(selector)
  return z.looseObject({}).transform((event, context) => {
    const key = normalizeKey(select(event))
    if (key === undefined) {
      context.addIssue({ code: 'custom', message: `No count key: expected ${expected}`, path, input: event })
      return z.NEVER
    }
    return key
  })
}
