/**
 * Suite 5 — soak. 100,000 warm invocations through the full guard stack in one process (`fixtures/soak.ts`, a child
 * run with `--expose-gc`, so that the heap can be measured after a forced collection): an HTTP function and a Kinesis
 * function, with warm-up pings, invalid requests, throwing handlers, failing records and soft-deadline drains. After
 * them, compared with after the first 2,000: heap growth under 5 MB, no timer (unref'd ones included), handle or
 * process listener left behind, and no `MaxListenersExceededWarning` (nor any other process warning).
 */
import { spawnSync } from 'node:child_process'
import { printFigures } from './helpers/figures.js'

const root = new URL('../..', import.meta.url).pathname
const invocations = Number(process.env.SOAK_INVOCATIONS ?? 100_000)

interface Snapshot {
  heapMb: number
  handles: Record<string, number>
  listeners: Record<string, number>
  timers: number
}

describe('suite 5: soak', () => {
  it(`runs ${invocations} warm invocations without growing the heap or leaving anything behind`, () => {
    const child = spawnSync(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', 'test/reliability/fixtures/soak.ts', String(invocations)],
      // The guards log JSON lines by default; at 100,000 invocations their warnings alone overflow spawnSync's 1 MB
      // buffer (the child was killed: status null). The soak measures the heap, not the logger: silence it.
      {
        cwd: root,
        encoding: 'utf8',
        timeout: 480_000,
        maxBuffer: 64 * 1024 * 1024,
        env: { ...process.env, NODE_OPTIONS: '', POWERTOOLS_LOG_LEVEL: 'SILENT' },
      },
    )
    expect({ status: child.status, stderr: child.stderr.slice(-2000) }).toEqual({
      status: 0,
      stderr: expect.any(String),
    })
    const report = JSON.parse(child.stdout.trim().split('\n').at(-1) ?? '{}') as {
      invocations: number
      seconds: number
      outcomes: { ok: number; error: number; timeout: number; drained: number }
      before: Snapshot
      after: Snapshot
      warnings: string[]
    }
    const growthMb = report.after.heapMb - report.before.heapMb
    printFigures('soak', {
      events: report.invocations,
      faults: { throwing: Math.floor(invocations / 11), drained: report.outcomes.drained },
      lost: 0,
      duplicated: 0,
      orderViolations: 'n/a',
      heapGrowthMb: growthMb.toFixed(2),
      timersLeft: report.after.timers,
      warnings: report.warnings.length,
      seconds: report.seconds.toFixed(1),
    })

    expect(report.invocations).toBe(invocations)
    // Every invocation answered: the guard stack turned throws and timeouts into answers, none reached the runtime.
    expect(report.outcomes).toMatchObject({ ok: invocations, error: 0, timeout: 0 })
    expect(report.outcomes.drained).toBeGreaterThan(0)
    expect(growthMb).toBeLessThan(5)
    expect(report.after.timers).toBe(report.before.timers)
    expect(report.after.handles).toEqual(report.before.handles)
    expect(report.after.listeners).toEqual(report.before.listeners)
    expect(report.warnings).toEqual([])
  })
})
