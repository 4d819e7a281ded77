/**
 * The error hierarchy. Every error this library throws extends {@link ServerlessDoneRightError} and carries a stable
 * `code` (`SDR_…`), documented in `docs/errors.md`. `cause` is always kept.
 *
 * @module
 */
import { statusText } from './status-text.js'

/**
 * Base class of every error this library throws.
 *
 * @example
 * ```ts
 * import { ServerlessDoneRightError } from 'serverless-done-right'
 *
 * try {
 *   await work()
 * } catch (error) {
 *   if (error instanceof ServerlessDoneRightError) console.log(error.code) // e.g. 'SDR_VALIDATION'
 *   else throw error
 * }
 * declare function work(): Promise<void>
 * ```
 * @group Errors
 */
export abstract class ServerlessDoneRightError extends Error {
  /** A stable machine-readable code, `SDR_…`; listed in `docs/errors.md`. */
  abstract readonly code: string
}

/**
 * Options of {@link HttpError}. Every field is optional.
 * @group Validation and errors
 */
export interface HttpErrorOptions {
  /** A short, human-readable summary; defaults to the status text (`404` → `Not Found`). */
  title?: string
  /** A human-readable explanation of this occurrence; sent to the client. */
  detail?: string
  /** A URI reference that identifies the problem type; defaults to `about:blank` (RFC 9457). */
  type?: string
  /** Extra members of the problem+json body (RFC 9457 extension members). */
  extensions?: Record<string, unknown>
  /** Extra response headers, such as `Retry-After` or `Allow`. */
  headers?: Record<string, string>
  /** The underlying error; logged, never sent. */
  cause?: unknown
}

/**
 * An error that maps to an HTTP response. `httpErrors()` turns it into an RFC 9457 `application/problem+json` body.
 *
 * @example
 * ```ts
 * import { HttpError } from 'serverless-done-right'
 *
 * const error = new HttpError(404, { detail: 'no user u1' })
 * console.log(error.status, error.title, error.code) // 404 'Not Found' 'SDR_HTTP'
 * ```
 * @group Errors
 */
export class HttpError extends ServerlessDoneRightError {
  readonly code = 'SDR_HTTP'
  /** The HTTP status code, 400–599. */
  readonly status: number
  /** The problem's title, by default the status text. */
  readonly title: string
  /** The problem's detail, if any. */
  readonly detail: string | undefined
  /** The problem type URI. */
  readonly type: string
  /** Extension members of the problem body. */
  readonly extensions: Readonly<Record<string, unknown>>
  /** Extra response headers. */
  readonly headers: Readonly<Record<string, string>>

  /**
   * @param status - an HTTP error status, 400–599; anything else becomes 500
   * @param options - title, detail, type, extensions, headers and cause, all optional
   */
  constructor(status: number, options: HttpErrorOptions = {}) {
    const safeStatus = Number.isInteger(status) && status >= 400 && status <= 599 ? status : 500
    const title = options.title ?? statusText(safeStatus) ?? 'Error'
    super(options.detail ?? title, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'HttpError'
    this.status = safeStatus
    this.title = title
    this.detail = options.detail
    this.type = options.type ?? 'about:blank'
    this.extensions = options.extensions ?? {}
    this.headers = options.headers ?? {}
  }
}

/**
 * One problem found by validation.
 * @group Validation and errors
 */
export interface ValidationIssue {
  /** Where the problem is, as a JSON pointer into the validated input: `/body/email`, `/query/limit`, `/event/id`. */
  readonly pointer: string
  /** What is wrong, in words fit for the client. */
  readonly message: string
}

/**
 * Input failed its schema. Carries every issue of every validated part, not only the first.
 * `httpErrors()` answers it with `400` and an `errors` array of `{ pointer, detail }`.
 *
 * @example
 * ```ts
 * import { ValidationError } from 'serverless-done-right'
 *
 * const error = new ValidationError([{ pointer: '/body/email', message: 'Invalid email address' }])
 * console.log(error.code, error.issues.length) // 'SDR_VALIDATION' 1
 * ```
 * @group Errors
 */
export class ValidationError extends ServerlessDoneRightError {
  readonly code = 'SDR_VALIDATION'
  /** Every issue found. */
  readonly issues: readonly ValidationIssue[]

  /**
   * @param issues - the problems found
   * @param options - `cause`, kept for logging
   */
  constructor(issues: readonly ValidationIssue[], options: { cause?: unknown } = {}) {
    const first = issues[0]
    const summary = first === undefined ? 'Validation failed' : `${first.pointer || '/'}: ${first.message}`
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''
    super(`${summary}${more}`, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'ValidationError'
    this.issues = issues
  }
}

/**
 * The invocation is about to run out of time. Used as the budget's abort reason by `timeoutGuard()` (phase `soft`)
 * and thrown by its fallback (phase `hard`) when no better response fits the event.
 *
 * @example
 * ```ts
 * import { TimeoutApproachingError } from 'serverless-done-right'
 *
 * const error = new TimeoutApproachingError({ phase: 'soft', remainingMs: 1000 })
 * console.log(error.code) // 'SDR_TIMEOUT_APPROACHING'
 * ```
 * @group Errors
 */
export class TimeoutApproachingError extends ServerlessDoneRightError {
  readonly code = 'SDR_TIMEOUT_APPROACHING'
  /** `soft`: work should drain; `hard`: the fallback answered. */
  readonly phase: 'soft' | 'hard'
  /** Milliseconds left before the invocation's deadline (Lambda's, or API Gateway's when earlier) when it was made. */
  readonly remainingMs: number

  /**
   * @param details - the phase and the time left
   * @param options - `cause`, kept for logging
   */
  constructor(details: { phase: 'soft' | 'hard'; remainingMs: number }, options: { cause?: unknown } = {}) {
    super(
      `Invocation deadline approaching (${details.phase} phase, ${Math.round(details.remainingMs)} ms left)`,
      options.cause === undefined ? undefined : { cause: options.cause },
    )
    this.name = 'TimeoutApproachingError'
    this.phase = details.phase
    this.remainingMs = details.remainingMs
  }
}

/**
 * Measurements carried by a {@link MemoryPressureError}.
 * @group Errors
 */
export interface MemoryPressureDetails {
  /** Which limit was crossed: process RSS against the function memory, or the V8 heap against its own limit. */
  readonly kind: 'rss' | 'heap'
  /** Used share of the crossed limit, 0–1+. */
  readonly ratio: number
  /** Resident set size in MB when measured. */
  readonly rssMb: number
  /** The function's memory limit in MB, if known. */
  readonly limitMb: number | undefined
  /** V8 heap used in MB. */
  readonly heapUsedMb: number
  /** V8 heap limit in MB. */
  readonly heapLimitMb: number
}

/**
 * The process is close to its memory limit. `memoryWatchdog()` aborts the budget with it so batch work stops
 * taking new records.
 *
 * @example
 * ```ts
 * import { MemoryPressureError } from 'serverless-done-right'
 *
 * const error = new MemoryPressureError({
 *   kind: 'rss', ratio: 0.93, rssMb: 119, limitMb: 128, heapUsedMb: 80, heapLimitMb: 115,
 * })
 * console.log(error.code, error.details.kind) // 'SDR_MEMORY_PRESSURE' 'rss'
 * ```
 * @group Errors
 */
export class MemoryPressureError extends ServerlessDoneRightError {
  readonly code = 'SDR_MEMORY_PRESSURE'
  /** What was measured. */
  readonly details: MemoryPressureDetails

  /**
   * @param details - what was measured
   * @param options - `cause`, kept for logging
   */
  constructor(details: MemoryPressureDetails, options: { cause?: unknown } = {}) {
    const used = details.kind === 'rss' ? details.rssMb : details.heapUsedMb
    const limit = details.kind === 'rss' ? details.limitMb : details.heapLimitMb
    super(
      `Memory pressure: ${details.kind} at ${Math.round(details.ratio * 100)}% (${Math.round(used)} of ${Math.round(limit ?? 0)} MB)`,
      options.cause === undefined ? undefined : { cause: options.cause },
    )
    this.name = 'MemoryPressureError'
    this.details = details
  }
}

/**
 * A record that can never succeed: a `fanOut` record handler (or `windowReducer`'s `key` / `reduce`) throws it to send
 * the record, with this error, to the `deadLetter` handler instead of a retry; once that resolves the record is complete
 * (its key goes on; counted in `permanent`). See `DeadLetterOptions`: without a `deadLetter` the record fails, logged.
 * @example
 * ```ts
 * import { PermanentError } from 'serverless-done-right'
 * const error = new PermanentError('order o-1: account a-1 was deleted', { cause: new Error('404 from accounts') })
 * console.log(error.code, error.reason) // 'SDR_PERMANENT' 'order o-1: account a-1 was deleted'
 * ```
 * @group Errors
 */
export class PermanentError extends ServerlessDoneRightError {
  readonly code = 'SDR_PERMANENT'
  /** Why the record can never succeed; handed to the dead-letter handler with the record. */
  readonly reason: string
  /** @param reason - why the record can never succeed; `options.cause`, the error that showed it, is kept for logs */
  constructor(reason: string, options: { cause?: unknown } = {}) {
    super(typeof reason === 'string' && reason !== '' ? reason : 'Permanent failure', options)
    this.name = 'PermanentError'
    this.reason = this.message
  }
}
