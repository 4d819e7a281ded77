/**
 * The opaque paging cursor of `GET /users`: the base64url of the DynamoDB `LastEvaluatedKey`, checked on the way back
 * in so that a forged or truncated cursor is a 400, never an `ExclusiveStartKey` DynamoDB rejects with a 500.
 *
 * @module
 */

/** The key of the users table, the only thing a cursor may carry. */
export interface UserKey {
  readonly id: string
}

/** A cursor longer than this cannot be one this API issued (an id is at most {@link maxIdLength} characters). */
export const maxCursorLength = 256

/** The longest user id a cursor may carry (server-generated ids are 36-character UUIDs). */
const maxIdLength = 64

const base64url = /^[A-Za-z0-9_-]+$/

/** Encodes a `LastEvaluatedKey` of the users table as a cursor. */
export function encodeCursor(key: UserKey): string {
  return Buffer.from(JSON.stringify({ id: key.id }), 'utf8').toString('base64url')
}

/**
 * Decodes a cursor back into an `ExclusiveStartKey`, or `undefined` when it is not one {@link encodeCursor} made:
 * not base64url, not JSON, not exactly `{ id: <non-empty string> }`.
 */
export function decodeCursor(cursor: string): UserKey | undefined {
  if (cursor.length === 0 || cursor.length > maxCursorLength || !base64url.test(cursor)) return undefined
  let decoded: unknown
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch {
    return undefined
  }
  if (typeof decoded !== 'object' || decoded === null || Array.isArray(decoded)) return undefined
  const keys = Object.keys(decoded)
  const id: unknown = (decoded as Record<string, unknown>).id
  if (keys.length !== 1 || typeof id !== 'string' || id.length === 0 || id.length > maxIdLength) return undefined
  return { id }
}
