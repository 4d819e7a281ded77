/**
 * The files around a scaffolded recipe: `package.json` (dependency ranges taken from this package's own manifest, so
 * that the project installs what the recipe was tested with), `tsconfig.json`, `cdk.json`, `.gitignore`, `README.md`.
 *
 * @module
 */
import { InitError, packageName } from './init-error.js'
import type { PackageManifest } from './scaffold.js'

/** What the project files are made from. */
export interface ProjectFileOptions {
  readonly recipe: string
  readonly projectName: string
  readonly packageSpec: string
  readonly stackName: string
  readonly manifest: PackageManifest
  /** Packages the recipe's runtime files import. */
  readonly runtime: ReadonlySet<string>
  /** Packages only its infra, CDK app and tests import. */
  readonly development: ReadonlySet<string>
  /** The recipe's README. */
  readonly readme: string
}

/**
 * What every project needs beyond its imports: the type checker, tsx (tests and the CDK app), the CDK CLI and library,
 * esbuild (bundles locally, no Docker), and the emulators behind `serverless-done-right/local` with its SDK clients.
 */
const toolchain = [
  'typescript',
  'tsx',
  '@types/node',
  'aws-cdk',
  'aws-cdk-lib',
  'constructs',
  'esbuild',
  'kinesalite',
  'dynalite',
  '@aws-sdk/client-kinesis',
  '@aws-sdk/client-dynamodb',
  '@aws-sdk/lib-dynamodb',
  '@smithy/node-http-handler',
]

/** The compiler options the recipes are written for (those of the repository, less its `paths`). */
const compilerOptions = {
  target: 'ES2023',
  lib: ['ES2023'],
  module: 'NodeNext',
  moduleResolution: 'NodeNext',
  strict: true,
  exactOptionalPropertyTypes: true,
  noUncheckedIndexedAccess: true,
  noImplicitOverride: true,
  noFallthroughCasesInSwitch: true,
  esModuleInterop: true,
  skipLibCheck: true,
  isolatedModules: true,
  verbatimModuleSyntax: true,
  resolveJsonModule: true,
  forceConsistentCasingInFileNames: true,
  types: ['node'],
  noEmit: true,
}

/** `package.json`, `tsconfig.json`, `cdk.json`, `.gitignore` and `README.md` of a new project. */
export function projectFiles(options: ProjectFileOptions): Map<string, string> {
  const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`
  return new Map([
    ['package.json', json(packageJson(options))],
    ['tsconfig.json', json({ compilerOptions, include: ['src', 'infra'] })],
    ['cdk.json', json({ app: 'npx tsx infra/app.ts' })],
    ['.gitignore', 'node_modules/\ncdk.out/\n'],
    ['README.md', readme(options)],
  ])
}

function packageJson(options: ProjectFileOptions) {
  const { manifest } = options
  const ranges = { ...manifest.peerDependencies, ...manifest.devDependencies, ...manifest.dependencies }
  const rangeOf = (name: string): string => {
    if (name === packageName) return options.packageSpec
    const range = ranges[name]
    if (range === undefined) {
      throw new InitError(
        `recipe "${options.recipe}" imports ${name}, which ${packageName}'s package.json does not list`,
      )
    }
    return range
  }
  const dependencies = [packageName, ...options.runtime].filter((name) => name !== '@types/aws-lambda')
  const development = [...options.development, ...toolchain, ...options.runtime].filter(
    (name) => !dependencies.includes(name),
  )
  const pick = (names: string[]) => Object.fromEntries([...new Set(names)].sort().map((name) => [name, rangeOf(name)]))
  return {
    name: options.projectName,
    version: '0.1.0',
    private: true,
    description: `The ${options.recipe} recipe of ${packageName}`,
    type: 'module',
    engines: { node: '>=22' },
    scripts: {
      test: 'tsc && tsx --test src/*.test.ts',
      typecheck: 'tsc',
      synth: 'CDK_DISABLE_CLI_TELEMETRY=true cdk synth --quiet --no-notices --no-lookups',
      deploy: 'cdk deploy',
      destroy: 'cdk destroy',
    },
    dependencies: pick(dependencies),
    devDependencies: pick(development),
    // npm 11 asks before running install scripts: esbuild checks its binary, the emulators' LevelDB loads its prebuild.
    allowScripts: { esbuild: true, leveldown: true, 'classic-level': true },
  }
}

function readme(options: ProjectFileOptions): string {
  const { recipe, projectName, manifest, stackName } = options
  // The recipe's README is written for the repository, where the recipe lives in recipes/<name>/; here it is src/.
  const about = options.readme
    .replace(/^---\n[\s\S]*?\n---\n+/, '')
    .replace(/^# .*\n+/m, '')
    .replaceAll(`recipes/${recipe}/`, 'src/')
    .replace(/^#/gm, '##')
  return `# ${projectName}

Made with \`npx ${packageName} init ${recipe}\` (${packageName} ${manifest.version}). It imports the library by its
package name (\`${packageName}\`, \`${packageName}/local\` in the test, \`${packageName}/cdk\` in the infrastructure):
everything in \`src/\` and \`infra/\` is yours to change.

## Commands

| command          | what it does                                                                                             |
| ---------------- | -------------------------------------------------------------------------------------------------------- |
| \`npm install\`    | installs the library, the AWS SDK clients, the CDK, esbuild, and the emulators the test runs on (Node 22) |
| \`npm test\`       | type check, then \`src/local.test.ts\` on the embedded cloud: Kinesis and DynamoDB in-process, no AWS, no Docker |
| \`npm run synth\`  | the CloudFormation template and the function bundle in \`cdk.out/\`, offline (no credentials)               |
| \`npm run deploy\` | the \`${stackName}\` stack, in the account and region of your AWS credentials (\`npx cdk bootstrap\` once first) |
| \`npm run destroy\`| removes the stack (tables holding data are retained)                                                     |

## Files

- \`src/handler.ts\`: the Lambda entry (\`handler\`), clients built once per instance from the environment.
- \`src/app.ts\`: the factory that composes the Middy handler; the tests call it with local clients.
- \`src/settings.ts\`: every tunable (batch size, windows, timeout, memory), read by the handler, the test and the infra.
- \`src/infra.ts\`: the CDK construct (function, event source or API, tables or streams, alarms).
- \`infra/app.ts\`: the CDK app, one stack; \`cdk.json\` runs it.
- \`src/local.test.ts\`: the test \`npm test\` runs (Node's test runner).

## About the recipe

From the recipe's README in the ${packageName} repository, paths changed to this project's \`src/\` (the
\`npm start\` demo and the \`test/recipes/\` suites it mentions are the repository's).

${about}`
}
