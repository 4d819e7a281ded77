import { type BundledChild, bundleChild } from '../helpers/child.js'

/**
 * The leak trend on real V8 garbage collections, in child processes (see `leak-child.ts`): each workload has a heap of
 * its own, with `--max-old-space-size=256` as Lambda's Node runtime sets for a function of about 288 MB. The trend
 * reads the heap right after each major collection; before, it read the heap kept at the end of each warm
 * invocation, which only grows between two major collections (promoted garbage stays counted until the next one),
 * so a busy function with no leak got a "possible leak" warning. No timing is asserted: only what was logged.
 */

let child: BundledChild

beforeAll(async () => {
  child = await bundleChild(new URL('./leak-child.ts', import.meta.url))
})

afterAll(() => child.remove())

/** Runs the child with `--max-old-space-size=256`; one that has not ended after 100 s (it should take a few) is killed. */
function runChild(flags: string[], ...args: string[]) {
  return child.run<Record<string, unknown>>(['--max-old-space-size=256', ...flags], args)
}

describe('memoryWatchdog(): the leak trend on real garbage collections', () => {
  it('warns once for a leak; not for a busy function that keeps nothing, nor for a heap that steps up once', async () => {
    const [garbage, leak, step] = await Promise.all([
      runChild([], 'garbage', '1500'),
      runChild([], 'leak', '1000'),
      runChild([], 'step', '1500'),
    ])
    for (const { exitCode, signal, stderr } of [garbage, leak, step])
      expect({ exitCode, signal, stderr }).toMatchObject({ exitCode: 0, signal: null, stderr: '' })

    // The regression: promoted garbage made the heap kept at the end of an invocation climb for dozens of
    // invocations between two major collections, and the default window of 20 called that a leak.
    expect(garbage.result).toMatchObject({ mode: 'garbage', warnings: [], suspected: 0 })
    // Not for lack of evidence: V8 made enough major collections to fill the window of 20 readings twice over.
    expect(Number(garbage.result?.majorGcs)).toBeGreaterThanOrEqual(40)

    // A heap that steps up by 20 MB once and stays there: the window's newer half is above its older half while the
    // step sits in its middle, a reading or two, not the quarter of the window in a row a rising heap keeps.
    expect(step.result).toMatchObject({ mode: 'step', warnings: [], suspected: 0, keptObjects: 1 })
    expect(Number(step.result?.majorGcs)).toBeGreaterThanOrEqual(40)

    // A real leak: the heap left by each major collection rises, and the watchdog says so once.
    const warnings = leak.result?.warnings as { window: number; firstMb: number; lastMb: number }[]
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatchObject({ window: 20 })
    expect(Number(warnings[0]?.lastMb) - Number(warnings[0]?.firstMb)).toBeGreaterThan(5)
    expect(Number(leak.result?.suspected)).toBeGreaterThan(0)
    expect(leak.result?.keptObjects).toBe(1_000_000)
  }, 200_000) // a few seconds each on an idle machine; the slack is for a busy one

  it('gives each watchdog one GC observer, which goes when the watchdog is dropped, and never holds the process', async () => {
    const many = await runChild(['--expose-gc'], 'many')
    // The child ended by itself (no process.exit): no observer kept it alive.
    expect({ exitCode: many.exitCode, signal: many.signal, stderr: many.stderr }).toEqual({
      exitCode: 0,
      signal: null,
      stderr: '',
    })
    // 200 watchdogs, one observer each (made at the first warm invocation, not one per invocation); 199 dropped and
    // collected, their observers disconnected; the one still in use keeps its own.
    expect(many.result).toEqual({ mode: 'many', observed: 200, disconnected: 199 })
  }, 200_000)
})
