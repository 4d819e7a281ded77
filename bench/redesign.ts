/**
 * Before and after the budget-contract redesign (issue 15, commit 1064071), in one run: the library at the commit
 * before it (7364111, extracted with `git archive` into a temporary folder under `bench/results/`) and this tree, each
 * bundled from its `src/index.ts` with esbuild and imported into this one process, then run alternately in rounds whose
 * order rotates (`bench/redesign/`):
 *
 * 1. the guard stack (`warmup` + `timeoutGuard` + `memoryWatchdog`) per invocation, with Middy's own stack as the
 *    baseline of the same rounds, CPU time;
 * 2. `fanOut` over 10,000 Kinesis records with a zod schema, CPU time per batch;
 * 3. `fanOut` over 2,000 records whose handler waits 5 ms, concurrency 64, wall time per batch;
 * 4. the library's bytes in each recipe's bundle, the old recipes bundled against the old `src/`.
 *
 * Issue 15's rule: a change costing less than 0.2 µs per invocation or 2 % of a batch is not worth a trick. So the
 * differences are figures (µs per invocation, % of a batch), not pass/fail targets. Without git or the commit (a
 * tarball of the project), the section says so in a note and reports no figures.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import type { SectionResult } from './lib/report.js'
import { printFigures } from './lib/stats.js'
import { cpuFigures, guardFigures, ioFigures, measured, shareFigures } from './redesign/figures.js'
import { recipeShare, recipes } from './redesign/share.js'
import { fanOutCpu, fanOutIo, guardStacks, type Libraries } from './redesign/timing.js'
import { extractBefore, loadLibrary, type Tree } from './redesign/trees.js'

/** The commit before the redesign, and the redesign's. */
export const BEFORE = '7364111'
const REDESIGN = '1064071'

export interface RedesignOptions {
  /** Guard-stack rounds, and invocations per round. */
  rounds?: number
  perRound?: number
  /** fanOut CPU rounds, and records per batch. */
  cpuRounds?: number
  records?: number
  /** fanOut I/O rounds. */
  ioRounds?: number
  /** The "before" commit (default 7364111). */
  before?: string
}

export async function redesignBenchmark(options: RedesignOptions = {}): Promise<SectionResult> {
  const root = process.env.BENCH_ROOT ?? process.cwd()
  const commit = options.before ?? BEFORE
  const folder = mkdtempSync(join(root, 'bench', 'results', '.redesign-'))
  try {
    const extracted = extractBefore(root, folder, commit, REDESIGN)
    if (!extracted.ok) {
      return {
        figures: [],
        targets: [],
        notes: [`Not measured: ${extracted.reason}; this section needs the git history.`],
      }
    }
    const after: Tree = { label: 'after (this tree)', root }
    const before = extracted.tree
    const libraries: Libraries = [
      [before.label, await loadLibrary(before, folder, 'before')],
      [after.label, await loadLibrary(after, folder, 'after')],
    ]
    const records = options.records ?? 10_000
    const sizes = await Promise.all(
      recipes.map(async (recipe) => ({
        recipe,
        before: await recipeShare(before, recipe),
        after: await recipeShare(after, recipe),
      })),
    )
    const shares = shareFigures(sizes, before.label, after.label)
    console.log('guard stacks …')
    const guards = await guardStacks(libraries, {
      root,
      rounds: options.rounds ?? 31,
      perRound: options.perRound ?? 20_000,
    })
    const guardRows = guardFigures(guards, before.label, after.label)
    console.log('fanOut CPU …')
    const cpu = await fanOutCpu(libraries, { rounds: options.cpuRounds ?? 41, records })
    const cpuRows = cpuFigures(cpu, before.label, after.label, records)
    console.log('fanOut I/O …')
    const io = await fanOutIo(libraries, { rounds: options.ioRounds ?? 10, records: 2000, waitMs: 5, concurrency: 64 })
    const figures = [...guardRows, ...cpuRows, ...ioFigures(io, before.label, after.label), ...shares]
    printFigures(figures)
    const since = extracted.commitsSince === undefined ? '' : ` (${extracted.commitsSince} commits after ${REDESIGN})`
    const notes = [
      `"Before" is commit ${extracted.commit} ("${extracted.subject}"), the parent of the budget-contract redesign ${REDESIGN} (issue 15); "after" is this tree${since}, so it carries everything merged since the redesign too. The bench extracts the old src/, recipes/ and tsconfig.json with \`git archive ${extracted.commit}\` into a temporary folder under bench/results/ and bundles each tree's src/index.ts with esbuild (ESM, node22, packages external); both libraries are imported into one process and alternate in rounds whose order rotates. The old recipes import 'serverless-done-right', which the old tsconfig's paths map to the old src/.`,
      measured(figures, before.label, after.label),
      'Issue 15: a change costing less than 0.2 µs per invocation or 2 % of a batch is not worth a trick; the "after − before" rows give those two measures (negative: after is cheaper).',
    ]
    return { figures, targets: [], notes }
  } finally {
    rmSync(folder, { recursive: true, force: true })
  }
}
