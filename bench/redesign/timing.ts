/**
 * The timed parts of the redesign section: the same workload run with the library before and after, alternating in
 * rounds whose order rotates (`interleave`), in one process. Each returns the samples by candidate name, in round
 * order (so sample `i` of two candidates comes from the same round and can be paired).
 *
 * @module
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import middy from '@middy/core'
import middyWarmup from '@middy/warmup'
import type { Context } from 'aws-lambda'
import { benchBatch, LogLine } from '../fan-out.js'
import { lambdaContext } from '../lib/lambda-context.js'
import { interleave } from '../lib/stats.js'
import { GUARD_BASELINE } from './figures.js'
import type { Library } from './trees.js'

/** The libraries under comparison, by label. */
export type Libraries = readonly (readonly [string, Library])[]

const silent = { debug() {}, info() {}, warn() {}, error() {} }
let sink = 0

/**
 * Guard stack: `warmup()` + `timeoutGuard()` (with its `middyOptions`) + `memoryWatchdog()` of each library over an API
 * Gateway 2.0 event (the real fixture) and a fresh context per invocation, and Middy's own (`@middy/warmup` + core timeout) in the same
 * rounds. CPU µs per invocation (the mean over `perRound` back-to-back invocations), one sample per round.
 */
export async function guardStacks(libraries: Libraries, options: { root: string; rounds: number; perRound: number }) {
  // Read from the project's root: this module runs bundled elsewhere (test/helpers/fixtures.ts finds it by its own URL).
  const event = JSON.parse(readFileSync(join(options.root, 'test/fixtures/aws-events/apigw-http-v2.json'), 'utf8'))
  const ok = async () => ({ statusCode: 200, body: 'ok' })
  const context = () => lambdaContext({ timeoutMs: 3000, memoryMb: 1024 })
  const stack = (lib: Library) => {
    const guard = lib.timeoutGuard()
    return middy(guard.middyOptions).use(lib.warmup()).use(guard).use(lib.memoryWatchdog()).handler(ok)
  }
  const handlers: [string, (event: unknown, context: Context) => Promise<unknown>][] = [
    [GUARD_BASELINE, middy({ timeoutEarlyInMillis: 250 }).use(middyWarmup()).handler(ok)],
    ...libraries.map(([label, lib]) => [label, stack(lib)] as [string, ReturnType<typeof stack>]),
  ]
  const candidates = handlers.map(([name, handler]) => ({
    name,
    run: async () => {
      for (let i = 0; i < options.perRound; i++) await handler(event, context())
    },
  }))
  const { cpu } = await interleave(candidates, { rounds: options.rounds, warmup: 2 })
  return perCall(cpu, options.perRound)
}

/** Milliseconds per round of `calls` → µs per call. */
function perCall(samples: Map<string, number[]>, calls: number): Map<string, number[]> {
  return new Map([...samples].map(([name, values]) => [name, values.map((ms) => (ms * 1000) / calls)]))
}

/** Runs each candidate once and throws if it reports failed records (a broken candidate must not be timed). */
async function checked(
  candidates: { name: string; run: () => Promise<{ batchItemFailures?: unknown[] } | undefined> }[],
) {
  for (const candidate of candidates) {
    const failures = (await candidate.run())?.batchItemFailures?.length ?? 0
    if (failures !== 0) throw new Error(`${candidate.name}: ${failures} failed records`)
  }
  return candidates
}

/**
 * fanOut, CPU-bound: a batch of `records` Kinesis records (about 300 bytes of JSON each, 100 partition keys) decoded,
 * validated with zod and passed to a no-op async handler, default options. CPU ms per batch.
 */
export async function fanOutCpu(libraries: Libraries, options: { rounds: number; records: number }) {
  const event = benchBatch(options.records, 100)
  const context = () => lambdaContext({ timeoutMs: 900_000 })
  const candidates = await checked(
    libraries.map(([name, lib]) => {
      const handler = lib.fanOut(
        async (line) => {
          sink += line.status
        },
        { schema: LogLine, logger: silent },
      )
      return { name, run: () => handler(event, context()) }
    }),
  )
  return (await interleave(candidates, { rounds: options.rounds, warmup: 2 })).cpu
}

/**
 * fanOut, I/O-bound: `records` records whose handler waits `waitMs` (a call to another service), `concurrency` in
 * flight, with ordering `'none'` and `'key'` (200 keys). Wall ms per batch, by `<label>, ordering '<ordering>'`.
 */
export async function fanOutIo(
  libraries: Libraries,
  options: { rounds: number; records: number; waitMs: number; concurrency: number },
) {
  const event = benchBatch(options.records, 200)
  const work = async (item: unknown) => {
    sink += (item as { status: number }).status
    await sleep(options.waitMs)
  }
  const context = () => lambdaContext({ timeoutMs: 60_000 })
  const candidates = await checked(
    libraries.flatMap(([label, lib]) =>
      (['none', 'key'] as const).map((ordering) => {
        const handler = lib.fanOut(work, { ordering, concurrency: options.concurrency, logger: silent })
        return { name: `${label}, ordering '${ordering}'`, run: () => handler(event, context()) }
      }),
    ),
  )
  const { wall } = await interleave(candidates, { rounds: options.rounds, warmup: 1 })
  if (sink < 0) console.log(sink)
  return wall
}
