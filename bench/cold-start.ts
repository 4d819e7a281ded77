/**
 * Cold start (benchmarks issue, part 5; issue 18, target 1): each recipe's Lambda entry bundled the way the recipes
 * deploy it (`cold-start/bundle.ts`), against the same handler written without this library
 * (`cold-start/baselines/`: Middy + Powertools Logger, Tracer and batch + classic zod), and against its SDK floor: a
 * bundle that only loads and constructs the AWS SDK clients the recipe's `handler.ts` constructs at import.
 *
 * For each bundle: its size, this library's share of it (esbuild metafile), and its cold start: a fresh `node` process
 * (this same Node 22) runs `await import(bundle)` and reports the import's wall and CPU time and the process's CPU time
 * so far (Node's start-up included); the parent times spawn to exit. Rounds alternate the candidates; medians.
 * Tracing is off (`POWERTOOLS_TRACE_ENABLED=false`) as in the targets; the "tracing on" rows run the recipes and
 * baselines as a deployed function with active tracing would (in Lambda, tracing enabled).
 *
 * Then one `--cpu-prof` per recipe, baseline and floor (three each, medians), split by package (`cold-start/profile.ts`).
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { aloneFigures, compositions } from './cold-start/alone.js'
import { type Bundle, bundle, environment, floorOf, recipes, sources, tracingOn } from './cold-start/bundle.js'
import { profileNotes, staticNotes } from './cold-start/notes.js'
import { figuresOf, targetsOf } from './cold-start/report.js'
import { schemaNote } from './cold-start/schemas.js'
import type { SectionResult } from './lib/report.js'
import { printFigures } from './lib/stats.js'

export const SECTION = 'Cold start: bundle size (each recipe bundled as CDK NodejsFunction bundles it)'

/** One process to time: a bundle (none for the empty process) and the environment it runs with. */
export interface Candidate {
  name: string
  file: string | undefined
  env: Record<string, string>
  /** Timed every round (the targets' candidates); the others every other round. */
  everyRound: boolean
}

export interface Timing {
  importMs: number
  importCpuMs: number
  processMs: number
  processCpuMs: number
}

const run = promisify(execFile)

async function timeProcess(root: string, c: Candidate): Promise<Timing> {
  const script = [
    'const cpu = process.cpuUsage()',
    'const t = performance.now()',
    c.file === undefined ? '' : `await import(${JSON.stringify(pathToFileURL(c.file).href)})`,
    'const used = process.cpuUsage(cpu)',
    'const all = process.cpuUsage()',
    'const ms = (u) => (u.user + u.system) / 1000',
    'process.stdout.write(JSON.stringify([performance.now() - t, ms(used), ms(all)]))',
  ].join('\n')
  const env: NodeJS.ProcessEnv = { ...process.env, ...c.env }
  delete env.NODE_OPTIONS
  const started = performance.now()
  // execFile collects the output and rejects (with stderr) when the child exits with a non-zero code.
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: root, env })
  const processMs = performance.now() - started
  const [importMs, importCpuMs, processCpuMs] = JSON.parse(stdout) as [number, number, number]
  return { importMs, importCpuMs, processMs, processCpuMs }
}

async function bundles(root: string, folder: string, profile = false): Promise<Bundle[]> {
  const out: Bundle[] = []
  const options = { profile }
  for (const recipe of recipes) {
    out.push(await bundle(root, folder, recipe, { path: join(root, 'recipes', recipe, 'handler.ts') }, options))
    const baseline = join(root, 'bench', 'cold-start', 'baselines', `${recipe}.ts`)
    out.push(await bundle(root, folder, `${recipe} baseline`, { path: baseline }, options))
  }
  for (const [name, contents] of Object.entries(sources)) {
    if (!profile || name.startsWith('SDK floor')) out.push(await bundle(root, folder, name, { contents }, options))
  }
  if (profile) return out
  for (const [name, contents] of Object.entries(compositions)) {
    out.push(await bundle(root, folder, name, { contents }, { shim: false }))
  }
  return out
}

export async function coldStartBenchmark(
  options: { spawns?: number; profiles?: number; schemaSpawns?: number } = {},
): Promise<SectionResult> {
  const spawns = options.spawns ?? 30
  const root = process.env.BENCH_ROOT ?? process.cwd()
  // Inside the project, so that the bundles' external `@aws-sdk/*` imports resolve from its node_modules; under
  // bench/results, which the linter skips.
  const folder = mkdtempSync(join(root, 'bench', 'results', '.cold-start-'))
  try {
    const built = await bundles(root, folder)
    const fileOf = (name: string) => built.find((b) => b.name === name)?.file
    const targeted = new Set<string>([
      ...recipes,
      ...recipes.map((r) => `${r} baseline`),
      ...Object.values(floorOf),
      ...Object.keys(compositions),
    ])
    // Each floor next to its recipes and their baselines: the rounds rotate, so neighbours stay neighbours and the
    // three figures of a target are measured seconds apart.
    const order = [...new Set(recipes.flatMap((r) => [floorOf[r], r, `${r} baseline`])), ...built.map((b) => b.name)]
    const candidates: Candidate[] = [
      ...[...new Set(order)].map((name) => ({
        name,
        file: fileOf(name),
        env: environment,
        everyRound: targeted.has(name),
      })),
      ...recipes.flatMap((r) =>
        [r, `${r} baseline`].map((name) => ({
          name: `${name}, tracing on`,
          file: fileOf(name),
          env: tracingOn,
          everyRound: false,
        })),
      ),
      { name: 'empty node process', file: undefined, env: environment, everyRound: false },
    ]
    console.log(`${SECTION}\n  ${candidates.length} candidates × ${spawns} spawns, alternating`)
    const timings = new Map<string, Timing[]>(candidates.map((c) => [c.name, []]))
    // One untimed spawn each: the first read of every file from disk is not a cold start Lambda would see twice.
    for (const c of candidates) await timeProcess(root, c)
    // The targets' candidates get every round, the others half of them (the section must fit in `npm run bench`'s
    // ten minutes on a busy 2-core machine).
    for (let round = 0; round < spawns; round++) {
      for (let k = 0; k < candidates.length; k++) {
        const c = candidates[(round + k) % candidates.length] as Candidate
        if (!c.everyRound && round % 2 === 1) continue
        timings.get(c.name)?.push(await timeProcess(root, c))
      }
      if ((round + 1) % 5 === 0) console.log(`  ${round + 1}/${spawns} rounds`)
    }
    const isComposition = (name: string) => name in compositions
    const figures = [
      ...figuresOf(
        built.filter((b) => !isComposition(b.name)),
        candidates.filter((c) => !isComposition(c.name)),
        timings,
      ),
      ...aloneFigures(candidates, timings),
    ]
    printFigures(figures)
    const targets = targetsOf(figures)

    const profiled = await bundles(root, folder, true)
    const notes = [
      ...(await profileNotes(profiled, options.profiles ?? 5)),
      await schemaNote(root, folder, options.schemaSpawns ?? 7),
      ...staticNotes(built, figures),
    ]
    return { figures, targets, notes }
  } finally {
    rmSync(folder, { recursive: true, force: true })
  }
}
