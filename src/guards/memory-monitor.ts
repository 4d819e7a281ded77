/**
 * The memory watchdog's logic as a plain object, without Middy: `start` watching an invocation, `stop` and get its
 * summary. `memoryWatchdog()` is a thin adapter over it.
 *
 * @module
 */
import { getHeapStatistics } from 'node:v8'
import type { Context } from 'aws-lambda'
import { type BudgetInternals, beginBudget } from '../budget/invocation.js'
import { type MemoryPressureDetails, MemoryPressureError } from '../errors.js'
import type { StructuredLogger } from '../logger.js'
import { oldGenerationLimitMb } from './heap.js'
import { LeakWatch } from './leak-trend.js'
import { reportSummary } from './memory-summary.js'
import type { MemorySummary } from './memory-types.js'
import { invocationsToShed, type Sheddable } from './shed-policy.js'

/** The monitor's settings: the watchdog's options with their defaults applied and the logger resolved. */
export interface MonitorSettings {
  readonly memoryMb: number | undefined
  readonly sampleIntervalMs: number
  readonly warnRatio: number
  readonly shedRatio: number
  readonly shedAllRatio: number
  readonly leakWindow: number
  readonly onSummary: ((summary: MemorySummary) => void) | undefined
  readonly logger: StructuredLogger
}

/** One running invocation, as the monitor sees it. */
export interface Watch extends Sheddable {
  readonly budget: BudgetInternals
  readonly requestId: string
  readonly limitMb: number | undefined
  readonly coldStart: boolean
  peakRssMb: number
  peakHeapUsedMb: number
  /** The lowest readings while it ran: it is shed only for pressure that came while it ran (see `assess`). */
  lowestRssMb: number
  lowestHeapUsedMb: number
  warned: boolean
  shed: boolean
  pressure: number
}

const MB = 1024 * 1024

/**
 * How often the cheap check reads the V8 heap alone between full readings: a heap reading costs about 0.4 µs, and a
 * handler allocating a megabyte a millisecond fills a Lambda-sized heap's last 10% well within `sampleIntervalMs`.
 */
const heapCheckIntervalMs = 2

/** A positive finite number from a number or a numeric string (`context.memoryLimitInMB` is a string). */
function positiveNumber(value: unknown): number | undefined {
  const number = typeof value === 'string' ? Number(value) : value
  return typeof number === 'number' && number > 0 && Number.isFinite(number) ? number : undefined
}

/**
 * Watches the memory of the invocations it is told about; see `memoryWatchdog()` for what it does. One per watchdog:
 * its readings are shared by every invocation that watchdog sees.
 */
export class MemoryMonitor {
  readonly #settings: MonitorSettings
  readonly #heapLimitMb = oldGenerationLimitMb()
  // An array, not a Set: with one invocation at a time a Set's add/delete churn costs ~0.5 µs an invocation.
  readonly #running: Watch[] = []
  /** The leak trend, on the heap major collections leave; `undefined` when `leakWindow` is 0. */
  readonly #leak: LeakWatch | undefined
  /** Set when a shed invocation ends: the next shed waits for a full reading (its garbage may still be counted). */
  #awaitFull = false
  /** The one timer that samples memory while any invocation is watched. */
  #sampler: NodeJS.Timeout | undefined
  #invocations = 0
  // The latest reading, shared by every invocation.
  #rssMb = 0
  #heapUsedMb = 0
  #nextReadingAt = 0
  #nextHeapReadingAt = 0

  constructor(settings: MonitorSettings) {
    this.#settings = settings
    this.#leak = settings.leakWindow === 0 ? undefined : new LeakWatch(settings.leakWindow, this.#running)
  }

  /** The cheap check `budget.check()` runs: one clock read unless a reading is due. */
  readonly #check = (): void => {
    const now = Date.now()
    const full = now >= this.#nextReadingAt
    if (full || now >= this.#nextHeapReadingAt) this.#read(now, full)
  }

  /**
   * The sampler's timer: reads memory for every watched invocation (readings are shared) and sets the next reading,
   * while any invocation is watched. A watch whose deadline has passed belongs to an invocation Lambda has ended (or
   * whose `after` and `onError` were skipped): it is no longer watched, so a skipped cleanup cannot keep the sampler
   * running.
   */
  readonly #sample = (): void => {
    this.#sampler = undefined
    const now = Date.now()
    for (const watch of this.#running.filter((running) => running.budget.deadline <= now)) this.#unwatch(watch)
    if (this.#running.length === 0) return
    if (now >= this.#nextReadingAt - heapCheckIntervalMs) this.#read(now, true)
    this.#schedule(now)
  }

  /** Arms the sampler for the next reading unless it is armed: one timer for every invocation watched. */
  #schedule(now: number): void {
    if (this.#sampler !== undefined) return
    this.#sampler = setTimeout(this.#sample, Math.max(1, this.#nextReadingAt - now)).unref()
  }

  /** Starts watching the invocation of `request`. */
  start(request: { readonly context: Context }): Watch {
    // The GC observer comes with the first warm invocation: collections before it count what starting up left.
    if (++this.#invocations === 2) this.#leak?.observe()
    const { context } = request
    const budget = beginBudget(request)
    const watch: Watch = {
      budget,
      requestId: context.awsRequestId,
      limitMb:
        positiveNumber(context.memoryLimitInMB) ??
        positiveNumber(process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE) ??
        this.#settings.memoryMb,
      coldStart: this.#invocations === 1,
      order: this.#invocations,
      peakRssMb: 0,
      peakHeapUsedMb: 0,
      lowestRssMb: Infinity,
      lowestHeapUsedMb: Infinity,
      warned: false,
      shed: false,
      pressure: 0,
    }
    budget.addCheck(this.#check)
    this.#running.push(watch)
    // An armed sampler takes the next reading when it falls due; this one starts from the latest, shared reading.
    if (this.#sampler !== undefined) this.#assess(watch)
    else {
      const now = Date.now()
      if (now >= this.#nextReadingAt) this.#read(now, true)
      else this.#assess(watch)
      this.#schedule(now)
    }
    return watch
  }

  /**
   * Stops watching (its last reading is the sampler's latest: the sampler was armed all along), feeds the leak trend
   * the heap the latest major collection left (when there was one since the last feed), and reports the summary.
   */
  stop(watch: Watch): void {
    this.#unwatch(watch)
    const { onSummary, logger } = this.#settings
    const leakSuspected = this.#leak !== undefined && !watch.coldStart && this.#leak.settle(watch.requestId, logger)
    reportSummary(watch, this.#heapLimitMb, leakSuspected, onSummary, logger)
  }

  #unwatch(watch: Watch): void {
    const running = this.#running
    const at = running.indexOf(watch)
    if (at === -1) return
    running[at] = running[running.length - 1] as Watch
    running.pop()
    watch.budget.removeCheck(this.#check)
    if (watch.shed) this.#awaitFull = true
  }

  /** A reading: RSS and heap when `full`, else the heap alone (cheap enough every 2 ms); assess, then shed by the policy. */
  #read(now: number, full: boolean): void {
    this.#nextHeapReadingAt = now + heapCheckIntervalMs
    if (full) {
      this.#awaitFull = false
      this.#nextReadingAt = now + this.#settings.sampleIntervalMs
      this.#rssMb = process.memoryUsage.rss() / MB
    }
    this.#heapUsedMb = getHeapStatistics().used_heap_size / MB
    for (const watch of this.#running) this.#assess(watch)
    for (const watch of invocationsToShed(this.#running, this.#settings, !this.#awaitFull)) this.#shed(watch)
  }

  /**
   * Updates a watch's peaks and pressure by the latest reading; warns once at `warnRatio`. Whom to shed is decided
   * once a reading has assessed every running watch (`invocationsToShed`).
   */
  #assess(watch: Watch): void {
    const rssMb = this.#rssMb
    const heapUsedMb = this.#heapUsedMb
    const heapLimitMb = this.#heapLimitMb
    const { warnRatio, shedRatio, logger } = this.#settings
    if (rssMb > watch.peakRssMb) watch.peakRssMb = rssMb
    if (heapUsedMb > watch.peakHeapUsedMb) watch.peakHeapUsedMb = heapUsedMb
    if (rssMb < watch.lowestRssMb) watch.lowestRssMb = rssMb
    if (heapUsedMb < watch.lowestHeapUsedMb) watch.lowestHeapUsedMb = heapUsedMb
    const rssRatio = watch.limitMb === undefined ? 0 : rssMb / watch.limitMb
    const heapRatio = heapUsedMb / heapLimitMb
    const ratio = Math.max(rssRatio, heapRatio)
    // Pressure counts only when it came while the invocation ran: some reading of it was under `shedRatio`. One that
    // starts over it, on garbage an earlier invocation left (V8 collects only when it needs the room) or on memory it
    // did not take, would make no progress if shed: Lambda retries it into the same memory, shed again, forever. Run,
    // it lets V8 collect the garbage, and is shed if memory rises over `shedRatio` again; were the memory live, running
    // on risks what shedding cannot prevent anyway, and an out-of-memory exit gets the function a fresh runtime.
    const ownPressure =
      (rssRatio >= shedRatio && watch.lowestRssMb / (watch.limitMb ?? Infinity) < shedRatio) ||
      (heapRatio >= shedRatio && watch.lowestHeapUsedMb / heapLimitMb < shedRatio)
    watch.pressure = ownPressure ? ratio : 0
    if (ratio < warnRatio || watch.warned) return
    watch.warned = true
    logger.warn('Memory use is high', { ...this.#details(watch), requestId: watch.requestId })
  }

  /** Aborts a watch's budget with a `MemoryPressureError` (see `shed-policy.ts` for whom and when). */
  #shed(watch: Watch): void {
    const details = this.#details(watch)
    watch.shed = true
    watch.budget.abort(new MemoryPressureError(details))
    this.#settings.logger.warn('Memory pressure: budget aborted to shed load', {
      ...details,
      requestId: watch.requestId,
      running: this.#running.length,
    })
  }

  /** What the latest reading says, against the watch's limits. */
  #details(watch: Watch): MemoryPressureDetails {
    const { limitMb } = watch
    const rssMb = this.#rssMb
    const heapUsedMb = this.#heapUsedMb
    const heapLimitMb = this.#heapLimitMb
    const rssRatio = limitMb === undefined ? 0 : rssMb / limitMb
    const heapRatio = heapUsedMb / heapLimitMb
    const kind = rssRatio >= heapRatio ? 'rss' : 'heap'
    return { kind, ratio: Math.max(rssRatio, heapRatio), rssMb, limitMb, heapUsedMb, heapLimitMb }
  }
}
