/**
 * Statistics and the interleaved-rounds runner every section uses: candidates run one after another in rounds whose
 * order rotates, so drift in a shared machine (GC, JIT tiers, neighbours' load) falls on all of them alike.
 */
import type { Figure } from './report.js'

/** Linear-interpolated quantile of ascending values. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN
  const at = (sorted.length - 1) * q
  const low = Math.floor(at)
  const high = Math.ceil(at)
  const a = sorted[low] as number
  const b = sorted[high] as number
  return a + (b - a) * (at - low)
}

/** Median, quartiles and extremes of a sample. */
export function summarize(values: readonly number[]) {
  const sorted = [...values].sort((a, b) => a - b)
  return {
    median: quantile(sorted, 0.5),
    p25: quantile(sorted, 0.25),
    p75: quantile(sorted, 0.75),
    min: sorted[0] ?? Number.NaN,
    max: sorted.at(-1) ?? Number.NaN,
    samples: sorted.length,
  }
}

/** A median figure with its quartiles and extremes as the spread. */
export function medianFigure(
  section: string,
  name: string,
  unit: Figure['unit'],
  values: readonly number[],
  extra: Partial<Figure> = {},
): Figure {
  const s = summarize(values)
  return {
    section,
    name,
    unit,
    value: s.median,
    statistic: 'median',
    spread: { p25: s.p25, p75: s.p75, min: s.min, max: s.max },
    samples: s.samples,
    ...extra,
  }
}

/** One candidate of an interleaved comparison: `run` does one timed unit of work (any number of calls). */
export interface Candidate {
  readonly name: string
  readonly run: () => Promise<unknown> | unknown
}

/**
 * Times each candidate `rounds` times, rotating the order every round, after `warmup` untimed runs each.
 * Returns milliseconds per run by candidate name: wall time, and CPU time of this process (user + system), which a
 * busy machine disturbs far less (it leaves out the time other processes held the cores).
 */
export async function interleave(
  candidates: readonly Candidate[],
  options: { rounds: number; warmup: number; skip?: (name: string, round: number) => boolean },
): Promise<{ wall: Map<string, number[]>; cpu: Map<string, number[]> }> {
  const wall = new Map<string, number[]>(candidates.map((c) => [c.name, []]))
  const cpu = new Map<string, number[]>(candidates.map((c) => [c.name, []]))
  for (let i = 0; i < options.warmup; i++) for (const candidate of candidates) await candidate.run()
  for (let round = 0; round < options.rounds; round++) {
    for (let k = 0; k < candidates.length; k++) {
      const candidate = candidates[(round + k) % candidates.length] as Candidate
      if (options.skip?.(candidate.name, round)) continue
      const cpuBefore = process.cpuUsage()
      const started = performance.now()
      await candidate.run()
      wall.get(candidate.name)?.push(performance.now() - started)
      const used = process.cpuUsage(cpuBefore)
      cpu.get(candidate.name)?.push((used.user + used.system) / 1000)
    }
  }
  return { wall, cpu }
}

/** Prints one aligned line per figure. */
export function printFigures(figures: readonly Figure[]): void {
  const width = Math.max(...figures.map((f) => f.name.length))
  for (const f of figures) {
    const s = f.spread ?? {}
    const spread = s.p25 !== undefined && s.p75 !== undefined ? `  p25–p75 ${round(s.p25)}–${round(s.p75)}` : ''
    console.log(
      `  ${f.name.padEnd(width)}  ${round(f.value).padStart(9)} ${f.unit}${spread}${f.samples ? `  (n=${f.samples})` : ''}`,
    )
  }
}

export function round(n: number): string {
  const a = Math.abs(n)
  return a >= 100 ? n.toFixed(0) : a >= 10 ? n.toFixed(1) : a >= 1 ? n.toFixed(2) : n.toPrecision(3)
}
