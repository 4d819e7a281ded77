/**
 * The user API's schemas: what each route accepts (body, path, query, headers) and what it answers.
 * Requests are strict (unknown fields are a 400) and every size is bounded, so nothing unchecked reaches DynamoDB.
 *
 * The schemas are zod's `zod/mini` (the same zod: functions instead of methods, so a bundle keeps only what it uses):
 * ~25 KB of the Lambda bundle instead of classic zod's ~440 KB, which cost the cold start ~30 ms of CPU (`npm run
 * bench`, cold-start section). Their issues and messages are classic zod's: the English messages are configured here,
 * as `import 'zod'` does.
 *
 * @module
 */
import { en } from 'zod/locales'
import * as z from 'zod/mini'
import { decodeCursor, maxCursorLength } from './cursor.js'
import { parseIfMatch } from './etag.js'
import { userApiSettings } from './settings.js'

z.config(en())

/** The largest request body a write accepts, in bytes; a user is two short strings. Larger bodies are a 413. */
export const maxBodyBytes = 8 * 1024

/** A user id: the lower-case UUID the server generated on `POST /users`. */
export const userId = z
  .string()
  .check(
    z.maxLength(36),
    z.regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'Must be a user id (a lower-case UUID)'),
  )

/** No control characters (they break logs and terminals, and no name needs them). */
const printable = /^[^\p{Cc}]*$/u

/** The body of `POST /users` and `PUT /users/{id}`: exactly these fields, each bounded. */
export const userInput = z.strictObject({
  email: z.email().check(z.maxLength(254)),
  name: z
    .string()
    .check(z.trim(), z.minLength(1), z.maxLength(100), z.regex(printable, 'Must not contain control characters')),
})

/** A validated user body. */
export type UserInput = z.output<typeof userInput>

/** The path of `/users/{id}`. */
export const userPath = z.strictObject({ id: userId })

/** A page size: decimal digits only (`1e2`, ` 5` and `0x10` are refused), 1 to the configured maximum. */
const limit = z.pipe(
  z.pipe(z.string().check(z.regex(/^[0-9]{1,4}$/, 'Must be a whole number')), z.transform(Number)),
  z.number().check(z.int(), z.minimum(1), z.maximum(userApiSettings.paging.maxLimit)),
)

/** An opaque cursor from a previous page, decoded into the key to start after. */
const cursor = z.pipe(
  z.string().check(z.maxLength(maxCursorLength)),
  z.transform((value: string, context) => {
    const key = decodeCursor(value)
    if (key === undefined) {
      context.issues.push({ code: 'custom', message: 'Not a cursor this API issued', input: value })
      return z.NEVER
    }
    return key
  }),
)

/**
 * The query of `GET /users`: `?id=…` reads one user (the query form of `GET /users/{id}`); otherwise the list,
 * with `limit` and `cursor`. Unknown parameters are refused, so a typo (`?limt=5`) is an error, not a silent default.
 */
export const usersQuery = z
  .strictObject({ id: z.optional(userId), limit: z.optional(limit), cursor: z.optional(cursor) })
  .check(
    z.refine((query) => query.id === undefined || (query.limit === undefined && query.cursor === undefined), {
      message: '`id` reads one user: it cannot be combined with `limit` or `cursor`',
    }),
  )

/**
 * The headers of a write that may carry a precondition: `If-Match` as `*` or entity tags (`"3"`, `W/"3"`); a tag this
 * API did not issue matches no version (412), text that is no entity tag is a 400. Other headers pass through untouched.
 */
export const preconditionHeaders = z.looseObject({
  'if-match': z.optional(
    z.pipe(
      z.string().check(z.maxLength(512)),
      z.transform((value: string, context) => {
        const precondition = parseIfMatch(value)
        if (precondition === undefined) {
          context.issues.push({
            code: 'custom',
            message: 'Must be * or a list of entity tags, such as "3"',
            input: value,
          })
          return z.NEVER
        }
        return precondition
      }),
    ),
  ),
})

/** A user as the API answers it. */
export const userOutput = z.strictObject({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  version: z.number().check(z.int(), z.positive()),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
})

/** A user as stored and answered. */
export type User = z.output<typeof userOutput>

/** One page of `GET /users`; `nextCursor` is absent on the last page. */
export const userPage = z.strictObject({
  items: z.array(userOutput),
  nextCursor: z.optional(z.string()),
})

/** What `GET /users` answers: one user (`?id=…`) or a page. */
export const userOrPage = z.union([userOutput, userPage])
