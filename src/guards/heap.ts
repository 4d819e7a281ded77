/**
 * How full the V8 heap is, against the limit that matters. Used by `memoryWatchdog()`.
 *
 * V8 dies ("JavaScript heap out of memory") when what survives garbage collection no longer fits in the old
 * generation, whose limit is `--max-old-space-size`. The limit V8 reports (`heap_size_limit`) is larger: it adds the
 * young generation's reserve, three semi-spaces (48 MB with Node 22's defaults). Measured: a process started with
 * `--max-old-space-size=48` reports a 96 MB limit and dies with about 60 MB in use, so the whole heap against
 * `heap_size_limit` would never reach a 0.9 warning. The watchdog compares the whole heap in use (young objects
 * included: when they survive, they must fit in the old generation too) with `--max-old-space-size`. Lambda's Node
 * runtime sets that flag to about 90% of the function memory.
 *
 * @module
 */
import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8'

const MB = 1024 * 1024

/** V8's default semi-space size in MB on 64-bit Node 22 when `--max-semi-space-size` is not given. */
const defaultSemiSpaceMb = 16

/** The last value of a numeric V8 flag (`--max-old-space-size=115` or `--max_old_space_size=115`) in `flags`. */
function flagValue(flags: readonly string[], name: string): number | undefined {
  const pattern = new RegExp(`^--${name.replaceAll('-', '[-_]')}=(\\d+(?:\\.\\d+)?)$`)
  let value: number | undefined
  for (const flag of flags) {
    const match = pattern.exec(flag)
    if (match) value = Number(match[1])
  }
  return value
}

/**
 * The old generation's limit in MB: `--max-old-space-size` when the process was started with it (in `NODE_OPTIONS`
 * or on the command line, which wins), else V8's heap limit minus the young generation's reserve (three semi-spaces
 * of `--max-semi-space-size`, 16 MB by default).
 */
export function oldGenerationLimitMb(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string | undefined = process.env.NODE_OPTIONS,
): number {
  const flags = [...(nodeOptions ?? '').split(/\s+/), ...execArgv]
  const oldSpaceMb = flagValue(flags, 'max-old-space-size')
  if (oldSpaceMb !== undefined && oldSpaceMb > 0) return oldSpaceMb
  const semiSpaceMb = flagValue(flags, 'max-semi-space-size') ?? defaultSemiSpaceMb
  const limitMb = getHeapStatistics().heap_size_limit / MB
  return Math.max(limitMb / 2, limitMb - 3 * semiSpaceMb)
}

/** The V8 heap in use, in MB: `usedMb` for all of it, `keptMb` without the young generation. */
export interface HeapUsage {
  /** Every heap space: what must fit under the old generation's limit if it all survives. */
  readonly usedMb: number
  /**
   * Every space but the young ones: objects that survived garbage collection or were big enough to go straight to
   * the old generation. It grows between two major collections even with no leak (promoted objects stay counted
   * until the next one, garbage or not), so the leak trend reads it right after a major collection, when it is close
   * to what is live.
   */
  readonly keptMb: number
}

/** Reads the heap, in about 2 µs. */
export function heapUsage(): HeapUsage {
  let used = 0
  let young = 0
  for (const space of getHeapSpaceStatistics()) {
    used += space.space_used_size
    if (space.space_name === 'new_space' || space.space_name === 'new_large_object_space')
      young += space.space_used_size
  }
  return { usedMb: used / MB, keptMb: (used - young) / MB }
}
