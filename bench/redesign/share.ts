/**
 * The library's share of each recipe's Lambda bundle, for one tree: its `recipes/<name>/handler.ts` bundled as CDK's
 * NodejsFunction bundles it (minified ESM for Node 22, only `@aws-sdk/*` external, the tree's own tsconfig, whose
 * `paths` map `serverless-done-right` to the tree's `src/index.ts`), and the bytes the tree's `src/` put in it. The
 * redesign section and the ceiling in `test/bundle-size.test.ts` both measure it here.
 *
 * @module
 */
import { join } from 'node:path'
import { build, type Metafile } from 'esbuild'
import type { Tree } from './trees.js'

export const recipes = ['kinesis-log-processor', 'rest-user-api', 'stream-reducer'] as const

/**
 * Bytes the library's modules (`src/…`, paths relative to the tree's root) put in the bundle's entry output, and how
 * many modules. Inputs from elsewhere (the recipe, node_modules, another tree) do not count.
 */
export function libraryBytes(metafile: Metafile): { bytes: number; modules: number } {
  const output = Object.values(metafile.outputs).find((o) => o.entryPoint !== undefined)
  const modules = Object.entries(output?.inputs ?? {}).filter(([path]) => path.startsWith('src/'))
  return { bytes: modules.reduce((sum, [, input]) => sum + input.bytesInOutput, 0), modules: modules.length }
}

/** The library's bytes in one recipe's bundle of `tree`. Throws if the bundle holds no library module at all. */
export async function recipeShare(tree: Tree, recipe: string): Promise<number> {
  const result = await build({
    absWorkingDir: tree.root,
    entryPoints: [join(tree.root, 'recipes', recipe, 'handler.ts')],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    mainFields: ['module', 'main'],
    external: ['@aws-sdk/*'],
    tsconfig: join(tree.root, 'tsconfig.json'),
    write: false,
    outdir: '/nonexistent',
    metafile: true,
    logLevel: 'silent',
  })
  const { bytes, modules } = libraryBytes(result.metafile)
  // As the test: a recipe that really bundles the library has many modules of it (a wrong path map would give none).
  if (modules <= 5) throw new Error(`${tree.label} ${recipe}: only ${modules} library modules in its bundle`)
  return bytes
}
