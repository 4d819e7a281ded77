/**
 * `memoryWatchdog(options?)`: samples RSS and the V8 heap while invocations run; warns, sheds load, reports peaks
 * and a leak trend. A thin Middy adapter over {@link MemoryMonitor}.
 *
 * @module
 */
import type { Request } from '@middy/core'
import { type LoggerOption, loggerFrom } from '../logger.js'
import * as rules from '../option-rules.js'
import { resolveOptions } from '../options.js'
import { MemoryMonitor, type Watch } from './memory-monitor.js'
import type { MemorySummary, MemoryWatchdogMiddleware } from './memory-types.js'

export type {
  MemoryReport,
  MemorySummary,
  MemoryWatchdogMiddleware,
  MemoryWatchdogMiddyOptions,
} from './memory-types.js'

/**
 * Options of {@link memoryWatchdog}. Every field is optional.
 * @group Guards
 */
export interface MemoryWatchdogOptions {
  /**
   * The function's memory in MB, used when neither `context.memoryLimitInMB` nor `AWS_LAMBDA_FUNCTION_MEMORY_SIZE`
   * gives it. Without any of the three, only the V8 heap is watched. (Named `limitMb` before 0.2.)
   * @defaultValue `undefined`
   */
  memoryMb?: number
  /**
   * How often memory is read while an invocation runs, by an unref'd timer and by the cheap check `fanOut` calls
   * between records (`budget.check()`). Readings are shared by every invocation this watchdog sees and never taken
   * more often than this, whoever asks (the check still reads the V8 heap alone every 2 ms in between). `0` reads at
   * every check (the timer then runs every millisecond).
   * @defaultValue `100`
   */
  sampleIntervalMs?: number
  /**
   * Used share of a limit (RSS of the function memory, or heap of the V8 heap limit) at which one structured warning
   * is logged per invocation.
   * @defaultValue `0.8`
   */
  warnRatio?: number
  /**
   * Used share of a limit at which an invocation budget aborts with a `MemoryPressureError`, so batch work stops
   * taking records. With several invocations in the process (Lambda Managed Instances) one is shed at a time, the
   * youngest first, the next only if the pressure outlasts it: see "Many invocations in one process" below.
   * @defaultValue `0.9`
   */
  shedRatio?: number
  /**
   * Used share of a limit at which every invocation running in the process is shed at once, not one at a time: past it
   * an out-of-memory exit, which ends them all, is too near to wait. Must be `>= shedRatio`.
   * @defaultValue `0.95`, or `shedRatio` when that is higher
   */
  shedAllRatio?: number
  /**
   * How many heap readings the leak trend looks at; `0` turns it off. A reading is the heap a major (mark-compact)
   * garbage collection left, without the young generation: close to what is live. At most one is taken per warm
   * invocation (the newest since the last), and none while other invocations run. It warns when the newer half of the
   * window is above the older half (by more than 0.1 MB, in 95% of the pairs of an older and a newer reading, all of
   * them under a window of 10), for a quarter of the window's readings in a row (a leak keeps rising; a heap that
   * steps up once does not). So it needs a window and a quarter of major collections: a function whose heap never
   * fills enough for V8 to run one gives no evidence and gets no warning, and as a leak grows V8 runs them further
   * apart (a smaller window warns sooner, with more false alarms).
   * @defaultValue `20`
   */
  leakWindow?: number
  /**
   * Receives a {@link MemorySummary} after each invocation. (Named `onReport` before 0.2.)
   * @defaultValue `undefined`
   */
  onSummary?: (summary: MemorySummary) => void
  /**
   * Receives the warnings (`warn`) and, after each invocation, the summary (`debug`): a Powertools `Logger` or
   * anything with `debug`, `info`, `warn` and `error`; `false` logs nothing.
   * @defaultValue single-line JSON on the console (`jsonConsoleLogger()`): warnings shown, the summary only at
   * `POWERTOOLS_LOG_LEVEL=DEBUG`
   */
  logger?: LoggerOption
}

/** The defaults of {@link MemoryWatchdogOptions}; the TSDoc `@defaultValue`s are tested against them. */
export const memoryWatchdogDefaults = {
  memoryMb: undefined,
  sampleIntervalMs: 100,
  warnRatio: 0.8,
  shedRatio: 0.9,
  shedAllRatio: 0.95,
  leakWindow: 20,
  onSummary: undefined,
} as const

const ratio = rules.number({ above: 0 })
const memoryWatchdogSpec = {
  memoryMb: rules.number({ above: 0 }),
  sampleIntervalMs: rules.ms(),
  warnRatio: ratio,
  shedRatio: ratio,
  shedAllRatio: ratio,
  leakWindow: rules.either(rules.oneOf(0), rules.number({ min: 2, max: 10_000, integer: true })),
  onSummary: rules.fn(),
  logger: rules.logger(),
}

/**
 * The Middy request, seen as the place a middleware keeps per-invocation state under a symbol of its own: the request
 * object itself, not `request.internal`, a null-prototype object V8 keeps in dictionary mode (slower to write).
 */
type Slots = Record<symbol, unknown>

/**
 * Watches memory while invocations run: the process RSS against the function's memory limit
 * (`context.memoryLimitInMB`, else `AWS_LAMBDA_FUNCTION_MEMORY_SIZE`, else `memoryMb`), and the V8 heap against its own
 * limit, since a JS heap can run out before RSS does: Lambda's Node runtime sets `--max-old-space-size` to about 90%
 * of the function memory. The heap in use is compared with `--max-old-space-size` (read from the process flags;
 * without it, V8's `heap_size_limit` minus the young generation's reserve), not with `heap_size_limit`, which adds
 * room for young objects that V8 never lets the old generation use.
 *
 * - Memory is read every `sampleIntervalMs` by one unref'd timer for all the invocations the watchdog watches (it
 *   wakes once more after the last one ends, then is gone; an invocation starts from the latest reading), and by a
 *   cheap check registered with `budget.addCheck()`, which `fanOut` calls between records (a synchronous loop starves
 *   the timer). The check costs one clock read when no reading is due. Reading RSS costs about 10 µs, so it is
 *   never done more often than `sampleIntervalMs`, across all the invocations this watchdog sees; between two such
 *   readings the check reads the V8 heap alone (about 0.4 µs) every 2 ms, so that a fast allocator cannot fill the
 *   heap unseen.
 * - At `warnRatio`: one structured warning per invocation. At `shedRatio`: `budget.abort(new MemoryPressureError(…))`,
 *   for pressure that came while the invocation ran: one whose first reading is already over `shedRatio` (garbage an
 *   earlier invocation left, which V8 collects only when it needs the room) is shed only after a reading under it.
 *   Shed at once, it would make no progress, and neither would its retries.
 * - After each invocation: a {@link MemorySummary} to `onSummary` and the logger (`debug`). Peaks are sampled: an
 *   invocation shorter than `sampleIntervalMs` reports the latest reading.
 * - Leak trend: between two major (mark-compact) garbage collections the old generation only grows (promoted garbage
 *   stays counted until the next one), so the heap at the end of an invocation climbs for a busy function with no
 *   leak. The trend reads the heap right after each major collection instead (the old generation and the other
 *   non-young spaces, read when Node reports the collection: close to the live set), through a `gc`
 *   `PerformanceObserver` the watchdog makes at its first warm invocation (it costs nothing per invocation, does not
 *   keep the process alive, and disconnects once the watchdog is dropped). A collection reported while other
 *   invocations run is left out (their live objects are not a leak). The end of each warm invocation feeds the newest
 *   reading, if a major collection happened since the last, to a window of `leakWindow` readings; when the newer half
 *   is above the older half (see `leakWindow`), for a quarter of the window's readings in a row (a heap
 *   that steps up once, as code is compiled or a cache fills, lines up so for a reading or two; a leak keeps it so),
 *   the watchdog warns once that the heap keeps growing. No major collection, no reading: a small function may run
 *   thousands of invocations without one, and is not warned.
 *
 * **Many invocations in one process** (Lambda Managed Instances: up to 64 per vCPU in one Node process, on worker
 * threads that each load the handler module once). RSS is the process's and the heap is the thread's: no reading can
 * say which invocation allocated what. Create the watchdog once, at module scope: that one instance sees every
 * invocation of its thread and sheds among them. At `shedRatio` it sheds one invocation, the youngest that felt the
 * pressure come (it has done the least, so the least work is retried; the oldest are nearest done and free their
 * memory by finishing); the next only once that one has ended and a full reading still shows pressure; at
 * `shedAllRatio` every one at once. So one invocation's allocation sheds one invocation, not all 64, unless the memory
 * stays used. Each invocation keeps its own budget, warning, peaks and summary.
 *
 * - The watch ends in `after` and `onError`. When a later middleware answers from its `before` (Middy then skips every
 *   `after`), it ends in Middy's `requestEnd`: create the chain with `middy(watchdog.middyOptions)`. With
 *   `timeoutGuard()` too, call both: `middy({ ...guard.middyOptions, requestEnd: (request) => {
 *   guard.middyOptions.requestEnd(request); watchdog.middyOptions.requestEnd(request) } })`. Otherwise a watch ends
 *   only at its invocation's deadline.
 *
 * @param options - memory, interval, ratios, leak window, summary callback and logger; see {@link MemoryWatchdogOptions}
 * @returns a Middy middleware (`before`, `after`, `onError`) carrying `middyOptions` for `middy()`
 * @throws TypeError at creation for an unknown option (`limitMb` and `onReport` were renamed `memoryMb` and
 *   `onSummary`) or a value of the wrong type; RangeError for one out of range
 *
 * @example
 * ```ts
 * import middy from '@middy/core'
 * import { budgetOf, memoryWatchdog } from 'serverless-done-right'
 *
 * export const handler = middy()
 *   .use(memoryWatchdog({ onSummary: (summary) => console.log('peak RSS', summary.peakRssMb, 'MB') }))
 *   .handler(async (event: { images: string[] }, context) => {
 *     const budget = budgetOf(context)
 *     const resized: number[] = []
 *     for (const image of event.images) {
 *       budget.check() // cheap; lets the watchdog read memory when a reading is due
 *       if (budget.signal.aborted) break // memory pressure (or the deadline): stop taking work
 *       resized.push(Buffer.from(image, 'base64').length)
 *     }
 *     return { resized: resized.length, of: event.images.length }
 *   })
 * ```
 * @group Guards
 */
export function memoryWatchdog(options: MemoryWatchdogOptions = {}): MemoryWatchdogMiddleware {
  const owner = 'memoryWatchdog(options)'
  const resolved = resolveOptions(options, memoryWatchdogDefaults, memoryWatchdogSpec, {
    owner,
    renamed: { limitMb: 'memoryMb', onReport: 'onSummary' },
  })
  const { warnRatio, shedRatio } = resolved
  if (warnRatio > shedRatio)
    throw new RangeError(`${owner}: warnRatio must be <= shedRatio (${shedRatio}), got ${warnRatio}`)
  // Not given: the default, or `shedRatio` when that is higher; given below `shedRatio`, it could never shed one at a time.
  const shedAllRatio =
    options.shedAllRatio === undefined ? Math.max(resolved.shedAllRatio, shedRatio) : resolved.shedAllRatio
  if (shedAllRatio < shedRatio)
    throw new RangeError(`${owner}: shedAllRatio must be >= shedRatio (${shedRatio}), got ${shedAllRatio}`)
  const monitor = new MemoryMonitor({ ...resolved, shedAllRatio, logger: loggerFrom(resolved.logger) })
  // Per-invocation state lives on the request, under a key of this instance: a WeakMap costs more per call.
  const watchKey = Symbol('memoryWatchdog watch')

  function take(request: Request): Watch | undefined {
    const slots = request as unknown as Slots
    const watch = slots[watchKey] as Watch | undefined
    if (watch !== undefined) slots[watchKey] = undefined
    return watch
  }

  function memoryWatchdogBefore(request: Request): undefined {
    ;(request as unknown as Slots)[watchKey] = monitor.start(request)
    return undefined
  }

  function memoryWatchdogEnd(request: Request): undefined {
    const watch = take(request)
    if (watch !== undefined) monitor.stop(watch)
    return undefined
  }

  return {
    name: 'memoryWatchdog',
    before: memoryWatchdogBefore,
    after: memoryWatchdogEnd,
    onError: memoryWatchdogEnd,
    middyOptions: { requestEnd: memoryWatchdogEnd },
  }
}
