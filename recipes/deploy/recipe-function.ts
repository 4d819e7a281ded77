import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Duration } from 'aws-cdk-lib'
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda'
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs'
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs'
import type { Construct } from 'constructs'
import { basicExecutionRoleSuppression, pinnedRuntimeSuppression, suppressNag, xraySuppression } from './nag.js'
import { nodeHttpShim } from './node-http-shim.js'

/** The repository root: esbuild runs here, and the handlers' imports resolve from here. */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url))

/**
 * Whether this module runs from the repository's TypeScript sources (tsx, jest) rather than from the compiled
 * `serverless-done-right/cdk` of an installed package: only then do the handlers' `serverless-done-right` imports need
 * the repository's tsconfig `paths`, and its lock file is the one to bundle with.
 */
const fromRepositorySources = import.meta.url.endsWith('.ts')

/**
 * Where esbuild starts: `entry` itself, or, when it is a `.ts` file that is not there, the `.js` file next to it. The
 * compiled constructs of an installed package name `handler.ts` like their sources do, and find the compiled
 * `handler.js` that `npm run build` put beside them.
 */
export function bundleEntry(entry: string): string {
  if (!entry.endsWith('.ts') || existsSync(entry)) return entry
  const compiled = `${entry.slice(0, -'.ts'.length)}.js`
  if (existsSync(compiled)) return compiled
  throw new Error(`recipeFunction: entry ${entry} does not exist (nor ${compiled})`)
}

/**
 * The bundling options that differ between the repository and a project: in the repository esbuild runs at its root
 * with its lock file and tsconfig; in a project (an installed package, or a project made with `init`) the CDK finds
 * the project's lock file from the working directory and esbuild resolves `serverless-done-right` from
 * `node_modules` like any other package.
 */
function projectOptions(): { projectRoot?: string; depsLockFilePath?: string; tsconfig?: string } {
  if (!fromRepositorySources) return {}
  return {
    projectRoot: repoRoot,
    depsLockFilePath: `${repoRoot}package-lock.json`,
    tsconfig: `${repoRoot}tsconfig.json`,
  }
}

/**
 * Prepended to every ESM bundle: CommonJS dependencies bundled into an ESM file still call `require('node:…')`, which
 * ESM lacks (esbuild's shim would throw "Dynamic require of … is not supported"); this gives them a real one.
 */
export const esmRequireShim =
  "import { createRequire as __sdrCreateRequire } from 'node:module';const require = __sdrCreateRequire(import.meta.url);"

/** Log levels the Powertools logger understands (`LOG_LEVEL`). */
export type RecipeLogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR'

/** What a recipe's function needs: its entry, its settings and the environment its `handler.ts` reads. */
export interface RecipeFunctionProps {
  /** Absolute path of the recipe's `handler.ts` (it exports `handler`). */
  readonly entry: string
  /** `POWERTOOLS_SERVICE_NAME`: the recipe's name, as in the local demo. */
  readonly serviceName: string
  /** The `function` block of the recipe's settings module. */
  readonly settings: { readonly timeoutSeconds: number; readonly memoryMb: number }
  /** The variables the recipe's `handler.ts` reads. */
  readonly environment: Readonly<Record<string, string>>
  /** `LOG_LEVEL` for the Powertools logger. @defaultValue `'INFO'` */
  readonly logLevel?: RecipeLogLevel | undefined
  /** How long CloudWatch keeps the function's logs. @defaultValue one month */
  readonly logRetention?: RetentionDays | undefined
  /** A one-line description shown in the Lambda console. */
  readonly description: string
  /**
   * Concurrent executions reserved for the function, which are also the most it may run at once.
   * @defaultValue none: the function shares the account's unreserved concurrency
   */
  readonly reservedConcurrency?: number | undefined
}

/**
 * One recipe's Lambda function, built the same way for every recipe: Node.js 22 on arm64 (Graviton, 20% cheaper per
 * GB-second), an ESM bundle made by the local esbuild (no Docker), minified with source maps, the AWS SDK v3 left to
 * the runtime, X-Ray tracing active, the Powertools environment, and a log group with a bounded retention.
 *
 * @example
 * ```ts
 * const fn = recipeFunction(this, 'Handler', {
 *   entry: fileURLToPath(new URL('./handler.ts', import.meta.url)),
 *   serviceName: 'stream-reducer',
 *   settings: streamReducerSettings.function,
 *   environment: { TABLE_NAME: table.tableName },
 *   description: 'Tumbling-window counts',
 * })
 * ```
 */
export function recipeFunction(scope: Construct, id: string, props: RecipeFunctionProps): NodejsFunction {
  // An explicit log group instead of `logRetention`: that option deploys a custom-resource Lambda of its own.
  const logGroup = new LogGroup(scope, `${id}Logs`, { retention: props.logRetention ?? RetentionDays.ONE_MONTH })
  const { tsconfig, ...project } = projectOptions()
  const fn = new NodejsFunction(scope, id, {
    entry: bundleEntry(props.entry),
    handler: 'handler',
    description: props.description,
    runtime: Runtime.NODEJS_22_X,
    architecture: Architecture.ARM_64,
    timeout: Duration.seconds(props.settings.timeoutSeconds),
    memorySize: props.settings.memoryMb,
    tracing: Tracing.ACTIVE,
    logGroup,
    ...(props.reservedConcurrency === undefined ? {} : { reservedConcurrentExecutions: props.reservedConcurrency }),
    ...project,
    environment: {
      POWERTOOLS_SERVICE_NAME: props.serviceName,
      LOG_LEVEL: props.logLevel ?? 'INFO',
      // Stack traces in the logs point at the TypeScript sources instead of the minified bundle.
      NODE_OPTIONS: '--enable-source-maps',
      ...props.environment,
    },
    bundling: {
      format: OutputFormat.ESM,
      target: 'node22',
      minify: true,
      sourceMap: true,
      // The map only has to turn bundle positions into file:line; leaving the sources out makes it several times smaller.
      sourcesContent: false,
      externalModules: ['@aws-sdk/*'],
      mainFields: ['module', 'main'],
      banner: esmRequireShim,
      esbuildArgs: { '--alias': [`node:http=${nodeHttpShim()}`, `http=${nodeHttpShim()}`] },
      // In the repository the handlers import 'serverless-done-right', which tsconfig `paths` maps to src/index.ts.
      ...(tsconfig ? { tsconfig } : {}),
      forceDockerBundling: false,
    },
  })
  // The role and its default policy: the two wildcards every recipe function has, and why (see recipes/deploy/nag.ts).
  if (fn.role) suppressNag(fn.role, [basicExecutionRoleSuppression, xraySuppression], true)
  suppressNag(fn, [pinnedRuntimeSuppression])
  return fn
}
