// Type tests: checked by `npm run typecheck` (tsc). Lines under @ts-expect-error must fail to compile.
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

// The public budget has exactly its five members: nothing the guards and engines share among themselves.
type Exactly<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
const fiveMembers: Exactly<keyof InvocationBudget, 'signal' | 'deadline' | 'remainingMs' | 'abort' | 'check'> = true
// @ts-expect-error the return-by time is internal
budget.returnBy
// @ts-expect-error alarms are internal
budget.alarm(10, () => undefined, undefined)
// @ts-expect-error alarms are internal
budget.cancelAlarm
// @ts-expect-error checks are registered by guards only
budget.addCheck(() => undefined)
// @ts-expect-error completion tracking is gone: the engine answers the fallback itself
budget.completed
// @ts-expect-error progress is reported by engines only
budget.reportProgress
// @ts-expect-error nor asked from outside
budget.confirmedIds

// No export of the package reaches the internals either.
type Exports = keyof typeof import('serverless-done-right')
const noInternals: Exactly<
  Extract<Exports, 'internalsOf' | 'beginBudget' | 'BudgetInternals' | 'AlarmClock' | 'readSlot' | 'writeSlot'>,
  never
> = true

export { fiveMembers, noInternals }
