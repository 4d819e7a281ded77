/**
 * Cold-start baseline: the rest-user-api recipe's schemas as a user writes them, with classic zod (`import { z } from
 * 'zod'`), exactly as the recipe had them before it moved to `zod/mini`. Same issues and messages
 * (bench/cold-start/baselines/classic-zod/ only serves the baselines; never deployed).
 */
import { z } from 'zod'
import { decodeCursor, maxCursorLength } from '../../../../recipes/rest-user-api/cursor.js'
import { parseIfMatch } from '../../../../recipes/rest-user-api/etag.js'
import { userApiSettings } from '../../../../recipes/rest-user-api/settings.js'

/** The largest request body a write accepts, in bytes; a user is two short strings. Larger bodies are a 413. */
export const maxBodyBytes = 8 * 1024

/** A user id: the lower-case UUID the server generated on `POST /users`. */
export const userId = z
  .string()
  .max(36)
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'Must be a user id (a lower-case UUID)')

/** No control characters (they break logs and terminals, and no name needs them). */
const printable = /^[^\p{Cc}]*$/u

/** The body of `POST /users` and `PUT /users/{id}`: exactly these fields, each bounded. */
export const userInput = z.strictObject({
  email: z.email().max(254),
  name: z.string().trim().min(1).max(100).regex(printable, 'Must not contain control characters'),
})

/** A validated user body. */
export type UserInput = z.output<typeof userInput>

/** The path of `/users/{id}`. */
export const userPath = z.strictObject({ id: userId })

/** A page size: decimal digits only (`1e2`, ` 5` and `0x10` are refused), 1 to the configured maximum. */
const limit = z
  .string()
  .regex(/^[0-9]{1,4}$/, 'Must be a whole number')
  .transform(Number)
  .pipe(z.number().int().min(1).max(userApiSettings.paging.maxLimit))

/** An opaque cursor from a previous page, decoded into the key to start after. */
const cursor = z
  .string()
  .max(maxCursorLength)
  .transform((value, context) => {
    const key = decodeCursor(value)
    if (key === undefined) {
      context.addIssue({ code: 'custom', message: 'Not a cursor this API issued', input: value })
      return z.NEVER
    }
    return key
  })

/**
 * The query of `GET /users`: `?id=…` reads one user (the query form of `GET /users/{id}`); otherwise the list,
 * with `limit` and `cursor`. Unknown parameters are refused, so a typo (`?limt=5`) is an error, not a silent default.
 */
export const usersQuery = z
  .strictObject({ id: userId.optional(), limit: limit.optional(), cursor: cursor.optional() })
  .refine((query) => query.id === undefined || (query.limit === undefined && query.cursor === undefined), {
    message: '`id` reads one user: it cannot be combined with `limit` or `cursor`',
  })

/**
 * The headers of a write that may carry a precondition: `If-Match` as `*` or entity tags (`"3"`, `W/"3"`); a tag this
 * API did not issue matches no version (412), text that is no entity tag is a 400. Other headers pass through untouched.
 */
export const preconditionHeaders = z.looseObject({
  'if-match': z
    .string()
    .max(512)
    .transform((value, context) => {
      const precondition = parseIfMatch(value)
      if (precondition === undefined) {
        context.addIssue({
          code: 'custom',
          message: 'Must be * or a list of entity tags, such as "3"',
          input: value,
        })
        return z.NEVER
      }
      return precondition
    })
    .optional(),
})

/** A user as the API answers it. */
export const userOutput = z.strictObject({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  version: z.number().int().positive(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
})

/** A user as stored and answered. */
export type User = z.output<typeof userOutput>

/** One page of `GET /users`; `nextCursor` is absent on the last page. */
export const userPage = z.strictObject({
  items: z.array(userOutput),
  nextCursor: z.string().optional(),
})
