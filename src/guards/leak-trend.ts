/**
 * Spotting a leak trend in the heap left after each warm invocation. Used by `memoryWatchdog()`.
 *
 * @module
 */

/** The last `size` post-invocation heap readings, oldest first once full, and whether they keep growing. */
export interface LeakTrend {
  /** Adds a reading in MB and tells whether the window now shows a growing heap. */
  add(heapUsedMb: number): boolean
  /** The readings held, oldest first. */
  readings(): number[]
}

/**
 * A window of the last `size` readings (`size >= 2`). It shows a leak trend when it is full and every reading of its
 * newer half is above every reading of its older half: garbage collection makes the heap saw up and down, so a
 * single drop does not clear a leak, and a heap that merely saws within a band does not look like one.
 */
export function leakTrend(size: number): LeakTrend {
  const held: number[] = []
  const half = Math.floor(size / 2)
  return {
    add(heapUsedMb) {
      held.push(heapUsedMb)
      if (held.length > size) held.shift()
      if (held.length < size) return false
      const olderMax = Math.max(...held.slice(0, half))
      return held.slice(size - half).every((mb) => mb > olderMax)
    },
    readings: () => [...held],
  }
}
