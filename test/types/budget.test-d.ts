// Type tests: checked by `npm run typecheck:types` (tsc). Lines under @ts-expect-error must fail to compile.
import type { Context } from 'aws-lambda'
import { budgetOf, HttpError, type InvocationBudget, ValidationError } from 'serverless-done-right'

declare const context: Context
const budget: InvocationBudget = budgetOf(context)
const deadline: number = budget.deadline
const signal: AbortSignal = budget.signal
budget.abort(new Error('stop'))

// @ts-expect-error the budget needs a Lambda context
budgetOf({})
// @ts-expect-error the abort reason must be an Error
budget.abort('stop')
// @ts-expect-error deadline is read-only
budget.deadline = 0

const notFound = new HttpError(404, { detail: 'no user u1' })
const status: number = notFound.status
// @ts-expect-error unknown option
new HttpError(404, { details: 'typo' })
// @ts-expect-error issues need a pointer and a message
new ValidationError([{ message: 'missing pointer' }])

export { deadline, signal, status }
