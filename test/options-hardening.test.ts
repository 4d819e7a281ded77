import middy from '@middy/core'
import type { Context } from 'aws-lambda'
import { HttpError, httpErrors, memoryWatchdog } from 'serverless-done-right'
import { sleep, timerTracker } from './guards/helpers.js'
import { lambdaContext } from './helpers/context.js'
import { fixture } from './helpers/fixtures.js'

// Issue 19: two ways a harmless-looking configuration broke things at run time.

interface HttpResponse {
  statusCode: number
  headers: Record<string, string>
}

const quiet = { debug() {}, info() {}, warn() {}, error() {} }

/**
 * Runs `step` with the JSON lines the default logger writes to stdout and stderr caught (and kept out of the test
 * output); other writes pass through.
 */
async function jsonConsoleLines<T>(step: () => Promise<T>): Promise<{ result: T; lines: Record<string, unknown>[] }> {
  const lines: Record<string, unknown>[] = []
  const streams = [process.stdout, process.stderr]
  const writes = streams.map((stream) => stream.write)
  streams.forEach((stream, index) => {
    const write = writes[index] as typeof stream.write
    stream.write = ((chunk: unknown, ...rest: never[]) => {
      const text = String(chunk)
      if (!text.startsWith('{"level"')) return write.call(stream, chunk as string, ...rest)
      lines.push(JSON.parse(text) as Record<string, unknown>)
      return true
    }) as typeof stream.write
  })
  try {
    return { result: await step(), lines }
  } finally {
    streams.forEach((stream, index) => {
      stream.write = writes[index] as typeof stream.write
    })
  }
}

describe('httpErrors(): an option given as undefined means its default', () => {
  // Before: `{ ...defaults, ...options }` let `logger: undefined` replace the console default, so the first error
  // answer threw "Cannot read properties of undefined" inside onError and every error became a 502 at API Gateway.
  it.each([
    [404, new HttpError(404, { detail: 'no such user' })],
    [500, new Error('db down')],
  ])(
    'answers %i with problem+json when logger is explicitly undefined (it logs to the JSON console)',
    async (status, error) => {
      const handler = middy()
        .use(httpErrors({ logger: undefined }))
        .handler(async () => {
          throw error
        })
      const { result: response, lines } = await jsonConsoleLines(
        async () => (await handler(fixture('apigw-http-v2'), lambdaContext())) as HttpResponse,
      )
      expect(response.statusCode).toBe(status)
      expect(response.headers['Content-Type']).toBe('application/problem+json')
      expect(lines).toEqual([expect.objectContaining({ level: status === 500 ? 'ERROR' : 'INFO' })])
    },
  )

  it('answers with the default client error level when clientErrorLevel is explicitly undefined', async () => {
    const handler = middy()
      .use(httpErrors({ logger: quiet, clientErrorLevel: undefined }))
      .handler(async () => {
        throw new HttpError(409)
      })
    const response = (await handler(fixture('apigw-http-v2'), lambdaContext())) as HttpResponse
    expect(response.statusCode).toBe(409)
  })

  // Before: `clientErrorLevel: 'warning'` was accepted and `logger['warning']` threw on the first 4xx, so every
  // client error became a 502. Now it is refused at creation, naming the option and the values it takes.
  it('refuses a misspelled clientErrorLevel at creation', () => {
    expect(() => httpErrors({ clientErrorLevel: 'warning' } as never)).toThrow(TypeError)
    expect(() => httpErrors({ clientErrorLevel: 'warning' } as never)).toThrow(
      'httpErrors(options): clientErrorLevel must be one of "warn", "info", "debug", "off", got "warning"',
    )
  })
})

describe('memoryWatchdog(): a later middleware that answers from before', () => {
  // Before: Middy skips every `after` when a `before` answers early, so the watch was never stopped, and with a context
  // without a clock (no deadline to end it) its 100 ms sample timer ran on forever, one per such invocation.
  it('leaves no timer behind when the chain is created with middy(watchdog.middyOptions)', async () => {
    const timers = timerTracker()
    try {
      const watchdog = memoryWatchdog({ logger: false })
      const handler = middy(watchdog.middyOptions)
        .use(watchdog)
        .use({ before: () => 'from cache' })
        .handler(async () => 'fresh')
      const clockless = { awsRequestId: 'no-clock' } as Context
      for (let i = 0; i < 5; i++) expect(await handler(fixture('sqs'), { ...clockless })).toBe('from cache')
      await sleep(150) // longer than one sample interval: a leaked watch would have re-armed its timer by now
      expect(await timers.pending()).toEqual([])
    } finally {
      timers.stop()
    }
  })

  it('reports the summary of an invocation answered early, once', async () => {
    const summaries: string[] = []
    const watchdog = memoryWatchdog({ logger: false, onSummary: (summary) => summaries.push(summary.requestId) })
    const handler = middy(watchdog.middyOptions)
      .use(watchdog)
      .use({ before: () => 'from cache' })
      .handler(async () => 'fresh')
    await handler(fixture('sqs'), lambdaContext({ requestId: 'early' }))
    const normal = middy(watchdog.middyOptions)
      .use(watchdog)
      .handler(async () => 'fresh')
    await normal(fixture('sqs'), lambdaContext({ requestId: 'normal' }))
    expect(summaries).toEqual(['early', 'normal'])
  })
})
