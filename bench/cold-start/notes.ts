/**
 * The cold-start section's notes: where each bundle's CPU goes by package (CPU profiles, regenerated every run), the
 * tracing-on comparison, and what the figures mean.
 *
 * @module
 */
import type { Figure } from '../lib/report.js'
import { summarize } from '../lib/stats.js'
import { type Bundle, environment, libraryImportsOfSchemaLibraries, outputInputs, recipes } from './bundle.js'
import { profileImport } from './profile.js'
import { aboveFloor } from './report.js'

type Split = Map<string, number>

/** The median of each group over `runs` profiles of one bundle (a group missing from a profile counts 0 there). */
async function medianSplit(b: Bundle, runs: number): Promise<Split> {
  const samples: Map<string, number>[] = []
  for (let i = 0; i < runs; i++) samples.push(new Map((await profileImport(b.file, environment)).groups))
  const groups = new Set(samples.flatMap((s) => [...s.keys()]))
  return new Map([...groups].map((g) => [g, summarize(samples.map((s) => s.get(g) ?? 0)).median]))
}

const list = (split: Split) =>
  [...split]
    .filter(([, value]) => Math.abs(value) >= 0.5)
    .sort((a, b) => b[1] - a[1])
    .map(([group, value]) => `${group} ${value.toFixed(0)}`)
    .join(', ')

const total = (split: Split) => [...split.values()].reduce((x, y) => x + y, 0)

/** The groups a recipe's or baseline's bundle adds to what its SDK floor runs (the floor bundle has none of them). */
const ownGroups = ['zod', 'X-Ray SDK', 'Powertools', 'Middy', 'this library', 'recipe code', 'compiling the bundle']

export async function profileNotes(profiled: readonly Bundle[], runs: number): Promise<string[]> {
  const splits = new Map<string, Split>()
  for (const b of profiled) splits.set(b.name, await medianSplit(b, runs))
  const of = (name: string) => splits.get(name) ?? new Map<string, number>()
  const own = (split: Split) => ownGroups.map((g) => `${g} ${(split.get(g) ?? 0).toFixed(0)}`).join(', ')
  const notes = [
    `Where the CPU goes (\`node --cpu-prof\` of one import per bundle, ${runs} profiles each, median ms by group; tracing off; \`bench/cold-start/profile.ts\` splits the samples by the package of the code that ran, through the bundle's source map, and gives Node's own work to the nearest package on the stack; "compiling the bundle" is V8 compiling the one ESM file, every package in it roughly in proportion to its bytes (bundle size table); "AWS SDK" includes loading the external \`@aws-sdk/*\` CommonJS files; "Node built-ins imported as ESM" is Node building their ESM namespaces, which reads every export, lazy ones included). Profiling slows a process and a shared machine adds noise of ±20 ms to the large groups, so compare the groups a floor does not have.`,
  ]
  for (const b of profiled)
    notes.push(`Profile of "${b.name}": ${total(of(b.name)).toFixed(0)} ms: ${list(of(b.name))}.`)
  for (const recipe of recipes) {
    notes.push(
      `What ${recipe} runs that its SDK floor does not (profile, ms): ${own(of(recipe))}; its baseline: ${own(of(`${recipe} baseline`))}.`,
    )
  }
  return notes
}

export function staticNotes(built: readonly Bundle[], figures: readonly Figure[]): string[] {
  const value = (name: string) => figures.find((f) => f.name === name)?.value ?? Number.NaN
  const leaks = built.flatMap(libraryImportsOfSchemaLibraries)
  const byModule = (b: Bundle) =>
    outputInputs(b)
      .filter(([path]) => path.startsWith('src/'))
      .sort((x, y) => y[1].bytesInOutput - x[1].bytesInOutput)
      .map(([path, input]) => `${path.slice(4)} ${(input.bytesInOutput / 1024).toFixed(1)}`)
  const tracing = recipes.map((recipe) => {
    const cpu = aboveFloor(figures, recipe, 'whole process, CPU time', ', tracing on')
    const wall = aboveFloor(figures, recipe, 'whole process', ', tracing on')
    return `${recipe} ${cpu.ratio.toFixed(2)}× in CPU time (${(cpu.mine - cpu.floor).toFixed(0)} against ${(cpu.theirs - cpu.floor).toFixed(0)} ms above the floor), ${wall.ratio.toFixed(2)}× in wall time`
  })
  return [
    "The targets (issue 18): for each recipe, its cold start above its SDK floor (a bundle that only loads and constructs the AWS SDK clients its `handler.ts` constructs at import: the Kinesis client with its `NodeHttpHandler`, or the DynamoDB client with its document client; bundled the same way) at most 0.6 × its baseline's above the same floor, for the whole process and for the module load, in CPU time (user + system of the child process: on this shared 2-core machine wall time also counts the time other processes held the cores; both are in the tables). The SDK stays loaded and constructed at import in every recipe.",
    "What the recipes do that the baselines do not: their schemas are zod's `zod/mini` (the same zod package; the baselines keep classic `import { z } from 'zod'`, what users write: `cold-start/baselines/classic-zod/`), and they load the Powertools Tracer (and with it the X-Ray SDK) only when the function traces (`recipes/*/tracing.ts`).",
    `With tracing on (as a deployed recipe function runs: active tracing, so the tracer and the X-Ray SDK load in both), the same ratio of the whole process above the SDK floor is: ${tracing.join('; ')}. Not a target; the tracer costs what it costs in both.`,
    leaks.length === 0
      ? "No module under `src/` imports zod, valibot or arktype in any bundle: the zod in the recipe bundles comes from the recipes' own schemas."
      : `Modules under \`src/\` that import a schema library: ${leaks.join('; ')}.`,
    ...recipes.map(
      (recipe) =>
        `This library's code in the ${recipe} bundle, by module (KB): ${byModule(built.find((b) => b.name === recipe) as Bundle).join(', ')}.`,
    ),
    "Bundle size notes list each bundle by origin (KB of minified output, 1,024 bytes): `library` is this package, `recipe` the recipe's own code (or the baseline's), `other` mostly Middy utilities and Powertools commons.",
    `Whole-process times include Node's own start-up (the empty process: ${value('empty node process: whole process').toFixed(0)} ms wall, ${value('empty node process: whole process, CPU time').toFixed(0)} ms CPU here).`,
  ]
}
