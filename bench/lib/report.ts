/**
 * Benchmark results: one JSON file (`bench/results/latest.json`), a Markdown page (`BENCHMARKS.md`) and an SVG chart of
 * the ratios (`bench/results/chart.svg`). Every figure keeps its spread; every comparison is a ratio against a baseline
 * measured in the same run, in the same process.
 */
import { writeFileSync } from 'node:fs'
import { arch, cpus, platform, totalmem } from 'node:os'

/** One measured figure. `value` is the central estimate (median or mean, said by `statistic`). */
export interface Figure {
  section: string
  name: string
  unit: 'ns' | 'µs' | 'ms' | 's' | 'KB' | 'events/s' | 'req/s' | 'count' | '%'
  value: number
  statistic: 'median' | 'mean' | 'total' | 'size' | 'once'
  /** Spread: p25/p75 for distributions, min/max of repeated runs, or stddev; whatever the method gives. */
  spread?: { p25?: number; p75?: number; min?: number; max?: number; p99?: number; stddev?: number }
  samples?: number
  /** The name of another figure of the same section and unit: the page shows `value / that value` beside this one. */
  comparedTo?: string
  /** Show this figure's ratio to `comparedTo` on the chart too (the targets are always there). */
  chart?: boolean
  note?: string
}

/** A target written in an issue: `ratio = subject / baseline` (or baseline / subject when `higherIsBetter`). */
export interface Target {
  section: string
  name: string
  ratio: number
  /** The ratio must be at most this (or at least, for `atLeast`). */
  limit: number
  kind: 'atMost' | 'atLeast'
  met: boolean
  explanation: string
  /**
   * For an `atLeast` target: the ratio a candidate adding no cost of its own to the hand-written floor would reach on
   * this workload, measured in the same run. A target above its bound is shown as such rather than as a plain miss.
   */
  bound?: number
}

/** What one benchmark section returns; `notes` are printed under its table (method, what limits a missed target). */
export interface SectionResult {
  figures: Figure[]
  targets: Target[]
  notes?: string[]
}

/** The whole result set. */
export interface Results {
  machine: { cpus: number; model: string; memoryGb: number; platform: string; arch: string; loadAverage?: number[] }
  node: string
  date: string
  durationS: number
  /** The sections in run order, with the time each took and its notes. */
  sections?: { key: string; title: string; titles?: string[]; durationS: number; date: string; notes: string[] }[]
  figures: Figure[]
  targets: Target[]
}

export function machine(): Results['machine'] {
  const list = cpus()
  return {
    cpus: list.length,
    model: list[0]?.model ?? 'unknown',
    memoryGb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    platform: platform(),
    arch: arch(),
  }
}

/** The "met" cell: yes, no, or no with the bound that puts the target out of reach of a zero-cost engine in this run. */
function verdict(t: Target): string {
  if (t.met) return 'yes'
  if (t.bound !== undefined && t.kind === 'atLeast' && t.bound < t.limit) {
    return `**no**: a zero-cost engine reaches ${fmt(t.bound)}× here (notes)`
  }
  return '**no**'
}

/** Builds a target from a ratio of two figures' values. */
export function target(
  section: string,
  name: string,
  ratio: number,
  limit: number,
  kind: Target['kind'],
  explanation: string,
): Target {
  const met = kind === 'atMost' ? ratio <= limit : ratio >= limit
  return { section, name, ratio, limit, kind, met, explanation }
}

export const fmt = (n: number) =>
  !Number.isFinite(n)
    ? String(n)
    : Math.abs(n) >= 100
      ? n.toFixed(0)
      : Math.abs(n) >= 10
        ? n.toFixed(1)
        : Math.abs(n) >= 0.1
          ? n.toFixed(2)
          : n.toPrecision(2)

function spreadText(f: Figure): string {
  const s = f.spread
  if (s === undefined) return ''
  const parts: string[] = []
  if (s.p25 !== undefined && s.p75 !== undefined) parts.push(`p25–p75 ${fmt(s.p25)}–${fmt(s.p75)}`)
  if (s.min !== undefined && s.max !== undefined) parts.push(`min–max ${fmt(s.min)}–${fmt(s.max)}`)
  if (s.p99 !== undefined) parts.push(`p99 ${fmt(s.p99)}`)
  if (s.stddev !== undefined) parts.push(`± ${fmt(s.stddev)}`)
  return parts.join(', ')
}

/** A ratio between two figures named in `comparedTo`, with the letter of the row it compares to. */
export interface Comparison {
  section: string
  name: string
  other: string
  ratio: number
  chart: boolean
}

export function comparisons(results: Pick<Results, 'figures'>): Comparison[] {
  const out: Comparison[] = []
  for (const f of results.figures) {
    if (f.comparedTo === undefined) continue
    const other = results.figures.find((x) => x.section === f.section && x.name === f.comparedTo)
    if (other !== undefined) {
      out.push({
        section: f.section,
        name: f.name,
        other: other.name,
        ratio: f.value / other.value,
        chart: f.chart === true,
      })
    }
  }
  return out
}

const letter = (i: number) => String.fromCharCode(65 + (i % 26)) + (i >= 26 ? String(Math.floor(i / 26)) : '')
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ')

/** The Markdown page. */
export function markdown(results: Results): string {
  const load = results.machine.loadAverage
  const lines: string[] = [
    '# Benchmarks',
    '',
    '<!-- Generated by `npm run bench` (bench/run.ts, bench/lib/report.ts). Do not edit by hand. -->',
    '',
    `Generated by \`npm run bench\` on ${results.date} (${results.durationS.toFixed(0)} s): Node ${results.node},`,
    `${results.machine.cpus} × ${results.machine.model}, ${results.machine.memoryGb} GB, ${results.machine.platform}/${results.machine.arch}` +
      (load ? `, load average at start ${load.map((x) => x.toFixed(1)).join(' / ')}.` : '.'),
    '',
    'How to read it: candidates of a comparison run in the same process, alternating in rounds whose order rotates,',
    'after warm-up, so that drift in a shared machine falls on all of them alike. Absolute figures depend on the',
    'machine and on its neighbours; the **ratios** between figures of the same run are what carry over. Each table',
    'gives the median with its spread (quartiles, extremes); the ratio column divides a row by the row its letter names.',
    'Raw figures: [`bench/results/latest.json`](bench/results/latest.json). Run it yourself: `npm run bench`',
    '(or one section: `npm run bench -- --only fan-out-io`).',
    '',
    '![ratios against targets](bench/results/chart.svg)',
    '',
    '## Targets',
    '',
    '| section | comparison | ratio | target | met | note |',
    '| --- | --- | --- | --- | --- | --- |',
  ]
  for (const t of results.targets) {
    const limit = `${t.kind === 'atMost' ? '≤' : '≥'} ${t.limit}×`
    lines.push(
      `| ${cell(t.section)} | ${cell(t.name)} | ${fmt(t.ratio)}× | ${limit} | ${verdict(t)} | ${cell(t.explanation)} |`,
    )
  }
  // A section that measured nothing (its notes say why) has no titles of its figures: its own title heads its notes.
  const titlesOf = (meta: NonNullable<Results['sections']>[number]) =>
    meta.titles !== undefined && meta.titles.length > 0 ? meta.titles : [meta.title]
  const covered = new Set((results.sections ?? []).flatMap(titlesOf))
  const groups: { titles: string[]; meta?: NonNullable<Results['sections']>[number] }[] = [
    ...(results.sections ?? []).map((meta) => ({ titles: titlesOf(meta), meta })),
    ...[...new Set(results.figures.map((f) => f.section))].filter((t) => !covered.has(t)).map((t) => ({ titles: [t] })),
  ]
  for (const { titles, meta } of groups) {
    for (const section of titles) {
      const figures = results.figures.filter((x) => x.section === section)
      if (figures.length === 0) {
        if (titles.length === 1 && meta !== undefined) lines.push('', `## ${section}`, '', 'No figures in this run.')
        continue
      }
      lines.push('', `## ${section}`, '')
      const names = new Map(figures.map((f, i) => [f.name, letter(i)]))
      lines.push('| | candidate | value | ratio | spread | n | note |', '| --- | --- | --- | --- | --- | --- | --- |')
      for (const f of figures) {
        const other = f.comparedTo === undefined ? undefined : figures.find((x) => x.name === f.comparedTo)
        const ratio = other === undefined ? '' : `${fmt(f.value / other.value)}× ${names.get(other.name)}`
        lines.push(
          `| ${names.get(f.name)} | ${cell(f.name)} | ${fmt(f.value)} ${f.unit} (${f.statistic}) | ${ratio} | ${spreadText(f)} | ${f.samples ?? ''} | ${cell(f.note ?? '')} |`,
        )
      }
    }
    if (meta !== undefined && meta.notes.length > 0) {
      lines.push('')
      for (const note of meta.notes) lines.push(`- ${note}`)
    }
    if (meta !== undefined) {
      lines.push('', `<sub>Section \`${meta.key}\` run ${meta.date}, ${meta.durationS.toFixed(0)} s.</sub>`)
    }
  }
  lines.push('')
  return lines.join('\n')
}

const escapeXml = (s: string) => s.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`)

/**
 * The chart: one row per ratio on a log axis centred on 1×. Targets first (green when met, red when not, a dashed tick
 * at the limit), then the other comparisons of the page in grey.
 */
export function chart(results: Results): string {
  const rowHeight = 22
  const labelWidth = 600
  const axisWidth = 560
  const lo = 1 / 16
  const hi = 128
  const x = (v: number) => {
    const clamped = Math.min(hi, Math.max(lo, v))
    return labelWidth + ((Math.log(clamped) - Math.log(lo)) / (Math.log(hi) - Math.log(lo))) * axisWidth
  }
  const short = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s)
  const rows: { label: string; ratio: number; color: string; limit?: number; text: string }[] = []
  for (const t of results.targets) {
    rows.push({
      label: short(`${t.section.split(':')[0]}: ${t.name}`, 96),
      ratio: t.ratio,
      color: t.met ? '#2e7d32' : '#c62828',
      limit: t.limit,
      text: `${fmt(t.ratio)}× (target ${t.kind === 'atMost' ? '≤' : '≥'} ${t.limit}×)`,
    })
  }
  const targetRows = rows.length
  for (const c of comparisons(results).filter((x) => x.chart)) {
    rows.push({
      label: short(`${c.section.split(':')[0]}: ${c.name} ÷ ${c.other}`, 96),
      ratio: c.ratio,
      color: '#9e9e9e',
      text: `${fmt(c.ratio)}×`,
    })
  }
  const top = 56
  const gap = rows.length > targetRows ? 28 : 0
  const height = top + rows.length * rowHeight + gap + 30
  const y = (i: number) => top + i * rowHeight + (i >= targetRows ? gap : 0)
  const svg: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${labelWidth + axisWidth + 200}" height="${height}" font-family="sans-serif" font-size="11">`,
    '<rect width="100%" height="100%" fill="#fff"/>',
    '<text x="10" y="20" font-size="14" font-weight="bold">serverless-done-right: ratios from one run (log scale, 1× = equal)</text>',
    `<text x="10" y="38" fill="#444">Targets: green met, red missed, dashed tick = target. Grey: a few other comparisons from the page. ${escapeXml(results.date.slice(0, 10))}, Node ${escapeXml(results.node)}.</text>`,
  ]
  for (const tick of [1 / 8, 1 / 4, 1 / 2, 1, 2, 4, 8, 16, 32, 64, 128]) {
    const tx = x(tick).toFixed(1)
    svg.push(
      `<line x1="${tx}" x2="${tx}" y1="${top - 6}" y2="${height - 24}" stroke="${tick === 1 ? '#000' : '#ddd'}"/>`,
      `<text x="${tx}" y="${height - 10}" text-anchor="middle" fill="#444">${tick < 1 ? `1/${1 / tick}` : tick}×</text>`,
    )
  }
  if (gap > 0) {
    svg.push(`<text x="10" y="${y(targetRows) - 8}" font-weight="bold">Other comparisons</text>`)
  }
  rows.forEach((row, i) => {
    const ry = y(i)
    const one = x(1)
    const end = x(row.ratio)
    svg.push(
      `<text x="${labelWidth - 8}" y="${ry + 13}" text-anchor="end">${escapeXml(row.label)}</text>`,
      `<rect x="${Math.min(one, end).toFixed(1)}" y="${ry + 3}" width="${Math.max(1, Math.abs(end - one)).toFixed(1)}" height="14" fill="${row.color}" rx="2"/>`,
      `<text x="${labelWidth + axisWidth + 10}" y="${ry + 13}">${escapeXml(row.text)}</text>`,
    )
    if (row.limit !== undefined) {
      const tx = x(row.limit).toFixed(1)
      svg.push(
        `<line x1="${tx}" x2="${tx}" y1="${ry}" y2="${ry + 20}" stroke="#000" stroke-width="2" stroke-dasharray="3,2"/>`,
      )
    }
  })
  svg.push('</svg>', '')
  return svg.join('\n')
}

/** Writes the three outputs. */
export function writeResults(root: URL, results: Results): void {
  writeFileSync(new URL('bench/results/latest.json', root), `${JSON.stringify(results, null, 2)}\n`)
  writeFileSync(new URL('bench/results/chart.svg', root), chart(results))
  writeFileSync(new URL('BENCHMARKS.md', root), markdown(results))
}
