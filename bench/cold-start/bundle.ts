/**
 * The cold-start section's bundles: each recipe's Lambda entry bundled the way the recipes deploy it (CDK's
 * `NodejsFunction` running the local esbuild with the options of `recipes/deploy/recipe-function.ts`: minified ESM for
 * Node 22, `@aws-sdk/*` external because Lambda provides it, the `require` shim banner, `node:http` through CommonJS),
 * and what each bundle is made of. Baselines and floors are bundled the same way.
 *
 * @module
 */
import { statSync } from 'node:fs'
import { join } from 'node:path'
import { build, type Metafile } from 'esbuild'
import { nodeHttpShim } from '../../recipes/deploy/node-http-shim.js'

/** `recipes/deploy/recipe-function.ts`: CommonJS dependencies bundled into ESM still call `require('node:…')`. */
const esmRequireShim =
  "import { createRequire as __sdrCreateRequire } from 'node:module';const require = __sdrCreateRequire(import.meta.url);"

export interface Bundle {
  name: string
  file: string
  bytes: number
  metafile: Metafile
}

/**
 * Bundles `entry` into `folder`. `profile: true` keeps one statement per line (whitespace not minified, names and syntax
 * still are) so that a CPU profile's line ticks map back to the package each statement came from.
 */
export async function bundle(
  root: string,
  folder: string,
  name: string,
  entry: { path: string } | { contents: string },
  options: { profile?: boolean; shim?: boolean } = {},
): Promise<Bundle> {
  const outfile = join(folder, `${name.replace(/[^a-z0-9]+/gi, '-')}${options.profile ? '.profile' : ''}.mjs`)
  const result = await build({
    ...('path' in entry
      ? { entryPoints: [entry.path] }
      : { stdin: { contents: entry.contents, resolveDir: root, sourcefile: `${name}.ts`, loader: 'ts' as const } }),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    ...(options.profile ? { minifyIdentifiers: true, minifySyntax: true } : { minify: true }),
    sourcemap: true,
    sourcesContent: false,
    external: ['@aws-sdk/*'],
    mainFields: ['module', 'main'],
    banner: { js: esmRequireShim },
    // recipes/deploy/node-http-shim.ts: `node:http` through CommonJS, as the recipes' functions take it (`shim: false`
    // for a user's own function, bundled without it).
    ...(options.shim === false ? {} : { alias: { 'node:http': nodeHttpShim(), http: nodeHttpShim() } }),
    tsconfig: join(root, 'tsconfig.json'),
    metafile: true,
    outfile,
    logLevel: 'error',
  })
  return { name, file: outfile, bytes: statSync(outfile).size, metafile: result.metafile }
}

/** The origin of a bundled file: this library (`src/`), the recipe, zod, Powertools, the X-Ray SDK, Middy, other. */
export function originOf(path: string): string {
  if (path.startsWith('src/')) return 'library'
  if (path.startsWith('recipes/') || path.startsWith('bench/')) return 'recipe'
  if (/node_modules\/zod\//.test(path)) return 'zod'
  if (/node_modules\/@aws-lambda-powertools\//.test(path)) return 'powertools'
  if (
    /node_modules\/(aws-xray-sdk|@aws\/|cls-hooked|atomic-batcher|semver|async-hook-jl|emitter-listener|shimmer|stack-chain)/.test(
      path,
    )
  ) {
    return 'x-ray sdk'
  }
  if (/node_modules\/(@smithy|@aws-sdk|@aws-crypto)\//.test(path)) return 'aws sdk'
  if (/node_modules\/@middy\//.test(path)) return 'middy'
  return 'other'
}

/** The inputs of the bundle's output file, with the bytes each put in it. */
export function outputInputs(b: Bundle): [string, { bytesInOutput: number }][] {
  const output = Object.entries(b.metafile.outputs).find(([file]) => file.endsWith('.mjs'))?.[1]
  return Object.entries(output?.inputs ?? {})
}

/** Bytes in the output by origin. */
export function shares(b: Bundle): Record<string, number> {
  const out: Record<string, number> = {}
  for (const [path, { bytesInOutput }] of outputInputs(b)) {
    const origin = originOf(path)
    out[origin] = (out[origin] ?? 0) + bytesInOutput
  }
  return out
}

/** Modules under `src/` that import zod (or another schema library): there must be none. */
export function libraryImportsOfSchemaLibraries(b: Bundle): string[] {
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

/** Small handlers that place the recipes: the AWS SDK clients alone, and two references. */
export const sources = {
  /** What the log processor's `handler.ts` constructs of the SDK at import, and nothing else. */
  'SDK floor: Kinesis client': [
    "import { KinesisClient } from '@aws-sdk/client-kinesis'",
    "import { NodeHttpHandler } from '@smithy/node-http-handler'",
    'export const kinesis = new KinesisClient({',
    '  maxAttempts: 2,',
    '  requestHandler: new NodeHttpHandler({ connectionTimeout: 2_000, requestTimeout: 5_000 }),',
    '})',
  ].join('\n'),
  /** What the user API's and the stream reducer's `handler.ts` construct of the SDK at import, and nothing else. */
  'SDK floor: DynamoDB document client': [
    "import { DynamoDBClient } from '@aws-sdk/client-dynamodb'",
    "import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'",
    'export const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({}))',
  ].join('\n'),
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

export const recipes = ['kinesis-log-processor', 'rest-user-api', 'stream-reducer'] as const
export type Recipe = (typeof recipes)[number]

/** The SDK floor of each recipe: the clients its `handler.ts` constructs at import. */
export const floorOf: Record<Recipe, keyof typeof sources> = {
  'kinesis-log-processor': 'SDK floor: Kinesis client',
  'rest-user-api': 'SDK floor: DynamoDB document client',
  'stream-reducer': 'SDK floor: DynamoDB document client',
}

/** What the handlers read at import (table and stream names, a region), tracing off: nothing tries to reach X-Ray. */
export const environment = {
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

/**
 * Tracing on, as a deployed recipe function has it (active tracing): in Lambda, `POWERTOOLS_TRACE_ENABLED` not false.
 * At import nothing is sent; the X-Ray daemon address is a local UDP port nobody listens on.
 */
export const tracingOn = {
  ...environment,
  AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
  POWERTOOLS_TRACE_ENABLED: 'true',
  AWS_XRAY_DAEMON_ADDRESS: '127.0.0.1:2000',
}
