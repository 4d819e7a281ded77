// The README's "A handler" example, kept compiling.
import middy from '@middy/core'
import { budgetOf, HttpError } from 'serverless-done-right'

export const handler = middy<{ id?: string }>().handler(async (event, context) => {
  if (!event.id) throw new HttpError(400, { detail: 'id is required' })
  const { signal, remainingMs } = budgetOf(context) // the invocation budget every guard shares
  return { id: event.id, timeLeftMs: remainingMs(), aborted: signal.aborted }
})
