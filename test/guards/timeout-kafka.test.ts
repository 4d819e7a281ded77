import middy from '@middy/core'
import type { Context, MSKEvent, SelfManagedKafkaEvent } from 'aws-lambda'
import { fanOut, timeoutGuard } from 'serverless-done-right'
import { internalsOf } from '../../src/budget/invocation.js'
import { kafkaEvent, kafkaRecord } from '../batch/factories.js'
import { lambdaContext } from '../helpers/context.js'
import { fixture } from '../helpers/fixtures.js'
import { forever } from './helpers.js'

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined }
const margins = { softMarginMs: 300, hardMarginMs: 100, logger: quiet }

function guarded(handler: (event: unknown, context: Context) => Promise<unknown>) {
  const guard = timeoutGuard(margins)
  return middy(guard.middyOptions).use(guard).handler(handler)
}

describe('timeoutGuard() fallback for Kafka batches', () => {
  it('names every unconfirmed record of both Kafka event shapes with the documented { partition, offset }', async () => {
    for (const event of [fixture<MSKEvent>('kafka-msk'), fixture<SelfManagedKafkaEvent>('kafka-self-managed')]) {
      const handler = guarded(() => forever())
      const response = await handler(event, lambdaContext({ timeoutMs: 600 }))
      expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: { partition: 'mytopic-0', offset: 15 } }] })
    }
  })

  it('answers from what a real fanOut confirmed, per partition', async () => {
    const event = kafkaEvent([
      kafkaRecord('orders', 0, 10, {}),
      kafkaRecord('orders', 0, 11, { stuck: true }),
      kafkaRecord('orders', 0, 12, {}),
      kafkaRecord('orders', 1, 20, {}),
    ])
    const batch = fanOut(
      async (item: { stuck?: boolean }) => {
        if (item.stuck) await forever() // a record that ignores the signal
      },
      { drainMs: 350, logger: quiet },
    ) as (event: unknown, context: Context) => Promise<unknown>
    // Code around fanOut that never returns is what the fallback is for: it answers from what fanOut confirmed.
    const handler = guarded(async (input, context) => {
      await batch(input, context)
      return forever()
    })
    const context = lambdaContext({ timeoutMs: 600 })
    const response = await handler(event, context)
    expect([...internalsOf(context).confirmedIds()].sort()).toEqual(['orders-0@10', 'orders-1@20'])
    expect(response).toEqual({
      batchItemFailures: [
        { itemIdentifier: { partition: 'orders-0', offset: 11 } },
        { itemIdentifier: { partition: 'orders-0', offset: 12 } },
      ],
    })
  })
})
