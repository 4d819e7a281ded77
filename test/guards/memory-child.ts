/**
 * The child process of `memory-pressure.test.ts`: one handler run under real memory pressure. Started as
 * `node --max-old-space-size=<n> --import tsx memory-child.ts <mode> <memoryLimitInMB> <watchdog on|off>`.
 * Prints one JSON line with what happened; a process the pressure kills prints nothing.
 *
 * Modes: `heap` fills the V8 heap with kept objects, calling `budget.check()` between chunks as `fanOut` does between
 * records; `heap-timer` does the same without ever calling the check, awaiting 4 ms between chunks (only the
 * watchdog's own timer can notice), and
 * `rss` fills memory outside the V8 heap (buffers), which only RSS shows; `heap-paced` is `heap` at a steady pace with
 * the watchdog's default options.
 */
import middy from '@middy/core'
import type { Context } from 'aws-lambda'
import { budgetOf } from '../../src/budget.js'
import type { MemoryPressureError } from '../../src/errors.js'
import { memoryWatchdog } from '../../src/guards/memory.js'

const [mode = 'heap', memoryMb = '4096', watchdog = 'on'] = process.argv.slice(2)
const MB = 1024 * 1024

const context = {
  awsRequestId: `child-${mode}`,
  memoryLimitInMB: memoryMb,
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context

const kept: unknown[] = []

/** About 256 KB of small objects kept on the V8 heap. */
function heapChunk(index: number): unknown[] {
  return Array.from({ length: 4096 }, (_, i) => ({ index, i, label: `chunk-${index}-${i}` }))
}

async function run(_event: unknown, ctx: Context) {
  const budget = budgetOf(ctx)
  for (let chunk = 0; chunk < 100_000; chunk++) {
    if (mode !== 'heap-timer') budget.check()
    if (budget.signal.aborted) {
      // Shedding load: stop taking work and let go of what was being built up.
      kept.length = 0
      const reason = budget.signal.reason as MemoryPressureError
      return { aborted: true, chunks: chunk, code: reason.code, details: reason.details }
    }
    if (mode === 'rss') kept.push(Buffer.alloc(4 * MB, 1))
    else kept.push(heapChunk(chunk))
    // Work that awaits between chunks, slower than the watchdog's 2 ms timer: sampling can keep up without the check.
    if (mode === 'heap-timer') await new Promise((resolve) => setTimeout(resolve, 4))
    // Steady synchronous work between chunks (about 1 MB a millisecond): with the default sampleIntervalMs the heap
    // fills long before the next RSS reading is due; only the check's own heap readings can see it coming.
    if (mode === 'heap-paced') for (const until = performance.now() + 0.1; performance.now() < until; );
  }
  return { aborted: false, chunks: kept.length }
}

const handler =
  watchdog === 'on'
    ? middy()
        .use(memoryWatchdog(mode === 'heap-paced' ? {} : { sampleIntervalMs: 2 }))
        .handler(run)
    : middy(run)
const result = await handler({}, context)
process.stdout.write(`${JSON.stringify({ ...result, rssMb: process.memoryUsage.rss() / MB, mode })}\n`)
