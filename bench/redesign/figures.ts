/**
 * The redesign section's figures, made from the samples of `timing.ts` and the sizes of `share.ts`: each "after" row
 * compared to its "before" row, and the differences issue 15's rule is written in (µs per invocation, % of a batch).
 *
 * @module
 */
import { type Figure, fmt } from '../lib/report.js'
import { medianFigure, summarize } from '../lib/stats.js'
import { recipes } from './share.js'

export const GUARDS =
  'Redesign, guard stack: warmup + timeoutGuard + memoryWatchdog, API Gateway 2.0 event, CPU per invocation'
export const CPU = 'Redesign, fanOut CPU: 10,000 Kinesis records, decode + zod + no-op async handler, CPU per batch'
export const IO = 'Redesign, fanOut I/O: 2,000 records, 5 ms wait each, concurrency 64, wall time per batch'
export const SHARE = "Redesign, library share of each recipe's bundle: minified, bytes from src/"

/** The name of the Middy stack every guard stack is compared to. */
export const GUARD_BASELINE = 'baseline: @middy/warmup + core timeoutEarlyInMillis'

/** The per-round differences `after[i] − before[i]` (rounds pair them up), in % of `before[i]` when `relative`. */
export function pairedDifference(after: readonly number[], before: readonly number[], relative = false): number[] {
  if (after.length !== before.length) {
    throw new RangeError(`paired samples differ in number: ${after.length} against ${before.length}`)
  }
  return after.map((a, i) => {
    const b = before[i] as number
    return relative ? ((a - b) / b) * 100 : a - b
  })
}

const kb = (bytes: number) => bytes / 1024

export function guardFigures(samples: Map<string, number[]>, before: string, after: string): Figure[] {
  const get = (name: string) => samples.get(name) ?? []
  const m = (name: string) => summarize(get(name)).median
  const base = m(GUARD_BASELINE)
  const note = 'mean CPU time per invocation over one round of back-to-back invocations, fresh context each'
  return [
    medianFigure(GUARDS, GUARD_BASELINE, 'µs', get(GUARD_BASELINE), { note }),
    medianFigure(GUARDS, before, 'µs', get(before), { comparedTo: GUARD_BASELINE, note }),
    medianFigure(GUARDS, after, 'µs', get(after), {
      comparedTo: before,
      chart: true,
      note: `${(m(after) / base).toFixed(2)}× the baseline (before: ${(m(before) / base).toFixed(2)}×)`,
    }),
    medianFigure(GUARDS, 'after − before, per invocation', 'µs', pairedDifference(get(after), get(before)), {
      note: 'median of the per-round differences; issue 15: under 0.2 µs per invocation is not worth a trick',
    }),
  ]
}

export function cpuFigures(samples: Map<string, number[]>, before: string, after: string, records: number): Figure[] {
  const get = (name: string) => samples.get(name) ?? []
  const perRecord = (name: string) => `${((summarize(get(name)).median * 1000) / records).toFixed(2)} µs a record`
  return [
    medianFigure(CPU, before, 'ms', get(before), { note: perRecord(before) }),
    medianFigure(CPU, after, 'ms', get(after), { comparedTo: before, chart: true, note: perRecord(after) }),
    medianFigure(CPU, 'after − before, share of the batch', '%', pairedDifference(get(after), get(before), true), {
      note: 'median of the per-round differences over before; issue 15: under 2 % of a batch is not worth a trick',
    }),
  ]
}

export function ioFigures(samples: Map<string, number[]>, before: string, after: string): Figure[] {
  const figures: Figure[] = []
  for (const ordering of ['none', 'key']) {
    const [b, a] = [before, after].map((label) => `${label}, ordering '${ordering}'`) as [string, string]
    figures.push(
      medianFigure(IO, b, 'ms', samples.get(b) ?? []),
      medianFigure(IO, a, 'ms', samples.get(a) ?? [], { comparedTo: b }),
    )
  }
  figures.push({ section: IO, name: 'ideal: ⌈2000/64⌉ × 5 ms', unit: 'ms', value: 160, statistic: 'total' })
  return figures
}

/** The library's bytes in each recipe's bundle, before and after: three rows a recipe (the last, the difference). */
export function shareFigures(
  sizes: readonly { recipe: string; before: number; after: number }[],
  before: string,
  after: string,
): Figure[] {
  return sizes.flatMap(({ recipe, before: b, after: a }) => {
    const size = (name: string, bytes: number, extra: Partial<Figure> = {}): Figure => ({
      section: SHARE,
      name: `${recipe}: ${name}`,
      unit: 'KB',
      value: kb(bytes),
      statistic: 'size',
      ...extra,
    })
    return [
      size(before, b),
      size(after, a, { comparedTo: `${recipe}: ${before}` }),
      size('after − before', a - b, { note: `${a - b} bytes` }),
    ]
  })
}

/** One sentence with the raw values behind each after / before ratio. */
export function measured(figures: readonly Figure[], before: string, after: string): string {
  const value = (section: string, name: string) =>
    figures.find((f) => f.section === section && f.name === name)?.value ?? Number.NaN
  const pair = (section: string, b: string, a: string, unit: string) => {
    const [x, y] = [value(section, b), value(section, a)]
    return `${fmt(y)} ${unit} after against ${fmt(x)} ${unit} before (${(y / x).toFixed(3)}×)`
  }
  const base = value(GUARDS, GUARD_BASELINE)
  const io = (o: string) => pair(IO, `${before}, ordering '${o}'`, `${after}, ordering '${o}'`, 'ms')
  const shares = recipes.map((r) => `${r} ${pair(SHARE, `${r}: ${before}`, `${r}: ${after}`, 'KB')}`)
  return [
    `Measured: guard stack ${pair(GUARDS, before, after, 'µs')}, the Middy baseline ${fmt(base)} µs (after ${fmt(value(GUARDS, after) / base)}×, before ${fmt(value(GUARDS, before) / base)}× it);`,
    `fanOut CPU ${pair(CPU, before, after, 'ms')};`,
    `fanOut I/O, ordering 'none' ${io('none')}, ordering 'key' ${io('key')};`,
    `library in the recipes' bundles: ${shares.join('; ')}.`,
  ].join(' ')
}
