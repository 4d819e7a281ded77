/**
 * The error `validate()` throws when a handler's result fails the `response` schema.
 *
 * @module
 */
import { ServerlessDoneRightError, type ValidationIssue } from '../errors.js'

/**
 * The handler's result failed the `response` schema given to `validate()`. This is a bug on the server side, not
 * the client's: `httpErrors()` logs it in full and answers a generic `500` without sending any of the invalid data.
 *
 * @example
 * ```ts
 * import { ResponseValidationError } from 'serverless-done-right'
 *
 * const error = new ResponseValidationError([{ pointer: '/response/id', message: 'Required' }])
 * console.log(error.code, error.issues[0]?.pointer) // 'SDR_RESPONSE_VALIDATION' '/response/id'
 * ```
 * @group Errors
 */
export class ResponseValidationError extends ServerlessDoneRightError {
  readonly code = 'SDR_RESPONSE_VALIDATION'
  /** Every issue found, with pointers under `/response`. */
  readonly issues: readonly ValidationIssue[]

  /**
   * @param issues - the problems found
   * @param options - `cause`, kept for logging
   */
  constructor(issues: readonly ValidationIssue[], options: { cause?: unknown } = {}) {
    const first = issues[0]
    const summary = first === undefined ? 'invalid' : `${first.pointer}: ${first.message}`
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''
    super(
      `Handler response failed its schema: ${summary}${more}`,
      options.cause === undefined ? undefined : { cause: options.cause },
    )
    this.name = 'ResponseValidationError'
    this.issues = issues
  }
}
