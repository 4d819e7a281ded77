/**
 * Maps any thrown value to the RFC 9457 problem it should be answered with. Internal: `httpErrors()` is the public
 * face.
 *
 * What may reach a client is decided here, and only here: our own `HttpError` fields, validation issues, fixed texts
 * for the budget errors, and the public message of a Middy-style 4xx. Nothing else of an error is ever copied.
 *
 * @module
 */
import { HttpError, MemoryPressureError, TimeoutApproachingError, ValidationError } from '../errors.js'
import { type ProblemBody, problemBody } from '../http-response.js'
import { statusText } from '../status-text.js'

/** The answer to one error. */
export interface Problem {
  /** The problem+json body. */
  readonly body: ProblemBody
  /** Response headers the error asks for (an `HttpError`'s `headers`). */
  readonly headers: Readonly<Record<string, string>>
}

const noHeaders: Readonly<Record<string, string>> = Object.freeze({})

const timeoutDetail = 'The request could not be completed in time.'
const overloadDetail = 'The service is temporarily overloaded; try again later.'

interface StatusCarrier {
  readonly statusCode?: unknown
  readonly status?: unknown
  readonly expose?: unknown
  readonly message?: unknown
  readonly $metadata?: unknown
}

/**
 * The status of a Middy `createError` / `http-errors` style client error: a numeric `statusCode` (or `status`) in
 * 400–499 with `expose` not `false`. AWS SDK errors (they carry `$metadata`) never qualify: their text is internal.
 */
function clientStatusOf(error: StatusCarrier): number | undefined {
  if (error.$metadata !== undefined || error.expose === false) return undefined
  const status = typeof error.statusCode === 'number' ? error.statusCode : error.status
  return typeof status === 'number' && Number.isInteger(status) && status >= 400 && status <= 499 ? status : undefined
}

function fromHttpError(error: HttpError, instance: string | undefined): Problem {
  const fields: Partial<ProblemBody> = { ...error.extensions, type: error.type, title: error.title }
  if (error.detail !== undefined) fields.detail = error.detail
  if (instance !== undefined) fields.instance = instance
  return { body: problemBody(error.status, fields), headers: error.headers }
}

function fromValidationError(error: ValidationError, instance: string | undefined): Problem {
  const count = error.issues.length
  const fields: Partial<ProblemBody> = {
    detail: `The request failed validation (${count} ${count === 1 ? 'issue' : 'issues'}).`,
    errors: error.issues.map((issue) => ({ pointer: issue.pointer, detail: issue.message })),
  }
  if (instance !== undefined) fields.instance = instance
  return { body: problemBody(400, fields), headers: noHeaders }
}

function plain(status: number, detail: string | undefined, instance: string | undefined): Problem {
  const fields: Partial<ProblemBody> = {}
  if (detail !== undefined) fields.detail = detail
  if (instance !== undefined) fields.instance = instance
  return { body: problemBody(status, fields), headers: noHeaders }
}

function budgetProblem(error: unknown, instance: string | undefined): Problem | undefined {
  if (error instanceof TimeoutApproachingError) return plain(504, timeoutDetail, instance)
  if (error instanceof MemoryPressureError) return plain(503, overloadDetail, instance)
  return undefined
}

/**
 * The problem for `error`, with `instance` (the request id) in the body.
 *
 * - `HttpError`: its status, title, detail, type, extensions and headers.
 * - `ValidationError`: 400 with `errors: [{ pointer, detail }]`.
 * - `TimeoutApproachingError` → 504, `MemoryPressureError` → 503 (also when it is the direct `cause`), fixed texts.
 * - A Middy-style client error (see `clientStatusOf`): its status; its message as `detail` only when `expose === true`.
 * - Anything else, `ResponseValidationError` included: 500 with the generic title and nothing else.
 */
export function problemFor(error: unknown, instance: string | undefined): Problem {
  if (error instanceof HttpError) return fromHttpError(error, instance)
  if (error instanceof ValidationError) return fromValidationError(error, instance)
  if (typeof error !== 'object' || error === null) return plain(500, undefined, instance)
  const budget = budgetProblem(error, instance) ?? budgetProblem((error as { cause?: unknown }).cause, instance)
  if (budget !== undefined) return budget
  const carrier = error as StatusCarrier
  const status = clientStatusOf(carrier)
  if (status === undefined) return plain(500, undefined, instance)
  const exposed = carrier.expose === true && typeof carrier.message === 'string' ? carrier.message : undefined
  // Middy's createError(415) without a message uses the status text: do not repeat the title as the detail.
  return plain(status, exposed === statusText(status) || exposed === '' ? undefined : exposed, instance)
}
