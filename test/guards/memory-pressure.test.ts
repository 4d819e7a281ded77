import { type BundledChild, bundleChild } from '../helpers/child.js'

/**
 * Real memory pressure, in child processes: a small `--max-old-space-size` (64 MB) makes V8 die for real when the
 * heap fills, and a small `memoryLimitInMB` stands for the function memory (RSS is not capped here, so the RSS case
 * shows the watchdog shedding before RSS reaches the limit). The child script is bundled once with esbuild, so each
 * child starts in a fraction of a second instead of loading a TypeScript loader.
 */

/** The JSON line the child prints, when it lives to print it. */
interface Result {
  aborted: boolean
  chunks: number
  code?: string
  details?: Record<string, number | string>
}

let child: BundledChild

beforeAll(async () => {
  child = await bundleChild(new URL('./memory-child.ts', import.meta.url))
})

afterAll(() => child.remove())

function runChild(mode: string, memoryLimitInMB: number, watchdog: 'on' | 'off') {
  return child.run<Result>(['--max-old-space-size=64'], [mode, String(memoryLimitInMB), watchdog])
}

describe('memoryWatchdog() under real memory pressure', () => {
  it('aborts the budget before V8 runs out of heap, from the check and from its own timer; without it the process dies', async () => {
    const [control, heap, heapTimer, rss] = await Promise.all([
      runChild('heap', 4096, 'off'),
      runChild('heap', 4096, 'on'),
      runChild('heap-timer', 4096, 'on'),
      runChild('rss', 250, 'on'),
    ])

    // The control: the same allocation without the watchdog kills the process, so the pressure is real.
    expect(control.result).toBeUndefined()
    expect(control.exitCode === 0 && control.signal === null).toBe(false)
    expect(control.stderr).toContain('heap out of memory')

    for (const { result, exitCode, stderr } of [heap, heapTimer]) {
      expect({ exitCode, stderr: stderr.includes('out of memory') }).toEqual({ exitCode: 0, stderr: false })
      expect(result).toMatchObject({ aborted: true, code: 'SDR_MEMORY_PRESSURE', details: { kind: 'heap' } })
      expect(Number(result?.details?.ratio)).toBeGreaterThanOrEqual(0.9)
      expect(result?.details?.heapLimitMb).toBe(64) // the old generation's limit, not V8's 112 MB heap_size_limit
    }

    // RSS: buffers live outside the V8 heap, so only RSS shows them; the watchdog sheds before RSS reaches the limit.
    expect(rss.exitCode).toBe(0)
    expect(rss.result).toMatchObject({ aborted: true, details: { kind: 'rss', limitMb: 250 } })
    expect(Number(rss.result?.details?.rssMb)).toBeLessThan(250)
    expect(Number(rss.result?.details?.ratio)).toBeGreaterThanOrEqual(0.9)
  }, 60_000) // about 3 s on an idle machine; the slack is for a busy one

  it('sheds a steady fast allocator in time with the default options, from its cheap heap readings', async () => {
    // Found by the memory-pressure suite (test/reliability/memory-pressure.test.ts): the check read memory only every
    // sampleIntervalMs (100 ms by default), and at about 1 MB a millisecond the heap filled between two readings: the
    // process died. The check now also reads the heap alone (0.4 µs) every 2 ms.
    const paced = await runChild('heap-paced', 4096, 'on')
    expect({ exitCode: paced.exitCode, oom: paced.stderr.includes('out of memory') }).toEqual({
      exitCode: 0,
      oom: false,
    })
    expect(paced.result).toMatchObject({ aborted: true, code: 'SDR_MEMORY_PRESSURE', details: { kind: 'heap' } })
  }, 60_000)
})
