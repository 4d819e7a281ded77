import { Logger } from '@aws-lambda-powertools/logger'
import { jest } from '@jest/globals'
import middy from '@middy/core'
import type { Context } from 'aws-lambda'
import { fanOut, HttpError, httpErrors, memoryWatchdog, timeoutGuard, warmup } from 'serverless-done-right'
import { lambdaContext } from './helpers/context.js'
import { fixture } from './helpers/fixtures.js'

// Issue 14: one logging default. Every middleware and engine logs single-line JSON with Powertools' field names to the
// console unless told otherwise; `logger: false` silences it; a Powertools Logger (or anything with the four methods)
// takes its place. The default logger writes to the process's own stdout and stderr (as Powertools does, so that
// Lambda's console does not prefix the line): the tests read those streams.

interface Captured {
  readonly stdout: string[]
  readonly stderr: string[]
  restore(): void
}

function capture(): Captured {
  const stdout: string[] = []
  const stderr: string[] = []
  const spies = [
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
      stdout.push(String(chunk))
      return true
    }),
    jest.spyOn(process.stderr, 'write').mockImplementation((chunk: unknown) => {
      stderr.push(String(chunk))
      return true
    }),
  ]
  return {
    stdout,
    stderr,
    restore: () => {
      for (const spy of spies) spy.mockRestore()
    },
  }
}

/** Every JSON write (not Node's own warnings) as JSON; each must be exactly one line. */
function jsonLines(writes: readonly string[]): Array<Record<string, unknown>> {
  return writes
    .filter((write) => write.startsWith('{'))
    .map((write) => {
      expect(write.endsWith('\n')).toBe(true)
      expect(write.slice(0, -1)).not.toContain('\n')
      return JSON.parse(write) as Record<string, unknown>
    })
}

/** Runs `work` with some environment variables set, and puts back what was there (unset ones included). */
async function withEnv<T>(variables: Record<string, string>, work: () => Promise<T>): Promise<T> {
  const saved = Object.keys(variables).map((name) => [name, process.env[name]] as const)
  Object.assign(process.env, variables)
  try {
    return await work()
  } finally {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
    }
  }
}

let output: Captured
beforeEach(() => {
  output = capture()
})
afterEach(() => {
  output.restore()
})

const traceHeader = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1'

describe('the default logger: single-line JSON with Powertools field names', () => {
  it("makes memoryWatchdog()'s 80% warning visible with no options", async () => {
    // The environment is read when the logger is made (when the middleware is), the trace id at each line.
    await withEnv({ POWERTOOLS_SERVICE_NAME: 'orders', _X_AMZN_TRACE_ID: traceHeader }, async () => {
      const handler = middy()
        .use(memoryWatchdog())
        .handler(async () => 'ok')
      // A 1 MB function: any process's RSS is far past 80% of it.
      await handler(fixture('sqs'), lambdaContext({ memoryMb: 1, requestId: 'req-mem' }))
    })
    const warnings = jsonLines(output.stderr).filter((line) => line.message === 'Memory use is high')
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatchObject({
      level: 'WARN',
      service: 'orders',
      xray_trace_id: '1-5759e988-bd862e3fe1be46a994272793',
      function_request_id: 'req-mem',
      kind: 'rss',
      limitMb: 1,
    })
    expect(new Date(warnings[0]?.timestamp as string).toISOString()).toBe(warnings[0]?.timestamp)
    // The per-invocation summary is a debug line: hidden at the default level...
    expect(jsonLines(output.stdout).filter((line) => line.message === 'Memory summary')).toHaveLength(0)
  })

  it('shows debug lines (the memory summary) when POWERTOOLS_LOG_LEVEL is DEBUG', async () => {
    const handler = await withEnv({ POWERTOOLS_LOG_LEVEL: 'DEBUG' }, async () =>
      middy()
        .use(memoryWatchdog())
        .handler(async () => 'ok'),
    )
    await handler(fixture('sqs'), lambdaContext({ memoryMb: 10_000, requestId: 'req-debug' }))
    const summaries = jsonLines(output.stdout).filter((line) => line.message === 'Memory summary')
    expect(summaries).toEqual([expect.objectContaining({ level: 'DEBUG', function_request_id: 'req-debug' })])
  })

  it("writes fanOut's batch summary as one JSON line (info), and a failed batch's at warn", async () => {
    const ok = fanOut(async () => undefined, { decode: 'text' })
    await ok(fixture('kinesis-stream'), lambdaContext())
    const failing = fanOut(
      async () => {
        throw new Error('downstream down')
      },
      { throwOnFullBatchFailure: false, decode: 'text' },
    )
    await failing(fixture('kinesis-stream'), lambdaContext())
    expect(jsonLines(output.stdout)).toEqual([
      expect.objectContaining({ level: 'INFO', message: 'fanOut batch done', source: 'kinesis', failed: 0 }),
    ])
    expect(jsonLines(output.stderr)).toEqual([
      expect.objectContaining({ level: 'WARN', message: 'fanOut batch done with failures', source: 'kinesis' }),
    ])
  })

  it("writes httpErrors()'s 5xx as one JSON line at error, with the stack and cause as JSON", async () => {
    const handler = middy()
      .use(httpErrors())
      .handler(async () => {
        throw new Error('db unreachable', { cause: new Error('ECONNRESET') })
      })
    const response = (await handler(fixture('apigw-http-v2'), lambdaContext({ requestId: 'req-500' }))) as {
      statusCode: number
    }
    expect(response.statusCode).toBe(500)
    const [line] = jsonLines(output.stderr)
    expect(line).toMatchObject({
      level: 'ERROR',
      message: '500 Internal Server Error for request req-500',
      function_request_id: 'req-500',
      error: { name: 'Error', message: 'db unreachable', cause: { message: 'ECONNRESET' } },
    })
    expect((line?.error as { stack?: string } | undefined)?.stack).toContain('db unreachable')
  })

  it("logs timeoutGuard()'s soft phase and warmup()'s pings by default", async () => {
    // Soft phase at 300 - 200 = 100 ms (not before halfway to the hard phase, 125 ms); the handler takes 150 ms.
    const guard = timeoutGuard({ softMarginMs: 200, hardMarginMs: 50 })
    const slow = middy(guard.middyOptions)
      .use(guard)
      .handler(async () => new Promise((resolve) => setTimeout(resolve, 150, 'done')))
    await slow(fixture('sqs'), lambdaContext({ timeoutMs: 300 }))
    const pinged = middy()
      .use(warmup())
      .handler(async () => 'work')
    await pinged(fixture('warmer-serverless-plugin'), lambdaContext())
    expect(jsonLines(output.stderr).map((line) => [line.level, line.message])).toContainEqual([
      'WARN',
      'Deadline approaching: budget aborted',
    ])
    expect(jsonLines(output.stdout).map((line) => [line.level, line.message])).toContainEqual(['INFO', 'Warm-up ping'])
  })
})

describe('logger: false and a Powertools Logger', () => {
  it('logger: false silences every middleware and engine', async () => {
    const handler = middy()
      .use(warmup({ logger: false }))
      .use(httpErrors({ logger: false }))
      .use(memoryWatchdog({ logger: false }))
      .handler(async () => {
        throw new HttpError(404)
      })
    await handler(fixture('apigw-http-v2'), lambdaContext({ memoryMb: 1 }))
    await fanOut(async () => undefined, { logger: false, decode: 'text' })(fixture('sqs'), lambdaContext())
    expect(jsonLines([...output.stdout, ...output.stderr])).toEqual([])
  })

  it("takes a Powertools Logger, whose own JSON lines carry the library's fields", async () => {
    const logger = new Logger({ serviceName: 'payments' })
    const handler = fanOut(async () => undefined, { logger, decode: 'text' })
    await handler(fixture('sqs'), lambdaContext() as Context)
    const lines = jsonLines(output.stdout)
    expect(lines).toEqual([
      expect.objectContaining({ level: 'INFO', service: 'payments', message: 'fanOut batch done', source: 'sqs' }),
    ])
  })
})

describe('the default logger at cold start', () => {
  // A child process: the first read of process.stdout sets the stream up (1.5-3 ms), once per process, so only a fresh
  // process can tell whether creating the middlewares read it.
  it('reads process.stdout at its first line, not when the middlewares are created', async () => {
    const { execFile } = await import('node:child_process')
    const { promisify } = await import('node:util')
    const script = [
      "const descriptor = Object.getOwnPropertyDescriptor(process, 'stdout')",
      // Only this library's reads count (a read with its src/ on the stack): Node itself may open the stream to print a
      // warning while the module loads on a busy machine (seen once in CI: 3 reads outside the library).
      'let reads = 0',
      'const others = []',
      `const ours = (stack) => stack.includes(${JSON.stringify(new URL('../src/', import.meta.url).pathname)})`,
      "Object.defineProperty(process, 'stdout', { ...descriptor, get() { const stack = new Error().stack ?? ''; if (ours(stack)) reads++; else others.push(stack.split('\\n').slice(2, 5).join(' < ')); return descriptor.get.call(this) } })",
      `const lib = await import(${JSON.stringify(new URL('../src/index.ts', import.meta.url).href)})`,
      'lib.warmup(); lib.timeoutGuard(); lib.memoryWatchdog(); lib.httpErrors(); lib.fanOut(async () => undefined)',
      'const atCreation = reads',
      "lib.jsonConsoleLogger().info('first line')",
      "process.stderr.write('\\n' + JSON.stringify({ atCreation, afterALine: reads }) + '\\n')",
      "if (others.length > 0) process.stderr.write('reads outside the library: ' + others.join(' | ') + '\\n')",
    ].join('\n')
    const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'INFO' }
    delete env.NODE_OPTIONS
    delete env.POWERTOOLS_LOG_LEVEL
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { env },
    )
    // Node may add warnings to stderr: the reads are its line that starts with the marker.
    const reads = stderr.split('\n').find((line) => line.startsWith('{"atCreation"'))
    expect(JSON.parse(reads ?? 'null')).toEqual({ atCreation: 0, afterALine: expect.any(Number) })
    expect(JSON.parse(reads ?? 'null').afterALine).toBeGreaterThan(0)
    expect(JSON.parse(stdout)).toMatchObject({ level: 'INFO', message: 'first line' })
  })
})
