/**
 * The README's "Guards" example, word for word: `npm run typecheck` keeps it compiling. Not a test file (it would
 * call a real URL); `composed.test.ts` runs the same composition against fixtures.
 */
import middy from '@middy/core'
import { fanOut, memoryWatchdog, timeoutGuard, warmup } from 'serverless-done-right'

const guard = timeoutGuard({ softMarginMs: 1000, hardMarginMs: 250 }) // the defaults

export const handler = middy(guard.middyOptions) // arms the hard phase in Middy core
  .use(warmup({ scheduleRule: 'warm-up-every-5-minutes' })) // first: a ping runs nothing else
  .use(guard)
  .use(memoryWatchdog({ onSummary: (report) => console.log('peak RSS', report.peakRssMb, 'MB') }))
  .handler(
    fanOut(async (order: { id: string }, { signal }) => {
      await fetch(`https://orders.example.com/${order.id}`, { method: 'PUT', signal })
    }),
  )
