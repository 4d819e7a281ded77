/**
 * serverless-done-right: composable Middy middlewares for AWS Lambda.
 *
 * @module serverless-done-right
 */
export {
  type PutRecordsEntry,
  type PutRecordsEntryResult,
  type PutRecordsLocalErrorCode,
  type PutRecordsOptions,
  type PutRecordsResult,
  putRecords,
} from './aws/put-records.js'
export { budgetOf, type InvocationBudget } from './budget.js'
export {
  HttpError,
  type HttpErrorOptions,
  type MemoryPressureDetails,
  MemoryPressureError,
  ServerlessDoneRightError,
  TimeoutApproachingError,
  ValidationError,
  type ValidationIssue,
} from './errors.js'
export { type HttpErrorsLogger, type HttpErrorsOptions, httpErrors } from './validation/http-errors.js'
export { ResponseValidationError } from './validation/response-error.js'
export type { ValidatedEvent, ValidatedResponse, ValidateSchemas } from './validation/types.js'
export { validate } from './validation/validate.js'
