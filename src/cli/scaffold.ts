/**
 * What `init` writes: the recipe's own files from the package (one copy: the recipe as the repository has it), with
 * the imports that reach outside the recipe rewritten to the package's public entry points, and the project files
 * around them.
 *
 * @module
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { InitError, packageName } from './init-error.js'
import { projectFiles } from './project-files.js'
import { cdkAppSource, listRecipes } from './recipes.js'

/** What {@link scaffoldFiles} needs. */
export interface ScaffoldOptions {
  /** The installed package's root: its `package.json` and `recipes/`. */
  readonly packageRoot: string
  /** The recipe's folder name under `recipes/`. */
  readonly recipe: string
  /** The project's npm name (also its stack name, PascalCased). */
  readonly projectName: string
  /** How the project depends on this package: `^<version>`, or a tarball's `file:` path. */
  readonly packageSpec: string
}

/**
 * Recipe imports of the repository's shared CDK helpers (`../deploy/<file>.js`): in a project they come from
 * `serverless-done-right/cdk`, which re-exports every such file.
 */
const deployImport = /^\.\.\/deploy\/[\w-]+\.js$/

/** Every file of a new project, path relative to the project folder → content. */
export function scaffoldFiles(options: ScaffoldOptions): Map<string, string> {
  const { packageRoot, recipe } = options
  const known = listRecipes(packageRoot)
  if (!known.some((entry) => entry.name === recipe)) {
    throw new InitError(`unknown recipe "${recipe}"; the recipes are: ${known.map((entry) => entry.name).join(', ')}`)
  }
  const recipeDir = join(packageRoot, 'recipes', recipe)
  const files = new Map<string, string>()
  const runtime = new Set<string>()
  const development = new Set<string>()
  for (const file of readdirSync(recipeDir).sort()) {
    if (!file.endsWith('.ts')) continue
    const source = rewriteImports(readFileSync(join(recipeDir, file), 'utf8'), `${recipe}/${file}`)
    files.set(`src/${file}`, source)
    const imported = importedPackages(source)
    const target = file === 'infra.ts' || file.endsWith('.test.ts') ? development : runtime
    for (const name of imported) target.add(name)
  }
  const stackName = pascalCase(options.projectName)
  const app = cdkAppSource(recipe, stackName)
  if (app === undefined) throw new InitError(`recipe "${recipe}" has no CDK app template in src/cli/recipes.ts`)
  files.set('infra/app.ts', app)
  for (const name of importedPackages(app)) development.add(name)

  const manifest = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as PackageManifest
  const readme = readFileSync(join(recipeDir, 'README.md'), 'utf8')
  for (const [path, content] of projectFiles({ ...options, manifest, runtime, development, readme, stackName })) {
    files.set(path, content)
  }
  return files
}

/** The fields of the package's own `package.json` the project's is made from. */
export interface PackageManifest {
  readonly version: string
  readonly dependencies?: Readonly<Record<string, string>>
  readonly devDependencies?: Readonly<Record<string, string>>
  readonly peerDependencies?: Readonly<Record<string, string>>
}

/**
 * `../deploy/*.js` imports become `serverless-done-right/cdk`; any other import that leaves the recipe's folder has no
 * file to point at in a project, and stops the scaffold (a recipe that grows one needs it exported first).
 */
export function rewriteImports(source: string, file: string): string {
  return source.replace(/(\bfrom\s+|\bimport\s*\(\s*)'(\.\.\/[^']*)'/g, (_match, lead: string, specifier: string) => {
    if (deployImport.test(specifier)) return `${lead}'${packageName}/cdk'`
    throw new InitError(`${file} imports '${specifier}', outside its recipe: export it from ${packageName} first`)
  })
}

/** The npm packages a source file imports (`@scope/name` or `name`; `node:` built-ins left out). */
export function importedPackages(source: string): Set<string> {
  const names = new Set<string>()
  for (const [, specifier] of source.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)'([^'./][^']*)'/g)) {
    if (specifier === undefined || specifier.startsWith('node:')) continue
    const parts = specifier.split('/')
    const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string)
    // `aws-lambda` is only ever imported for its types.
    names.add(name === 'aws-lambda' ? '@types/aws-lambda' : name)
  }
  return names
}

function pascalCase(name: string): string {
  const words = name.split(/[^a-zA-Z0-9]+/).filter((word) => word !== '')
  const joined = words.map((word) => word[0]?.toUpperCase() + word.slice(1)).join('')
  return /^[A-Za-z]/.test(joined) ? joined : `App${joined}`
}
