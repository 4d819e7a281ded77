/**
 * The `serverless-done-right` command (`bin.ts` runs it): `npx serverless-done-right init <recipe> [dir]` writes a
 * standalone project from one of the recipes.
 *
 * @module
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { basename, dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { InitError, packageName } from './init-error.js'
import { listRecipes } from './recipes.js'
import { scaffoldFiles } from './scaffold.js'

/** The package root, from `dist/cli/` once built and from `src/cli/` in the repository alike. */
const packageRoot = fileURLToPath(new URL('../../', import.meta.url))

const usage = `Usage:
  npx ${packageName} init <recipe> [dir]   write a project from a recipe into dir (default: ./<recipe>)
  npx ${packageName} init --list           the recipes, one line each

Options of init:
  --force                 write into dir even when it is not empty (files of the same name are replaced)
  --package-spec <spec>   how the project depends on ${packageName} (default: ^<this version>;
                          e.g. file:/path/to/${packageName}-x.y.z.tgz). The SDR_PACKAGE_SPEC variable does the same.
  -h, --help              this text
`

/** Runs the command with `argv` (without node and the script); returns the exit code. */
export function main(argv: readonly string[]): number {
  try {
    return run(argv)
  } catch (error) {
    if (!(error instanceof InitError || (error instanceof TypeError && 'code' in error))) throw error
    // parseArgs throws a TypeError with an ERR_PARSE_ARGS_* code for an unknown or malformed option.
    const help = error instanceof InitError ? '(--help shows the usage)\n' : `\n${usage}`
    process.stderr.write(`${packageName}: ${error.message}\n${help}`)
    return 2
  }
}

function run(argv: readonly string[]): number {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      list: { type: 'boolean', default: false },
      force: { type: 'boolean', default: false },
      'package-spec': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  const [command, recipe, dir, ...extra] = positionals
  if (values.help || command === 'help') {
    process.stdout.write(usage)
    return 0
  }
  if (command !== 'init') throw new InitError(command === undefined ? 'no command' : `unknown command "${command}"`)
  if (values.list) {
    const recipes = listRecipes(packageRoot)
    const width = Math.max(...recipes.map((entry) => entry.name.length))
    for (const entry of recipes) process.stdout.write(`${entry.name.padEnd(width)}  ${entry.summary}\n`)
    return 0
  }
  if (recipe === undefined) throw new InitError('init needs a recipe (init --list shows them)')
  if (extra.length > 0) throw new InitError(`unexpected argument "${extra[0]}"`)
  const manifest = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }
  const target = resolve(dir ?? recipe)
  if (existsSync(target) && !statSync(target).isDirectory()) throw new InitError(`${target} is a file, not a folder`)
  if (existsSync(target) && readdirSync(target).length > 0 && !values.force) {
    throw new InitError(`${target} is not empty; pick an empty folder, or pass --force to write into it`)
  }
  const projectName = basename(target)
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[._-]+|[._-]+$/g, '')
  const files = scaffoldFiles({
    packageRoot,
    recipe,
    projectName: projectName === '' ? recipe : projectName,
    packageSpec: values['package-spec'] ?? process.env.SDR_PACKAGE_SPEC ?? `^${manifest.version}`,
  })
  for (const [path, content] of files) {
    mkdirSync(dirname(join(target, path)), { recursive: true })
    writeFileSync(join(target, path), content)
  }
  const shown = relative(process.cwd(), target) || '.'
  const sources = [...files.keys()].filter((path) => path.startsWith('src/')).map((path) => path.slice(4))
  process.stdout.write(`Created ${shown} from the ${recipe} recipe (${packageName} ${manifest.version}):
  src/          ${sources.join(', ')}
  infra/app.ts  the CDK app (one stack)
  package.json, tsconfig.json, cdk.json, README.md, .gitignore

Next:
  cd ${shown}
  npm install
  npm test          # type check, then the recipe on the embedded cloud (no AWS, no Docker)
  npm run synth     # the CloudFormation template and bundle in cdk.out/, offline
  npm run deploy    # to the account of your AWS credentials
`)
  return 0
}
