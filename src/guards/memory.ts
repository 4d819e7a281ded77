/**
 * `memoryWatchdog(options?)`: samples RSS and the V8 heap while invocations run; warns, sheds load, reports peaks
 * and a leak trend.
 *
 * @module
 */
import { getHeapStatistics } from 'node:v8'
import type { MiddlewareObj, Request } from '@middy/core'
import type { Context } from 'aws-lambda'
import { type BudgetAlarm, type BudgetInternals, beginBudget } from '../budget/invocation.js'
import { type MemoryPressureDetails, MemoryPressureError } from '../errors.js'
import { heapUsage, oldGenerationLimitMb } from './heap.js'
import { leakTrend } from './leak-trend.js'
import { type GuardLogger, logDetail, logWarning } from './logger.js'
import { checkOption } from './options.js'

/**
 * What one invocation used, reported after it settles. Sizes in MB (MiB, as Lambda counts them).
 * @group Guards
 */
export interface MemoryReport {
  /** The invocation's `context.awsRequestId`. */
  readonly requestId: string
  /** True for the first invocation this watchdog saw. */
  readonly coldStart: boolean
  /** The highest process RSS sampled while the invocation ran. */
  readonly peakRssMb: number
  /** The highest V8 heap use sampled while the invocation ran. */
  readonly peakHeapUsedMb: number
  /** The function's memory limit, if known. */
  readonly limitMb: number | undefined
  /** The V8 old generation's limit: `--max-old-space-size` (about 90% of the function memory in Lambda). */
  readonly heapLimitMb: number
  /** True when the heap kept after the last `leakWindow` warm invocations keeps growing. */
  readonly leakSuspected: boolean
}

/**
 * Options of {@link memoryWatchdog}. Every field is optional.
 * @group Guards
 */
export interface MemoryWatchdogOptions {
  /**
   * The function's memory in MB, used when neither `context.memoryLimitInMB` nor `AWS_LAMBDA_FUNCTION_MEMORY_SIZE`
   * gives it. Without any of the three, only the V8 heap is watched.
   * @defaultValue `undefined`
   */
  limitMb?: number
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
   * Used share of a limit at which the invocation budget aborts with a `MemoryPressureError`, so batch work stops
   * taking records. Every invocation running in the process at that moment is aborted: memory is shared.
   * @defaultValue `0.9`
   */
  shedRatio?: number
  /**
   * How many post-invocation heap readings of warm invocations the leak trend looks at; `0` turns it off.
   * @defaultValue `20`
   */
  leakWindow?: number
  /**
   * Receives a {@link MemoryReport} after each invocation.
   * @defaultValue `undefined`
   */
  onReport?: (report: MemoryReport) => void
  /**
   * Receives the warnings (`warn`) and, after each invocation, the report (`debug`).
   * @defaultValue `undefined` (no logging)
   */
  logger?: GuardLogger
}

const MB = 1024 * 1024

/**
 * How often the cheap check reads the V8 heap alone between full readings: a heap reading costs about 0.4 µs, and a
 * handler allocating a megabyte a millisecond fills a Lambda-sized heap's last 10% well within `sampleIntervalMs`.
 */
const heapCheckIntervalMs = 2

/** `request.internal`, seen as the place a middleware keeps per-invocation state under its own symbol. */
type Slots = Record<symbol, unknown>

/** One running invocation, as the watchdog sees it. */
interface Watch {
  readonly budget: BudgetInternals
  readonly requestId: string
  readonly limitMb: number | undefined
  readonly coldStart: boolean
  peakRssMb: number
  peakHeapUsedMb: number
  /** The lowest readings while it ran: it is shed only for pressure that came while it ran (see `judge`). */
  lowestRssMb: number
  lowestHeapUsedMb: number
  warned: boolean
  shed: boolean
  removeCheck: () => void
  /** Its next sample, an alarm on its budget's timer. */
  sample: BudgetAlarm | undefined
}

function positiveNumber(value: unknown): number | undefined {
  const number = typeof value === 'string' ? Number(value) : value
  return typeof number === 'number' && number > 0 && Number.isFinite(number) ? number : undefined
}

const round = (mb: number): number => Math.round(mb * 10) / 10

/**
 * Watches memory while invocations run: the process RSS against the function's memory limit
 * (`context.memoryLimitInMB`, else `AWS_LAMBDA_FUNCTION_MEMORY_SIZE`, else `limitMb`), and the V8 heap against its own
 * limit, since a JS heap can run out before RSS does: Lambda's Node runtime sets `--max-old-space-size` to about 90%
 * of the function memory. The heap in use is compared with `--max-old-space-size` (read from the process flags;
 * without it, V8's `heap_size_limit` minus the young generation's reserve), not with `heap_size_limit`, which adds
 * room for young objects that V8 never lets the old generation use.
 *
 * - Memory is read every `sampleIntervalMs` by an alarm on each running invocation's budget (the budget's one
 *   unref'd timer, shared with `timeoutGuard()`, so there is no timer once no invocation runs), and by a
 *   cheap check registered with `budget.addCheck()`, which `fanOut` calls between records (a synchronous loop starves
 *   the timer). The check costs one clock read when no reading is due. Reading RSS costs about 10 µs, so it is
 *   never done more often than `sampleIntervalMs`, across all the invocations this watchdog sees; between two such
 *   readings the check reads the V8 heap alone (about 0.4 µs) every 2 ms, so that a fast allocator cannot fill the
 *   heap unseen.
 * - At `warnRatio`: one structured warning per invocation. At `shedRatio`: `budget.abort(new MemoryPressureError(…))`,
 *   for pressure that came while the invocation ran: one whose first reading is already over `shedRatio` (garbage an
 *   earlier invocation left, which V8 collects only when it needs the room) is shed only after a reading under it.
 *   Shed at once, it would make no progress, and neither would its retries.
 * - After each invocation: a {@link MemoryReport} to `onReport` and the logger. Peaks are sampled: an invocation
 *   shorter than `sampleIntervalMs` reports the latest reading. The heap kept after each warm invocation (the old
 *   generation, without young garbage; read when a reading is due as the invocation ends) feeds a window of `leakWindow` readings; when every reading in the newer
 *   half of the window is above every reading in the older half, the watchdog warns once that the heap keeps
 *   growing: a leak trend.
 *
 * @param options - limit, interval, ratios, leak window, report callback and logger; see {@link MemoryWatchdogOptions}
 * @returns a Middy middleware (`before`, `after`, `onError`)
 * @throws RangeError at creation when an option is out of range
 *
 * @example
 * ```ts
 * import middy from '@middy/core'
 * import { budgetOf, memoryWatchdog } from 'serverless-done-right'
 *
 * export const handler = middy()
 *   .use(memoryWatchdog({ onReport: (report) => console.log('peak RSS', report.peakRssMb, 'MB') }))
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
export function memoryWatchdog(options: MemoryWatchdogOptions = {}): MiddlewareObj {
  const {
    sampleIntervalMs = 100,
    warnRatio = 0.8,
    shedRatio = 0.9,
    leakWindow = 20,
    limitMb,
    logger,
    onReport,
  } = options
  const guard = 'memoryWatchdog'
  checkOption(
    sampleIntervalMs >= 0 && sampleIntervalMs < Infinity,
    guard,
    'sampleIntervalMs',
    'finite, >= 0',
    sampleIntervalMs,
  )
  checkOption(
    warnRatio > 0 && warnRatio <= shedRatio && shedRatio < Infinity,
    guard,
    'warnRatio',
    '> 0 and <= shedRatio (finite)',
    `${warnRatio}, shedRatio ${shedRatio}`,
  )
  checkOption(
    leakWindow === 0 || (Number.isSafeInteger(leakWindow) && leakWindow >= 2),
    guard,
    'leakWindow',
    '0 (off) or a whole number >= 2',
    leakWindow,
  )
  checkOption(limitMb === undefined || positiveNumber(limitMb) !== undefined, guard, 'limitMb', 'a number > 0', limitMb)
  const heapLimitMb = oldGenerationLimitMb()
  const trend = leakWindow === 0 ? undefined : leakTrend(leakWindow)
  // Per-invocation state lives on the request, under a key of this instance: a WeakMap costs ~3x more per call.
  const watchKey = Symbol('memoryWatchdog watch')
  // An array, not a Set: with one invocation at a time a Set's add/delete churn costs ~0.5 µs an invocation.
  const running: Watch[] = []
  const sampleEveryMs = Math.max(1, sampleIntervalMs)
  let invocations = 0
  let leakWarned = false
  // The latest reading, shared by every invocation of this instance.
  let rssMb = 0
  let heapUsedMb = 0
  let heapKeptMb = 0
  let nextReadingAt = 0
  let nextHeapReadingAt = 0

  function limitOf(context: Context): number | undefined {
    return (
      positiveNumber(context.memoryLimitInMB) ?? positiveNumber(process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE) ?? limitMb
    )
  }

  function judge(watch: Watch): void {
    if (rssMb > watch.peakRssMb) watch.peakRssMb = rssMb
    if (heapUsedMb > watch.peakHeapUsedMb) watch.peakHeapUsedMb = heapUsedMb
    if (rssMb < watch.lowestRssMb) watch.lowestRssMb = rssMb
    if (heapUsedMb < watch.lowestHeapUsedMb) watch.lowestHeapUsedMb = heapUsedMb
    const rssRatio = watch.limitMb === undefined ? 0 : rssMb / watch.limitMb
    const heapRatio = heapUsedMb / heapLimitMb
    const ratio = Math.max(rssRatio, heapRatio)
    if (ratio < warnRatio || (watch.warned && (watch.shed || ratio < shedRatio))) return
    const details: MemoryPressureDetails = {
      kind: rssRatio >= heapRatio ? 'rss' : 'heap',
      ratio,
      rssMb,
      limitMb: watch.limitMb,
      heapUsedMb,
      heapLimitMb,
    }
    const fields = { ...details, requestId: watch.requestId }
    if (!watch.warned) {
      watch.warned = true
      logWarning(logger, 'Memory use is high', fields)
    }
    // Shed only for pressure that came while the invocation ran: some reading of it was under `shedRatio`. One that
    // starts over it, on garbage an earlier invocation left (V8 collects only when it needs the room) or on memory it
    // did not take, would make no progress if shed: Lambda retries it into the same memory, shed again, forever. Run,
    // it lets V8 collect the garbage, and is shed if memory rises over `shedRatio` again; were the memory live, running
    // on risks what shedding cannot prevent anyway, and an out-of-memory exit gets the function a fresh runtime.
    const ownPressure =
      (rssRatio >= shedRatio && watch.lowestRssMb / (watch.limitMb ?? Infinity) < shedRatio) ||
      (heapRatio >= shedRatio && watch.lowestHeapUsedMb / heapLimitMb < shedRatio)
    if (ratio >= shedRatio && !watch.shed && ownPressure) {
      watch.shed = true
      watch.budget.abort(new MemoryPressureError(details))
      logWarning(logger, 'Memory pressure: budget aborted to shed load', fields)
    }
  }

  /**
   * Takes a reading: RSS and the whole heap when `full`, else the heap alone (what kills a Node process), cheap enough
   * for every 2 ms between full readings. Then judges every running invocation by it.
   */
  function read(now: number, full: boolean): void {
    nextHeapReadingAt = now + heapCheckIntervalMs
    if (full) {
      nextReadingAt = now + sampleIntervalMs
      rssMb = process.memoryUsage.rss() / MB
      ;({ usedMb: heapUsedMb, keptMb: heapKeptMb } = heapUsage())
    } else heapUsedMb = getHeapStatistics().used_heap_size / MB
    for (const watch of running) judge(watch)
  }

  /** The cheap check: one clock read unless a reading is due (the heap's every 2 ms, RSS's every `sampleIntervalMs`). */
  function check(): void {
    const now = Date.now()
    const full = now >= nextReadingAt
    if (full || now >= nextHeapReadingAt) read(now, full)
  }

  /**
   * A watch's alarm: samples unless another invocation's alarm just did (readings are shared), and sets the next one.
   * A watch whose deadline has passed belongs to an invocation Lambda has ended (or whose `after` and `onError` were
   * skipped): it is no longer watched, so a skipped cleanup cannot keep its budget's timer running.
   */
  function sample(watch: Watch): void {
    const now = Date.now()
    if (watch.budget.deadline <= now) {
      stopWatching(watch)
      return
    }
    if (now >= nextReadingAt - heapCheckIntervalMs) read(now, true)
    else judge(watch)
    watch.sample = watch.budget.alarm(Math.max(1, nextReadingAt - now), sample, watch, now)
  }

  function stopWatching(watch: Watch): void {
    const at = running.indexOf(watch)
    if (at === -1) return
    running[at] = running[running.length - 1] as Watch
    running.pop()
    watch.removeCheck()
    if (watch.sample !== undefined) watch.budget.cancelAlarm(watch.sample)
  }

  function memoryWatchdogBefore(request: Request): undefined {
    invocations++
    const budget = beginBudget(request)
    const watch: Watch = {
      budget,
      requestId: request.context.awsRequestId,
      limitMb: limitOf(request.context),
      coldStart: invocations === 1,
      peakRssMb: 0,
      peakHeapUsedMb: 0,
      lowestRssMb: Infinity,
      lowestHeapUsedMb: Infinity,
      warned: false,
      shed: false,
      removeCheck: budget.addCheck(check),
      sample: undefined,
    }
    const now = Date.now()
    // On the budget's one timer, which the timeout guard shares: one timer an invocation, not one per guard.
    watch.sample = budget.alarm(sampleEveryMs, sample, watch, now)
    ;(request.internal as Slots)[watchKey] = watch
    running.push(watch)
    if (now >= nextReadingAt) read(now, true)
    else judge(watch)
    return undefined
  }

  function report(watch: Watch, leakSuspected: boolean): void {
    if (onReport === undefined && logger === undefined) return
    const memory: MemoryReport = {
      requestId: watch.requestId,
      coldStart: watch.coldStart,
      peakRssMb: round(watch.peakRssMb),
      peakHeapUsedMb: round(watch.peakHeapUsedMb),
      limitMb: watch.limitMb,
      heapLimitMb: round(heapLimitMb),
      leakSuspected,
    }
    try {
      onReport?.(memory)
    } catch {
      // An observer's failure must not change the answer.
    }
    logDetail(logger, 'Memory report', { ...memory })
  }

  function memoryWatchdogSettle(request: Request): undefined {
    const slots = request.internal as Slots
    const watch = slots[watchKey] as Watch | undefined
    if (watch === undefined) return undefined
    slots[watchKey] = undefined
    const now = Date.now()
    const fresh = now >= nextReadingAt
    if (fresh) read(now, true)
    stopWatching(watch)
    let leakSuspected = false
    if (fresh && trend !== undefined && !watch.coldStart) {
      leakSuspected = trend.add(heapKeptMb)
      if (leakSuspected && !leakWarned) {
        leakWarned = true
        const readings = trend.readings()
        logWarning(logger, 'Heap keeps growing: possible leak', {
          window: readings.length,
          firstMb: round(readings[0] as number),
          lastMb: round(heapKeptMb),
          requestId: watch.requestId,
        })
      }
    }
    report(watch, leakSuspected)
    return undefined
  }

  return {
    name: 'memoryWatchdog',
    before: memoryWatchdogBefore,
    after: memoryWatchdogSettle,
    onError: memoryWatchdogSettle,
  }
}
