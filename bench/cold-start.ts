/**
 * Cold start (benchmarks issue, part 5): each recipe's Lambda entry bundled the way the recipes deploy it (CDK's
 * `NodejsFunction` running the local esbuild with the options of `recipes/deploy/recipe-function.ts`: minified ESM
 * for Node 22, `@aws-sdk/*` external because Lambda provides it, the `require` shim banner), against the same handler
 * written without this library (`bench/cold-start/baselines/`: Middy + Powertools Logger, Tracer and batch + zod).
 *
 * For each bundle: its size, this library's share of it (esbuild metafile: bytes in the output from `src/`), and its
 * module-load time: a fresh `node` process (this same Node 22) runs `await import(bundle)` and reports how long the
 * import took; the whole process is timed too (spawn to exit). 20 spawns per recipe and baseline (10 for the
 * references), candidates alternating, median.
 * An empty `node` process and two small references (Middy + zod; Middy + zod + Powertools Logger + Tracer) are timed
 * the same way.
 *
 * The environment is what the handlers read at import (table and stream names, a region), with tracing off
 * (`POWERTOOLS_TRACE_ENABLED=false`) so that nothing tries to reach X-Ray.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { build, type Metafile } from 'esbuild'
import type { Figure, SectionResult } from './lib/report.js'
import { target } from './lib/report.js'
import { medianFigure, printFigures } from './lib/stats.js'

export const SECTION = 'Cold start: bundle size (each recipe bundled as CDK NodejsFunction bundles it)'
const LOAD = 'Cold start: module-load time, `await import(bundle)` in a fresh Node process'
const PROCESS = 'Cold start: whole process, spawn to exit'

/** `recipes/deploy/recipe-function.ts`: CommonJS dependencies bundled into ESM still call `require('node:…')`. */
const esmRequireShim =
  "import { createRequire as __sdrCreateRequire } from 'node:module';const require = __sdrCreateRequire(import.meta.url);"

const recipes = ['kinesis-log-processor', 'rest-user-api', 'stream-reducer'] as const

const references = {
  'reference: Middy + zod': [
    "import middy from '@middy/core'",
    "import { z } from 'zod'",
    'const Body = z.object({ email: z.email(), name: z.string().min(1) })',
    'export const handler = middy().handler(async (event) => Body.parse(event))',
  ].join('\n'),
  'reference: Middy + zod + Powertools Logger + Tracer': [
    "import middy from '@middy/core'",
    "import { z } from 'zod'",
    "import { Logger } from '@aws-lambda-powertools/logger'",
    "import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware'",
    "import { Tracer } from '@aws-lambda-powertools/tracer'",
    "import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware'",
    "const logger = new Logger({ serviceName: 'reference' })",
    "const tracer = new Tracer({ serviceName: 'reference' })",
    'const Body = z.object({ email: z.email(), name: z.string().min(1) })',
    'export const handler = middy().use(injectLambdaContext(logger)).use(captureLambdaHandler(tracer))',
    '  .handler(async (event) => Body.parse(event))',
  ].join('\n'),
} as const

/** The user API's entry without the Lambda client its warm-up fan-out uses: what that one import costs. */
const userApiWithoutWarmupClient = [
  "import { Logger } from '@aws-lambda-powertools/logger'",
  "import { Tracer } from '@aws-lambda-powertools/tracer'",
  "import { DynamoDBClient } from '@aws-sdk/client-dynamodb'",
  "import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'",
  "import { createUserApi } from './recipes/rest-user-api/app.ts'",
  "const tracer = new Tracer({ serviceName: 'rest-user-api' })",
  "const logger = new Logger({ serviceName: 'rest-user-api' })",
  'const documentClient = DynamoDBDocumentClient.from(tracer.captureAWSv3Client(new DynamoDBClient({})))',
  "export const handler = createUserApi({ documentClient, tableName: process.env.TABLE_NAME ?? '', logger, tracer })",
].join('\n')
const userApiVariant = 'rest-user-api, without the warm-up fan-out Lambda client'

const environment = {
  AWS_REGION: 'eu-west-1',
  AWS_DEFAULT_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  TABLE_NAME: 'bench-table',
  OUTPUT_STREAM_NAME: 'bench-output',
  DEAD_LETTER_STREAM_NAME: 'bench-dead-letter',
  POWERTOOLS_SERVICE_NAME: 'bench',
  POWERTOOLS_TRACE_ENABLED: 'false',
  AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
  LOG_LEVEL: 'INFO',
}

interface Bundle {
  name: string
  file: string
  bytes: number
  metafile: Metafile
}

async function bundle(
  root: string,
  folder: string,
  name: string,
  entry: { path: string } | { contents: string },
): Promise<Bundle> {
  const outfile = join(folder, `${name.replace(/[^a-z0-9]+/gi, '-')}.mjs`)
  const result = await build({
    ...('path' in entry
      ? { entryPoints: [entry.path] }
      : { stdin: { contents: entry.contents, resolveDir: root, sourcefile: `${name}.ts`, loader: 'ts' as const } }),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    external: ['@aws-sdk/*'],
    mainFields: ['module', 'main'],
    banner: { js: esmRequireShim },
    tsconfig: join(root, 'tsconfig.json'),
    metafile: true,
    outfile,
    logLevel: 'error',
  })
  return { name, file: outfile, bytes: statSync(outfile).size, metafile: result.metafile }
}

/** Bytes in the output by origin: this library (`src/`), the recipe, zod, Powertools, Middy, the rest. */
function shares(b: Bundle): Record<string, number> {
  const output = Object.entries(b.metafile.outputs).find(([file]) => file.endsWith('.mjs'))?.[1]
  const out: Record<string, number> = {}
  for (const [path, { bytesInOutput }] of Object.entries(output?.inputs ?? {})) {
    const origin = path.startsWith('src/')
      ? 'library'
      : path.startsWith('recipes/') || path.startsWith('bench/')
        ? 'recipe'
        : /node_modules\/zod\//.test(path)
          ? 'zod'
          : /node_modules\/@aws-lambda-powertools\//.test(path)
            ? 'powertools'
            : /node_modules\/(aws-xray-sdk|@aws\/|cls-hooked|atomic-batcher|semver|async-hook-jl|emitter-listener|shimmer|stack-chain)/.test(
                  path,
                )
              ? 'x-ray sdk'
              : /node_modules\/@middy\//.test(path)
                ? 'middy'
                : 'other'
    out[origin] = (out[origin] ?? 0) + bytesInOutput
  }
  return out
}

/** Modules under `src/` that import zod (or another schema library): there must be none. */
function libraryImportsOfSchemaLibraries(b: Bundle): string[] {
  const found: string[] = []
  for (const [path, input] of Object.entries(b.metafile.inputs)) {
    if (!path.startsWith('src/')) continue
    for (const imported of input.imports) {
      if (
        /node_modules\/(zod|valibot|arktype)\//.test(imported.path) ||
        /^(zod|valibot|arktype)(\/|$)/.test(imported.path)
      ) {
        found.push(`${path} → ${imported.path}`)
      }
    }
  }
  return found
}

const run = promisify(execFile)

interface Timing {
  importMs: number
  importCpuMs: number
  processMs: number
}

async function timeProcess(root: string, file: string | undefined): Promise<Timing> {
  const script =
    file === undefined
      ? ''
      : [
          'const cpu = process.cpuUsage()',
          'const t = performance.now()',
          `await import(${JSON.stringify(pathToFileURL(file).href)})`,
          'const used = process.cpuUsage(cpu)',
          'process.stdout.write(JSON.stringify([performance.now() - t, (used.user + used.system) / 1000]))',
        ].join('\n')
  const env: NodeJS.ProcessEnv = { ...process.env, ...environment }
  delete env.NODE_OPTIONS
  const started = performance.now()
  const args = file === undefined ? ['-e', ''] : ['--input-type=module', '-e', script]
  // execFile collects the output and rejects (with stderr) when the child exits with a non-zero code.
  const { stdout } = await run(process.execPath, args, { cwd: root, env })
  const processMs = performance.now() - started
  const [importMs, importCpuMs] = file === undefined ? [0, 0] : (JSON.parse(stdout) as [number, number])
  return { importMs, importCpuMs, processMs }
}

const kb = (bytes: number) => bytes / 1024

export async function coldStartBenchmark(options: { spawns?: number } = {}): Promise<SectionResult> {
  const spawns = options.spawns ?? 20
  const root = process.env.BENCH_ROOT ?? process.cwd()
  // Inside the project, so that the bundles' external `@aws-sdk/*` imports resolve from its node_modules; under
  // bench/results, which the linter skips.
  const folder = mkdtempSync(join(root, 'bench', 'results', '.cold-start-'))
  try {
    const bundles: Bundle[] = []
    for (const recipe of recipes) {
      bundles.push(await bundle(root, folder, recipe, { path: join(root, 'recipes', recipe, 'handler.ts') }))
      bundles.push(
        await bundle(root, folder, `${recipe} baseline`, {
          path: join(root, 'bench', 'cold-start', 'baselines', `${recipe}.ts`),
        }),
      )
    }
    bundles.push(await bundle(root, folder, userApiVariant, { contents: userApiWithoutWarmupClient }))
    for (const [name, contents] of Object.entries(references))
      bundles.push(await bundle(root, folder, name, { contents }))

    const candidates: { name: string; file: string | undefined }[] = [
      ...bundles.map((b) => ({ name: b.name, file: b.file })),
      { name: 'empty node process', file: undefined },
    ]
    console.log(`${SECTION}\n  ${candidates.length} candidates × ${spawns} spawns, alternating`)
    const timings = new Map<string, Timing[]>(candidates.map((c) => [c.name, []]))
    // One untimed spawn each: the first read of every file from disk is not a cold start Lambda would see twice.
    for (const c of candidates) await timeProcess(root, c.file)
    // The six candidates the targets compare get every round; the references and the variant half of them (the whole
    // section must fit in `npm run bench`'s ten minutes on a busy 2-core machine).
    const targeted = new Set(recipes.flatMap((recipe) => [recipe, `${recipe} baseline`]))
    for (let round = 0; round < spawns; round++) {
      for (let k = 0; k < candidates.length; k++) {
        const c = candidates[(round + k) % candidates.length] as (typeof candidates)[number]
        if (!targeted.has(c.name) && round % 2 === 1) continue
        timings.get(c.name)?.push(await timeProcess(root, c.file))
      }
      if ((round + 1) % 5 === 0) console.log(`  ${round + 1}/${spawns} rounds`)
    }

    const baselineOf = (name: string) =>
      (recipes as readonly string[]).includes(name)
        ? `${name} baseline`
        : name === userApiVariant
          ? 'rest-user-api baseline'
          : name === 'reference: Middy + zod + Powertools Logger + Tracer'
            ? 'reference: Middy + zod'
            : undefined
    const figures: Figure[] = []
    for (const b of bundles) {
      const baseline = baselineOf(b.name)
      figures.push({
        section: SECTION,
        name: `${b.name}: bundle size`,
        unit: 'KB',
        value: kb(b.bytes),
        statistic: 'size',
        ...(baseline ? { comparedTo: `${baseline}: bundle size`, chart: !b.name.startsWith('reference') } : {}),
        note: Object.entries(shares(b))
          .sort((x, y) => y[1] - x[1])
          .map(([origin, bytes]) => `${origin} ${kb(bytes).toFixed(1)}`)
          .join(', ')
          .concat(' KB'),
      })
    }
    for (const recipe of recipes) {
      const b = bundles.find((x) => x.name === recipe) as Bundle
      figures.push({
        section: SECTION,
        name: `${recipe}: this library's code in the bundle`,
        unit: 'KB',
        value: kb(shares(b).library ?? 0),
        statistic: 'size',
        note: 'bytes in the minified output from src/ (esbuild metafile)',
      })
    }
    for (const c of candidates) {
      const baseline = baselineOf(c.name)
      const list = timings.get(c.name) ?? []
      if (c.file !== undefined) {
        figures.push(
          medianFigure(
            LOAD,
            `${c.name}: module load`,
            'ms',
            list.map((t) => t.importMs),
            {
              note: '`await import(bundle)` in a fresh process, wall time',
              ...(baseline ? { comparedTo: `${baseline}: module load` } : {}),
            },
          ),
          medianFigure(
            LOAD,
            `${c.name}: module load, CPU time`,
            'ms',
            list.map((t) => t.importCpuMs),
            {
              note: 'CPU time (user + system) of the import: less sensitive to a busy machine',
              ...(baseline ? { comparedTo: `${baseline}: module load, CPU time` } : {}),
              ...(c.name === userApiVariant ? { chart: true } : {}),
            },
          ),
        )
      }
      figures.push(
        medianFigure(
          PROCESS,
          `${c.name}: whole process`,
          'ms',
          list.map((t) => t.processMs),
          {
            note: 'spawn to exit',
            ...(baseline
              ? { comparedTo: `${baseline}: whole process` }
              : c.name.startsWith('reference')
                ? { comparedTo: 'empty node process: whole process' }
                : {}),
          },
        ),
      )
    }
    printFigures(figures)

    const value = (name: string) => figures.find((f) => f.name === name)?.value ?? Number.NaN
    const targets = [
      ...recipes.map((recipe) => {
        const share = value(`${recipe}: this library's code in the bundle`)
        return target(
          SECTION,
          `${recipe}: library code / 25 KB`,
          share / 25,
          1,
          'atMost',
          `this library's own minified code in the recipe bundle: ${share.toFixed(1)} KB, under 25 KB`,
        )
      }),
      ...recipes.map((recipe) =>
        target(
          LOAD,
          `${recipe}: module load (CPU) / baseline`,
          value(`${recipe}: module load, CPU time`) / value(`${recipe} baseline: module load, CPU time`),
          1.1,
          'atMost',
          `module-load CPU time within 1.1× of the same handler on Middy + Powertools + zod (wall time: ${(value(`${recipe}: module load`) / value(`${recipe} baseline: module load`)).toFixed(2)}×)`,
        ),
      ),
    ]
    const leaks = bundles.flatMap(libraryImportsOfSchemaLibraries)
    const byModule = (b: Bundle) =>
      Object.entries(Object.entries(b.metafile.outputs).find(([file]) => file.endsWith('.mjs'))?.[1].inputs ?? {})
        .filter(([path]) => path.startsWith('src/'))
        .sort((x, y) => y[1].bytesInOutput - x[1].bytesInOutput)
        .map(([path, input]) => `${path.slice(4)} ${(input.bytesInOutput / 1024).toFixed(1)}`)
    const notes = [
      leaks.length === 0
        ? "No module under `src/` imports zod, valibot or arktype in any bundle: the zod in the recipe bundles comes from the recipes' own schemas."
        : `Modules under \`src/\` that import a schema library: ${leaks.join('; ')}.`,
      ...recipes.map(
        (recipe) =>
          `This library's code in the ${recipe} bundle, by module (KB): ${byModule(bundles.find((b) => b.name === recipe) as Bundle).join(', ')}.`,
      ),
      'The module-load targets compare CPU time (user + system of the child process during the import): on this shared 2-core machine wall time also counts the time other processes held the cores, and swings several-fold between spawns; both are in the table. KB are 1,024 bytes.',
      "Bundle size notes list each bundle by origin (KB of minified output): `library` is this package, `recipe` the recipe's own code (or the baseline's), `other` mostly Middy utilities and Powertools commons.",
      `Whole-process times include Node's own start-up (the empty process: ${value('empty node process: whole process').toFixed(0)} ms here).`,
    ]
    return { figures, targets, notes }
  } finally {
    rmSync(folder, { recursive: true, force: true })
  }
}
