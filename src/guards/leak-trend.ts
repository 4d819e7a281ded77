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
  const ring = new Float64Array(size)
  let count = 0

  function ordered(): number[] {
    const held = Math.min(count, size)
    const start = count > size ? count % size : 0
    const out: number[] = []
    for (let i = 0; i < held; i++) out.push(ring[(start + i) % size] as number)
    return out
  }

  return {
    add(heapUsedMb) {
      ring[count % size] = heapUsedMb
      count++
      if (count < size) return false
      const window = ordered()
      const half = Math.floor(size / 2)
      let olderMax = Number.NEGATIVE_INFINITY
      for (let i = 0; i < half; i++) olderMax = Math.max(olderMax, window[i] as number)
      for (let i = size - half; i < size; i++) if ((window[i] as number) <= olderMax) return false
      return true
    },
    readings: ordered,
  }
}
