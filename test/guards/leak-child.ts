/**
 * The child process of `memory-leak.test.ts`: many warm invocations of one real Middy chain under `memoryWatchdog()`,
 * in a process of its own, so that the V8 heap and its garbage collections are this workload's alone. Started as
 * `node --max-old-space-size=256 [--expose-gc] leak-child.mjs <mode> <invocations>`. Prints one JSON line, then ends
 * without `process.exit()`: a watchdog that kept the process alive would make it hang.
 *
 * Modes:
 * - `garbage`: each invocation builds about 1.5 MB of small objects in three steps, awaiting between them as a handler
 *   awaits I/O, and drops them when it returns. Objects held across the awaits survive young collections and are
 *   promoted, so the old generation grows between two major collections although nothing is kept: no leak.
 * - `leak`: the same work, and each invocation also keeps 1,000 small objects (about 80 KB) in a module-level array.
 * - `step`: the same work as `garbage`, and the 300th invocation keeps 20 MB for good (a cache filled once): the heap
 *   steps up once, then stays.
 * - `many`: 200 watchdogs, two invocations each, all dropped but one; then forced collections. Counts the GC
 *   observers created and disconnected (a spy on `PerformanceObserver`'s prototype: calls go through).
 */
import { constants, PerformanceObserver } from 'node:perf_hooks'
import middy from '@middy/core'
import type { Context } from 'aws-lambda'
import { memoryWatchdog } from '../../src/guards/memory.js'
import { lambdaContext } from '../helpers/context.js'

const [mode = 'garbage', invocations = '1500'] = process.argv.slice(2)
const turn = () => new Promise((resolve) => setImmediate(resolve))
const context = (n: number): Context => lambdaContext({ requestId: `${mode}-${n}`, memoryMb: 288, timeoutMs: 60_000 })

/** What `leak` keeps: never let go. */
const kept: object[] = []

async function work(_event: unknown, context: Context): Promise<number> {
  const held: object[] = []
  for (let step = 0; step < 3; step++) {
    for (let i = 0; i < 10_000; i++) held.push({ step, i, label: `item-${i}` })
    await turn() // stands for I/O: what the invocation holds lives across it
  }
  if (mode === 'leak') for (let i = 0; i < 1000; i++) kept.push({ id: context.awsRequestId, i, label: `kept-${i}` })
  if (context.awsRequestId === 'step-300') kept.push(new Array(2_621_440).fill(1.5)) // 20 MB, once: a cache filled
  return held.length
}

/** Many invocations of one watchdog; the warnings it logs, and how many major collections V8 made meanwhile. */
async function trend() {
  let majorGcs = 0
  // The child's own count of major collections, independent of the watchdog's.
  const counter = new PerformanceObserver((list) => {
    for (const entry of list.getEntries())
      if ((entry as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) majorGcs++
  })
  counter.observe({ entryTypes: ['gc'] })
  const warnings: unknown[] = []
  let suspected = 0
  const logger = {
    debug: () => undefined,
    info: () => undefined,
    error: () => undefined,
    warn: (message: string, fields?: unknown) => {
      if (message.includes('possible leak')) warnings.push(fields)
    },
  }
  // sampleIntervalMs 0: before the fix, that fed the trend at the end of every warm invocation.
  const watchdog = memoryWatchdog({
    logger,
    sampleIntervalMs: 0,
    onSummary: (s) => void (s.leakSuspected && suspected++),
  })
  const handler = middy().use(watchdog).handler(work)
  for (let n = 0; n < Number(invocations); n++) {
    await handler({}, context(n))
    await turn() // between invocations Lambda's runtime fetches the next event: the event loop turns
  }
  counter.disconnect()
  return { majorGcs, warnings, suspected, keptObjects: kept.length }
}

/**
 * 200 watchdogs, two invocations each; all but the first dropped. In a function of its own: a suspended async
 * function keeps its registers, and the loop's last handler would stay reachable from `many()` while it awaits.
 */
async function useAndDrop() {
  const handlers = Array.from({ length: 200 }, () =>
    middy()
      .use(memoryWatchdog({ logger: false }))
      .handler(work),
  )
  for (const handler of handlers) for (let n = 0; n < 2; n++) await handler({}, context(n))
  return handlers[0]
}

/** Watchdogs dropped after use: their GC observers must go with them. */
async function many() {
  const prototype = PerformanceObserver.prototype
  const { observe, disconnect } = prototype
  let observed = 0
  let disconnected = 0
  prototype.observe = function (this: PerformanceObserver, ...args: Parameters<typeof observe>) {
    observed++
    return observe.apply(this, args)
  }
  prototype.disconnect = function (this: PerformanceObserver) {
    disconnected++
    return disconnect.apply(this)
  }
  const survivor = await useAndDrop()
  // Each watchdog's sampler stays armed one sample interval (100 ms) after its last invocation, and holds it till then.
  await new Promise((resolve) => setTimeout(resolve, 150))
  const collect = (globalThis as { gc?: () => void }).gc as () => void
  for (let round = 0; round < 3; round++) {
    collect() // the dropped watchdogs are collected; each observer disconnects at the next collection it reports
    await turn()
    await turn()
  }
  await survivor?.({}, context(2)) // still watched
  return { observed, disconnected }
}

const result = mode === 'many' ? await many() : await trend()
process.stdout.write(`${JSON.stringify({ mode, ...result })}\n`)
