import { describe, expect, it } from '@jest/globals'
import middy from '@middy/core'
import type { Context } from 'aws-lambda'
import { budgetOf } from 'serverless-done-right'
import { invoke } from 'serverless-done-right/local'
import { fixture } from '../helpers/fixtures.js'

const lambdaVariables = [
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  '_HANDLER',
  '_X_AMZN_TRACE_ID',
] as const

function snapshotEnv(names: readonly string[]): Record<string, string | undefined> {
  return Object.fromEntries(names.map((name) => [name, process.env[name]]))
}

describe('invoke', () => {
  it('hands the handler a context with every documented field', async () => {
    let seen: Context | undefined
    let remainingAtStart = 0
    const outcome = await invoke(
      (_event: unknown, context) => {
        seen = context
        remainingAtStart = context.getRemainingTimeInMillis()
        return 'done'
      },
      {},
      { timeoutMs: 5000, memoryMb: 512, functionName: 'orders', requestId: 'req-1', region: 'eu-west-1' },
    )
    expect(outcome.status).toBe('ok')
    expect(seen).toMatchObject({
      awsRequestId: 'req-1',
      functionName: 'orders',
      functionVersion: '$LATEST',
      invokedFunctionArn: 'arn:aws:lambda:eu-west-1:000000000000:function:orders',
      memoryLimitInMB: '512',
      logGroupName: '/aws/lambda/orders',
      callbackWaitsForEmptyEventLoop: true,
    })
    expect(seen?.logStreamName).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/)
    expect(remainingAtStart).toBeGreaterThan(4000)
    expect(remainingAtStart).toBeLessThanOrEqual(5000)
  })

  it('uses the documented defaults and a fresh request id each time', async () => {
    const ids: string[] = []
    const handler = (_event: unknown, context: Context) => {
      ids.push(context.awsRequestId)
      return { memory: context.memoryLimitInMB, name: context.functionName, left: context.getRemainingTimeInMillis() }
    }
    const first = await invoke(handler, {})
    await invoke(handler, {})
    expect(first.result).toMatchObject({ memory: '128', name: 'local-function' })
    expect(first.result?.left).toBeGreaterThan(2000)
    expect(first.result?.left).toBeLessThanOrEqual(3000)
    expect(ids[0]).toMatch(/^[0-9a-f-]{36}$/)
    expect(ids[0]).not.toBe(ids[1])
  })

  it('shows the Lambda environment during the call and restores the previous values after it', async () => {
    process.env.AWS_REGION = 'ap-south-1'
    delete process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE
    delete process.env.TABLE_NAME
    const before = snapshotEnv([...lambdaVariables, 'TABLE_NAME'])
    const outcome = await invoke(
      () => snapshotEnv([...lambdaVariables, 'TABLE_NAME']),
      {},
      { memoryMb: 1024, functionName: 'users', region: 'eu-central-1', env: { TABLE_NAME: 'users-table' } },
    )
    expect(outcome.result).toMatchObject({
      AWS_LAMBDA_FUNCTION_NAME: 'users',
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024',
      AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/users',
      AWS_REGION: 'eu-central-1',
      AWS_DEFAULT_REGION: 'eu-central-1',
      _HANDLER: 'index.handler',
      TABLE_NAME: 'users-table',
    })
    expect(outcome.result?._X_AMZN_TRACE_ID).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$/)
    expect(snapshotEnv([...lambdaVariables, 'TABLE_NAME'])).toEqual(before)
    expect(process.env.AWS_REGION).toBe('ap-south-1')
    expect('AWS_LAMBDA_FUNCTION_MEMORY_SIZE' in process.env).toBe(false)
  })

  it('keeps the environment for overlapping calls until the last one ends, then restores it', async () => {
    delete process.env.AWS_LAMBDA_FUNCTION_NAME
    const gate: { open?: () => void } = {}
    const opened = new Promise<void>((resolve) => {
      gate.open = resolve
    })
    const long = invoke(
      async () => {
        await opened
        return process.env.AWS_LAMBDA_FUNCTION_NAME
      },
      {},
      { functionName: 'fn' },
    )
    const short = await invoke(() => process.env.AWS_LAMBDA_FUNCTION_NAME, {}, { functionName: 'fn' })
    expect(short.result).toBe('fn')
    gate.open?.()
    expect((await long).result).toBe('fn') // still set although the short call already ended
    expect(process.env.AWS_LAMBDA_FUNCTION_NAME).toBeUndefined()
  })

  it('reports a thrown error, a rejection and a synchronous throw by name and message', async () => {
    const rejected = await invoke(async () => {
      throw new TypeError('bad input')
    }, {})
    expect(rejected).toMatchObject({
      status: 'error',
      result: undefined,
      errorType: 'TypeError',
      errorMessage: 'bad input',
    })

    const thrown = await invoke(() => {
      throw new RangeError('sync')
    }, {})
    expect(thrown).toMatchObject({ status: 'error', errorType: 'RangeError', errorMessage: 'sync' })

    const notAnError = await invoke(() => Promise.reject('plain string'), {})
    expect(notAnError).toMatchObject({ status: 'error', errorType: 'string', errorMessage: 'plain string' })
  })

  it('returns a timeout at the deadline even when the handler never settles', async () => {
    const started = Date.now()
    const outcome = await invoke(() => new Promise<never>(() => undefined), {}, { timeoutMs: 150 })
    const waited = Date.now() - started
    expect(outcome).toMatchObject({
      status: 'timeout',
      result: undefined,
      errorType: 'Sandbox.Timedout',
      errorMessage: 'Task timed out after 0.15 seconds',
      durationMs: 150,
      billedDurationMs: 150,
    })
    expect(waited).toBeGreaterThanOrEqual(140)
    expect(waited).toBeLessThan(2000)
  })

  it('formats the timeout message the way Lambda does for whole seconds', async () => {
    const outcome = await invoke(() => new Promise<never>(() => undefined), {}, { timeoutMs: 1000 })
    expect(outcome.errorMessage).toBe('Task timed out after 1.00 seconds')
  })

  it('ignores what a timed-out handler does later', async () => {
    let finish: (value: string) => void = () => undefined
    const outcome = await invoke(() => new Promise<string>((resolve) => (finish = resolve)), {}, { timeoutMs: 30 })
    finish('too late')
    expect(outcome.status).toBe('timeout')
    expect(outcome.result).toBeUndefined()
  })

  it('returns the JSON round trip of the result, as a real caller receives it', async () => {
    const when = new Date('2026-01-02T03:04:05.000Z')
    const outcome = await invoke(() => ({ when, skip: undefined, list: [1, undefined] }), {})
    expect(outcome.result).toEqual({ when: '2026-01-02T03:04:05.000Z', list: [1, null] })

    const nothing = await invoke(() => undefined, {})
    expect(nothing).toMatchObject({ status: 'ok', result: undefined })
  })

  it('reports a result JSON cannot hold as an error', async () => {
    const circular: Record<string, unknown> = {}
    circular.self = circular
    const outcome = await invoke(() => circular, {})
    expect(outcome.status).toBe('error')
    expect(outcome.errorType).toBe('TypeError')
    expect(outcome.errorMessage).toMatch(/^Unable to stringify response body as json: /)
  })

  it('settles through the legacy context callbacks', async () => {
    const viaSucceed = await invoke((_event: unknown, context: Context) => {
      context.succeed({ ok: 1 })
      return new Promise<never>(() => undefined)
    }, {})
    expect(viaSucceed).toMatchObject({ status: 'ok', result: { ok: 1 } })

    const viaFail = await invoke((_event: unknown, context: Context) => {
      context.fail(new Error('legacy'))
      return new Promise<never>(() => undefined)
    }, {})
    expect(viaFail).toMatchObject({ status: 'error', errorType: 'Error', errorMessage: 'legacy' })
  })

  it('reports duration, billed duration to the next millisecond and the process memory peak', async () => {
    let rssWithBallastMb = 0
    const outcome = await invoke(async () => {
      const ballast = Buffer.alloc(64 * 1024 * 1024, 1) // touched pages count toward RSS
      rssWithBallastMb = process.memoryUsage.rss() / (1024 * 1024)
      await new Promise((resolve) => setTimeout(resolve, 40))
      return ballast.length
    }, {})
    expect(outcome.status).toBe('ok')
    expect(outcome.durationMs).toBeGreaterThanOrEqual(35)
    expect(outcome.billedDurationMs).toBe(Math.ceil(outcome.durationMs))
    expect(Number.isInteger(outcome.billedDurationMs)).toBe(true)
    const rssNowMb = process.memoryUsage.rss() / (1024 * 1024)
    // The peak is the whole process's, sampled while the ballast was held: at least what the handler itself saw,
    // give or take what a garbage collection elsewhere in this (busy, shared) jest process returned meanwhile.
    expect(outcome.maxMemoryUsedMb).toBeGreaterThan(64)
    expect(outcome.maxMemoryUsedMb).toBeGreaterThanOrEqual(Math.floor(rssWithBallastMb * 0.9))
    expect(outcome.maxMemoryUsedMb).toBeLessThan(rssNowMb + 512)
  })

  it('drives a real Middy handler with a real Kinesis event, and the budget sees the timeout', async () => {
    const handler = middy<{ Records: unknown[] }, { records: number; deadlineInMs: number }>().handler(
      async (event, context) => ({
        records: event.Records.length,
        deadlineInMs: budgetOf(context).deadline - Date.now(),
      }),
    )
    const outcome = await invoke(handler, fixture<{ Records: unknown[] }>('kinesis-stream'), { timeoutMs: 2000 })
    expect(outcome.status).toBe('ok')
    expect(outcome.result?.records).toBeGreaterThan(0)
    expect(outcome.result?.deadlineInMs).toBeGreaterThan(1000)
    expect(outcome.result?.deadlineInMs).toBeLessThanOrEqual(2000)
  })
})
