/**
 * Spotting a leak trend in the heap left by major garbage collections. Used by `memoryWatchdog()`.
 *
 * Why after a major collection: between two of them the old generation only grows. Objects promoted from the young
 * generation stay counted until the next major (mark-compact) collection even when they are garbage, so a busy
 * function with no leak shows a heap that climbs for dozens of invocations. Right after a major collection the old
 * generation holds what is live (and little else): a leak is that baseline rising.
 *
 * @module
 */
import { constants, PerformanceObserver, type PerformanceObserverEntryList } from 'node:perf_hooks'
import type { StructuredLogger } from '../logger.js'
import { heapUsage } from './heap.js'
import { round } from './memory-summary.js'

/** The last `size` heap readings, oldest first once full, and whether they keep growing. */
export interface LeakTrend {
  /** Adds a reading in MB and tells whether the window now shows a growing heap. */
  add(heapUsedMb: number): boolean
  /** The readings held, oldest first. */
  readings(): number[]
}

/** How many of the sorted `values` are below `value`. */
function countBelow(sorted: readonly number[], value: number): number {
  let low = 0
  let high = sorted.length
  while (low < high) {
    const middle = (low + high) >>> 1
    if ((sorted[middle] as number) < value) low = middle + 1
    else high = middle
  }
  return low
}

/**
 * How much higher a newer reading must be to count as higher, in MB: the precision the warning reports. With no leak
 * the heap major collections leave still creeps up by a kilobyte or so a collection (V8's own bookkeeping, code
 * compiled as the function warms), which would otherwise put every newer reading above the older ones of its kind.
 */
const marginMb = 0.1

/**
 * A window of the last `size` readings (`size >= 2`). It shows a leak trend when it is full and its newer half is
 * above its older half: of the pairs of an older and a newer reading, at least 95% have the newer one higher by more
 * than `marginMb` (every pair, for a window under 10). Ranks, not a mean or a slope: a reading far off the rest weighs
 * no more than its pairs, one newer reading dipping a little does not clear a leak, and readings that merely wander
 * within a band (what a collection finds live depends on what was in flight) do not look like one. Sorted halves: a
 * reading costs O(size log size).
 */
export function leakTrend(size: number): LeakTrend {
  const held: number[] = []
  const half = Math.floor(size / 2)
  /** How many pairs may have the newer reading not higher: 5%, rounded down. */
  const allowed = Math.floor((half * half) / 20)
  return {
    add(heapUsedMb) {
      held.push(heapUsedMb)
      if (held.length > size) held.shift()
      if (held.length < size) return false
      const older = held.slice(0, half).sort((x, y) => x - y)
      let notHigher = 0
      for (const mb of held.slice(size - half)) {
        notHigher += half - countBelow(older, mb - marginMb)
        if (notHigher > allowed) return false
      }
      return true
    },
    readings: () => [...held],
  }
}

/**
 * One watchdog's leak trend, fed with the heap as major collections leave it. A `PerformanceObserver` of `gc` entries,
 * made by the first `observe()`, reads the kept heap (every space but the young ones) when Node reports a major
 * collection. Node reports it asynchronously, a turn of the event loop after the collection, so the reading also holds
 * what was allocated in between: little next to the live set. A collection reported while more than one invocation
 * runs is not read: theirs would hold their live objects, not a leak. At the end of each warm invocation, `settle`
 * feeds the newest reading not fed yet, if any: at most one reading an invocation, one per major collection; the watch
 * warns once the window has shown the trend for a quarter of its readings in a row. With no major collection there is
 * no reading: a function that never fills its heap enough for one gives no evidence either way, and gets no warning.
 * The per-invocation cost is one comparison; the observer costs nothing between collections.
 *
 * The observer holds the watch only weakly: once the watchdog is dropped and collected, the observer disconnects at
 * the next collection it reports. Observers do not keep the process alive.
 */
export class LeakWatch {
  readonly #trend: LeakTrend
  /** The invocations the monitor is watching; read, never changed, here. */
  readonly #running: readonly unknown[]
  /** How many readings in a row must show the trend: a quarter of the window, at least one. */
  readonly #confirm: number
  #observing = false
  /** The newest reading after a major collection, not fed yet; `NaN` when there is none. */
  #pendingMb = Number.NaN
  /** How many readings in a row have shown the trend. */
  #streak = 0
  #warned = false

  constructor(size: number, running: readonly unknown[]) {
    this.#trend = leakTrend(size)
    this.#confirm = Math.max(1, Math.floor(size / 4))
    this.#running = running
  }

  /** Starts reading the heap after major collections: called when the first warm invocation starts. Once. */
  observe(): void {
    if (this.#observing) return
    this.#observing = true
    const watch = new WeakRef(this)
    const observer = new PerformanceObserver((list) => {
      const self = watch.deref()
      if (self === undefined) observer.disconnect()
      else self.#collected(list)
    })
    observer.observe({ entryTypes: ['gc'] })
  }

  #collected(list: PerformanceObserverEntryList): void {
    if (this.#running.length > 1) return
    for (const entry of list.getEntries())
      if ((entry as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
        this.#pendingMb = heapUsage().keptMb
        return
      }
  }

  /**
   * At the end of a warm invocation: feeds the newest reading not fed yet, warns once when the window has shown a leak
   * trend for a quarter of its readings in a row, and tells whether it (still) does. In a row: a leak keeps the newer
   * half above the older half as the window slides on; a baseline that steps up once (code compiled while the function
   * warms up, a cache filling to its bound, V8 changing how it allocates) lines up with the window's middle for only a
   * reading or two. Measured with 1 MB semi-spaces, ~400 major collections in 3,000 invocations of a function that
   * keeps nothing: with every pair required and no run of readings, 2 runs in 10 had such a one-reading trend; a
   * leak of 80 KB an invocation went unseen for 60 to 150 readings, its rise under the band the readings wander in.
   */
  settle(requestId: string, logger: StructuredLogger): boolean {
    const mb = this.#pendingMb
    if (Number.isNaN(mb)) return this.#streak >= this.#confirm
    this.#pendingMb = Number.NaN
    this.#streak = this.#trend.add(mb) ? this.#streak + 1 : 0
    const suspected = this.#streak >= this.#confirm
    if (suspected && !this.#warned) {
      this.#warned = true
      const readings = this.#trend.readings()
      logger.warn('Heap keeps growing: possible leak', {
        window: readings.length,
        firstMb: round(readings[0] as number),
        lastMb: round(mb),
        requestId,
      })
    }
    return suspected
  }
}
