/**
 * What `init` writes for each recipe: the recipe's own files (one copy: the scaffold is made from `recipes/<name>/`
 * as it is, so a later change to a recipe reaches every new project), nothing that points back into the library's
 * repository, and a package.json that lists every package the files import. The recipes' `local.test.ts` (the test a
 * project runs as `npm test`) run here too, on Node's test runner, against the current sources.
 */
import { execFile } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { join, posix } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { InitError } from '../../src/cli/init-error.js'
import { listRecipes } from '../../src/cli/recipes.js'
import { importedPackages, rewriteImports, scaffoldFiles } from '../../src/cli/scaffold.js'

const root = fileURLToPath(new URL('../..', import.meta.url))
const recipes = listRecipes(root).map((entry) => entry.name)

function scaffold(recipe: string): Map<string, string> {
  return scaffoldFiles({ packageRoot: root, recipe, projectName: `my-${recipe}`, packageSpec: '^9.9.9' })
}

/** Every import specifier of a source file (static, dynamic, and `import type`). */
function specifiers(source: string): string[] {
  return [...source.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)'([^']+)'/g)].map((match) => match[1] as string)
}

describe('the scaffold of each recipe', () => {
  it('covers the three recipes', () => {
    expect(recipes).toEqual(['kinesis-log-processor', 'rest-user-api', 'stream-reducer'])
  })

  it.each(recipes)('%s: the recipe files, the CDK app and the project files', (recipe) => {
    const files = scaffold(recipe)
    const recipeFiles = readdirSync(join(root, 'recipes', recipe)).filter((file) => file.endsWith('.ts'))
    expect([...files.keys()].sort()).toEqual(
      [
        ...recipeFiles.map((file) => `src/${file}`),
        'infra/app.ts',
        'package.json',
        'tsconfig.json',
        'cdk.json',
        '.gitignore',
        'README.md',
      ].sort(),
    )
    for (const required of ['handler.ts', 'app.ts', 'settings.ts', 'infra.ts', 'local.test.ts']) {
      expect(files.has(`src/${required}`)).toBe(true)
    }
    expect(JSON.parse(files.get('cdk.json') as string)).toEqual({ app: 'npx tsx infra/app.ts' })
  })

  it.each(recipes)('%s: every file is the recipe file, only the ../deploy imports pointed at the package', (recipe) => {
    const files = scaffold(recipe)
    for (const file of readdirSync(join(root, 'recipes', recipe)).filter((name) => name.endsWith('.ts'))) {
      const original = readFileSync(join(root, 'recipes', recipe, file), 'utf8').split('\n')
      const copied = (files.get(`src/${file}`) as string).split('\n')
      expect(copied.length).toBe(original.length)
      const changed = original.flatMap((line, index) => (line === copied[index] ? [] : [[line, copied[index]]]))
      for (const [before, after] of changed) {
        expect(before).toMatch(/ from '\.\.\/deploy\/[\w-]+\.js'$/)
        expect(after).toBe(before?.replace(/'\.\.\/deploy\/[\w-]+\.js'$/, "'serverless-done-right/cdk'"))
      }
    }
  })

  it.each(recipes)('%s: imports stay inside the project or name a package the package.json lists', (recipe) => {
    const files = scaffold(recipe)
    const manifest = JSON.parse(files.get('package.json') as string)
    const listed = new Set([...Object.keys(manifest.dependencies), ...Object.keys(manifest.devDependencies)])
    expect(manifest.dependencies['serverless-done-right']).toBe('^9.9.9')
    for (const [path, content] of files) {
      if (!path.endsWith('.ts')) continue
      for (const specifier of specifiers(content)) {
        if (specifier.startsWith('.')) {
          // A relative import names a file of the project: './x.js' is the x.ts beside it.
          const target = posix.join(posix.dirname(path), specifier).replace(/\.js$/, '.ts')
          expect({ path, specifier, exists: files.has(target) }).toEqual({ path, specifier, exists: true })
        } else if (!specifier.startsWith('node:')) {
          const [name] = importedPackages(`import '${specifier}'`)
          expect({ path, specifier, listed: listed.has(name as string) }).toEqual({ path, specifier, listed: true })
        }
      }
    }
  })

  it('re-exports from serverless-done-right/cdk every recipes/deploy file a recipe imports', () => {
    const barrel = readFileSync(join(root, 'recipes', 'deploy', 'index.ts'), 'utf8')
    const used = new Set<string>()
    for (const recipe of recipes) {
      for (const file of readdirSync(join(root, 'recipes', recipe)).filter((name) => name.endsWith('.ts'))) {
        for (const specifier of specifiers(readFileSync(join(root, 'recipes', recipe, file), 'utf8'))) {
          if (specifier.startsWith('../deploy/')) used.add(specifier.slice('../deploy'.length))
        }
      }
    }
    expect(used.size).toBeGreaterThan(0)
    for (const file of used) expect(barrel).toContain(`export * from '.${file}'`)
  })

  it('stops at an import that leaves the recipe for anything but recipes/deploy', () => {
    expect(() => rewriteImports("import { x } from '../other-recipe/x.js'\n", 'r/app.ts')).toThrow(InitError)
    expect(() => rewriteImports("const m = await import('../../src/index.js')\n", 'r/app.ts')).toThrow(
      "r/app.ts imports '../../src/index.js', outside its recipe",
    )
    expect(rewriteImports("import { a } from '../deploy/alarms.js'\n", 'r/infra.ts')).toBe(
      "import { a } from 'serverless-done-right/cdk'\n",
    )
  })

  it("runs each recipe's local.test.ts (what a project's npm test runs) green on the embedded cloud", async () => {
    const env = { ...process.env }
    delete env.NODE_OPTIONS
    const tests = recipes.map((recipe) => join('recipes', recipe, 'local.test.ts'))
    const { stdout } = await promisify(execFile)(join(root, 'node_modules', '.bin', 'tsx'), ['--test', ...tests], {
      cwd: root,
      env,
      encoding: 'utf8',
    })
    expect(stdout).toMatch(/^# fail 0$/m)
    expect(stdout).toMatch(new RegExp(`^# suites ${recipes.length}$`, 'm'))
  }, 120_000)
})
