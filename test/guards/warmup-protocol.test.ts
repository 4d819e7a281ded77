/**
 * warmup() speaks lambda-warmer's protocol exactly: the same invocations, with the same payloads, as lambda-warmer's
 * own test suite (test/concurrency.js, test/target.js in jeremydaly/lambda-warmer) expects of it.
 *
 * Lambda's Invoke API cannot run here: `lambda` below stands in for it, and nothing else. Every invocation starts a
 * fresh instance (a new `middy()` chain of that function, as a cold Lambda instance would be) with a context that names
 * the function, and is recorded.
 */
import { performance } from 'node:perf_hooks'
import middy from '@middy/core'
import type { Context } from 'aws-lambda'
import { type WarmerPayload, warmup } from 'serverless-done-right'
import { lambdaContext } from '../helpers/context.js'

interface Invocation {
  functionName: string
  payload: WarmerPayload
  index: number
}

/** This function as Lambda names it in the context: `name`, `version`, invoked through `qualifier` (alias or version). */
function contextOf(name: string, version = '$LATEST', qualifier?: string): Context {
  const arn = `arn:aws:lambda:us-east-1:123456789012:function:${name}${qualifier === undefined ? '' : `:${qualifier}`}`
  return { ...lambdaContext(), functionName: name, functionVersion: version, invokedFunctionArn: arn }
}

/** A stand-in for Lambda's Invoke API: runs a fresh instance of the named function and records the call. */
function fakeLambda() {
  const invocations: Invocation[] = []
  let handled = 0
  const instance = (name: string): ((event: unknown, context: Context) => Promise<unknown>) =>
    middy()
      .use(
        warmup({
          logger: false, // no default JSON log lines in the test output
          delayMs: 0,
          invoke: (payload, index, target): Promise<unknown> => {
            const functionName = target ?? name
            invocations.push({ functionName, payload, index })
            return instance(functionName)(payload, contextOf(functionName))
          },
        }),
      )
      .handler(async () => {
        handled++
        return 'real work'
      })
  return {
    invocations,
    handled: () => handled,
    /** Sends `event` to a fresh instance of `name`, as EventBridge or a test would. */
    ping: (name: string, event: object, context = contextOf(name)) => instance(name)(event, context),
  }
}

describe('warmup(): lambda-warmer protocol, invocation by invocation', () => {
  it.each([2, 3, 4])('concurrency %i warms this function with N - 1 invocations, copies 2…N', async (n) => {
    const lambda = fakeLambda()
    await lambda.ping('api', { warmer: true, concurrency: n }, { ...contextOf('api'), awsRequestId: 'lead' })
    expect(lambda.invocations.map(({ functionName, index }) => [functionName, index])).toEqual(
      Array.from({ length: n - 1 }, (_, i) => ['api', i + 2]),
    )
    for (const { payload } of lambda.invocations) {
      expect(payload).toEqual({
        warmer: true,
        __WARMER_INVOCATION__: payload.__WARMER_INVOCATION__,
        __WARMER_CONCURRENCY__: n,
        __WARMER_CORRELATIONID__: 'lead',
      })
    }
  })

  it.each([1, 2, 3])(
    'a warmer function with target and concurrency %i invokes the target exactly N times, copies 1…N, and no copy fans out',
    async (n) => {
      const lambda = fakeLambda()
      await lambda.ping(
        'warmer',
        { warmer: true, concurrency: n, target: 'api' },
        { ...contextOf('warmer'), awsRequestId: 'w1' },
      )
      // Before the fix, copy 1 took itself for a new leader: 2N - 1 invocations, with a second correlation id.
      expect(lambda.invocations).toHaveLength(n)
      expect(lambda.invocations.map(({ functionName, index }) => [functionName, index])).toEqual(
        Array.from({ length: n }, (_, i) => ['api', i + 1]),
      )
      expect(new Set(lambda.invocations.map(({ payload }) => payload.__WARMER_CORRELATIONID__))).toEqual(
        new Set(['w1']),
      )
      expect(lambda.invocations.every(({ payload }) => payload.__WARMER_CONCURRENCY__ === n)).toBe(true)
    },
  )

  it('a copy numbered 1 never fans out, even when it also carries a concurrency', async () => {
    const lambda = fakeLambda()
    const copy = {
      warmer: true,
      concurrency: 5,
      __WARMER_INVOCATION__: 1,
      __WARMER_CONCURRENCY__: 5,
      __WARMER_CORRELATIONID__: 'w2',
    }
    expect(await lambda.ping('api', copy)).toMatchObject({ warmup: true })
    expect(lambda.invocations).toEqual([])
  })

  it('copy 1 of a target ping stays busy delayMs like every other copy, so that N distinct instances answer', async () => {
    const handler = middy()
      .use(warmup({ delayMs: 30, logger: false }))
      .handler(async () => 'real work')
    const copy = { warmer: true, __WARMER_INVOCATION__: 1, __WARMER_CONCURRENCY__: 3, __WARMER_CORRELATIONID__: 'w3' }
    const started = performance.now()
    expect(await handler(copy, contextOf('api'))).toMatchObject({ warmup: true })
    expect(performance.now() - started).toBeGreaterThanOrEqual(29) // a lower bound only
  })

  it('the copies 1…N a lambda-warmer warmer function sends (target mode) cost nothing more here', async () => {
    const lambda = fakeLambda()
    const n = 4
    for (let copy = 1; copy <= n; copy++) {
      const payload = {
        warmer: true,
        __WARMER_INVOCATION__: copy,
        __WARMER_CONCURRENCY__: n,
        __WARMER_CORRELATIONID__: 'ext',
      }
      expect(await lambda.ping('api', payload)).toMatchObject({ warmup: true })
    }
    expect(lambda.invocations).toEqual([]) // N invocations in all, lambda-warmer's; before the fix 2N - 1
  })

  it.each([
    { warmer: true, concurrency: 2, test: true },
    { warmer: true, concurrency: 10, test: true },
    { warmer: true, concurrency: 3, target: 'api', test: true },
    { warmer: true, concurrency: 1, target: 'api', test: 1 },
  ])("makes no invocation for lambda-warmer's test flag: %p", async (event) => {
    const lambda = fakeLambda()
    expect(await lambda.ping('warmer', event)).toMatchObject({ warmup: true })
    expect(lambda.invocations).toEqual([])
    expect(lambda.handled()).toBe(0)
  })

  it.each([
    ['name:version', 'api:$LATEST', contextOf('api')],
    ['name:alias it was invoked through', 'api:stable', contextOf('api', '3', 'stable')],
    ['bare name while at $LATEST', 'api', contextOf('api')],
  ])('a target naming this function (%s) is no target: concurrency 1 invokes nothing', async (_, target, context) => {
    const lambda = fakeLambda()
    await lambda.ping('api', { warmer: true, concurrency: 1, target }, context)
    expect(lambda.invocations).toEqual([])
  })

  it('a target naming this function with concurrency 2 warms this function: one copy, number 2', async () => {
    const lambda = fakeLambda()
    await lambda.ping('api', { warmer: true, concurrency: 2, target: 'api:$LATEST' })
    expect(lambda.invocations.map(({ functionName, index }) => [functionName, index])).toEqual([['api', 2]])
  })

  it.each([
    ['another name', 'other', contextOf('api')],
    ['another version', 'api:1', contextOf('api')],
    ['the bare name (= $LATEST) from version 1', 'api', contextOf('api', '1')],
    ['another alias', 'api:2', contextOf('api', '1', '1')],
  ])('a target naming %s is warmed: one invocation, copy 1', async (_, target, context) => {
    const lambda = fakeLambda()
    await lambda.ping('api', { warmer: true, concurrency: 1, target }, context)
    expect(lambda.invocations.map(({ functionName, index }) => [functionName, index])).toEqual([[target, 1]])
  })
})
