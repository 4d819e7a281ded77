/**
 * Suite 6 — memory pressure. A child process with a 128 MB heap (`--max-old-space-size=128`) runs a Kinesis function
 * (`timeoutGuard()`, `memoryWatchdog()` with its defaults, `fanOut()`) on a batch of 200 records that each build and
 * keep about 6 MB until the invocation ends: the batch would need ten times the heap. The watchdog must shed load
 * before V8 runs out of heap; the shed records must be reported in `batchItemFailures`, and retried the way Lambda
 * retries (from the lowest reported record) until every record is done: none lost, none out of order, and the process
 * never dies of out-of-memory. The control run, without the watchdog, dies: the pressure is real.
 */
import { spawnSync } from 'node:child_process'
import { printFigures } from './helpers/figures.js'

const root = new URL('../..', import.meta.url).pathname
const records = 200

function runChild(watchdog: boolean) {
  const child = spawnSync(
    process.execPath,
    [
      '--max-old-space-size=128',
      '--import',
      'tsx',
      'test/reliability/fixtures/memory-pressure.ts',
      String(records),
      ...(watchdog ? [] : ['--no-watchdog']),
    ],
    { cwd: root, encoding: 'utf8', timeout: 300_000, env: { ...process.env, NODE_OPTIONS: '' } },
  )
  const line = child.stdout.split('\n').find((text) => text.startsWith('{'))
  return {
    status: child.status,
    signal: child.signal,
    outOfMemory: child.stderr.includes('heap out of memory'),
    report: line === undefined ? undefined : (JSON.parse(line) as Record<string, number | boolean>),
  }
}

describe('suite 6: memory pressure', () => {
  it('sheds load before the heap runs out, reports what it did not process, and loses nothing', () => {
    const control = runChild(false)
    const guarded = runChild(true)
    const report = guarded.report ?? {}
    printFigures('memory-pressure', {
      events: records,
      faults: { heapLimitMb: 128, keptPerRecordMb: 6, controlDied: control.outOfMemory ? 'out-of-memory' : 'no' },
      lost: Number(report.lost),
      duplicated: Number(report.duplicated),
      orderViolations: Number(report.orderViolations),
      invocations: Number(report.invocations),
      shed: Number(report.shed),
      peakHeapMb: Number(report.peakHeapMb),
    })

    // Without the watchdog the same batch kills the process: the pressure is real.
    expect(control.report).toBeUndefined()
    expect(control.outOfMemory).toBe(true)

    expect({ status: guarded.status, outOfMemory: guarded.outOfMemory }).toEqual({ status: 0, outOfMemory: false })
    expect(report).toMatchObject({ records, processed: records, lost: 0, orderViolations: 0, errors: 0 })
    // Load was shed, many times over: the batch took many invocations, each reporting what it left.
    expect(Number(report.shed)).toBeGreaterThan(5)
    expect(Number(report.invocations)).toBeGreaterThan(Number(report.shed))
  })
})
