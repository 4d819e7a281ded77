/**
 * serverless-done-right: composable Middy middlewares for AWS Lambda.
 *
 * @module serverless-done-right
 */
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
