import { monitorEventLoopDelay } from 'node:perf_hooks'

/** Resolves after `ms` milliseconds on a timer of its own (ref'd, gone once it fires; 0: a macrotask turn). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** What {@link lagMeter} returns. */
export interface LagMeter {
  /**
   * Event-loop lag in ms since the meter started: the larger of how late its reference timer fired and the longest
   * single stall of the loop meanwhile. Waits for the reference timer, so call it once the timed step is over.
   */
  ms(): Promise<number>
}

/**
 * Measures the event-loop lag of this run around a timed step. A loaded machine (other processes on the cores, a GC
 * pause) fires every timer late, which no code under test can avoid, so a test asserting an upper bound on elapsed
 * time allows for the lag measured here, in the same run, and nothing more: `elapsed < bound + await lag.ms()`.
 *
 * Start it where the timed step starts, with `expectedMs` the time the step should take on an idle machine (a
 * reference timer is armed for it; the test waits for it in `ms()`). On an idle machine the allowance is a few ms.
 */
export function lagMeter(expectedMs: number): LagMeter {
  const startedAt = performance.now()
  const stalls = monitorEventLoopDelay({ resolution: 10 })
  stalls.enable()
  const reference = new Promise<number>((resolve) => setTimeout(() => resolve(performance.now()), expectedMs))
  return {
    async ms() {
      const firedAt = await reference
      stalls.disable()
      const longestStallMs = stalls.count > 0 ? stalls.max / 1e6 : 0
      return Math.max(0, firedAt - startedAt - expectedMs, longestStallMs)
    },
  }
}
