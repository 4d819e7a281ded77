/**
 * Schema construction at import, apart from loading zod: each recipe's schema module and its baseline's classic-zod
 * copy, bundled with zod left outside, imported by a fresh process that has already loaded zod (classic, mini and the
 * locales, so that both find the same modules ready). What that import costs is building the schemas.
 *
 * @module
 */
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { build } from 'esbuild'
import { summarize } from '../lib/stats.js'
import { environment, type Recipe, recipes } from './bundle.js'

/** The schemas each recipe builds at import (the reducer builds its key schema when `handler.ts` creates the app). */
function entry(recipe: Recipe, module: string): string {
  if (recipe === 'stream-reducer')
    return `import { countKeySchema } from '${module}'\nexport const key = countKeySchema()`
  return `export * from '${module}'`
}

async function bundleSchemas(root: string, folder: string, name: string, contents: string): Promise<string> {
  const outfile = join(folder, `${name}.schemas.mjs`)
  await build({
    stdin: { contents, resolveDir: root, sourcefile: `${name}-schemas.ts`, loader: 'ts' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    minify: true,
    external: ['zod', 'zod/*'],
    tsconfig: join(root, 'tsconfig.json'),
    outfile,
    logLevel: 'error',
  })
  return outfile
}

async function cpuOfImport(root: string, file: string): Promise<number> {
  const script = [
    "await import('zod')",
    "await import('zod/mini')",
    "await import('zod/locales')",
    'const cpu = process.cpuUsage()',
    `await import(${JSON.stringify(pathToFileURL(file).href)})`,
    'const used = process.cpuUsage(cpu)',
    'process.stdout.write(String((used.user + used.system) / 1000))',
  ].join('\n')
  const env: NodeJS.ProcessEnv = { ...process.env, ...environment }
  delete env.NODE_OPTIONS
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
    cwd: root,
    env,
  })
  return Number(stdout)
}

/** One note: the median CPU time of building each recipe's schemas and its baseline's, `spawns` processes each. */
export async function schemaNote(root: string, folder: string, spawns: number): Promise<string> {
  const parts: string[] = []
  for (const recipe of recipes) {
    const mine = await bundleSchemas(root, folder, recipe, entry(recipe, `./recipes/${recipe}/schema.ts`))
    const theirs = await bundleSchemas(
      root,
      folder,
      `${recipe}-baseline`,
      entry(recipe, `./bench/cold-start/baselines/classic-zod/${recipe}.ts`),
    )
    const times = { mine: [] as number[], theirs: [] as number[] }
    for (let i = 0; i < spawns; i++) {
      times.mine.push(await cpuOfImport(root, mine))
      times.theirs.push(await cpuOfImport(root, theirs))
    }
    const median = (list: number[]) => summarize(list).median.toFixed(1)
    parts.push(`${recipe} ${median(times.mine)} ms (zod/mini) against ${median(times.theirs)} ms (classic zod)`)
  }
  return `Schema construction at import, zod already loaded (each recipe's schema module and its baseline's classic-zod copy, bundled with zod outside, imported by a process that loaded zod first; CPU time, median of ${spawns} processes): ${parts.join('; ')}. Loading zod itself is the rest of its share (bundle size and profile notes).`
}
