/**
 * The optional peers of `serverless-done-right/local`, loaded on first use: `invoke()` and `httpGateway()` import with
 * no AWS SDK and no emulator installed, and `startLocalCloud()` / `kinesisEventSource()` name the one install line
 * when something they need is missing. Internal.
 *
 * @module
 */
import type { Server } from 'node:http'
import { createRequire } from 'node:module'
import { LocalCloudError } from './local-cloud-error.js'
import type { DynaliteOptions, KinesaliteOptions } from './vendor.js'

/**
 * The tested ranges of the local cloud's peers, as `package.json` declares them. One line installs all of them.
 */
export const localCloudPeers = {
  kinesalite: '^3.3.3',
  dynalite: '^4.0.0',
  '@aws-sdk/client-kinesis': '^3.1143.0',
  '@aws-sdk/client-dynamodb': '^3.1169.0',
  '@aws-sdk/lib-dynamodb': '^3.1169.0',
  '@smithy/node-http-handler': '^4.14.2',
} as const

/** The package names of {@link localCloudPeers}. */
export type LocalCloudPeer = keyof typeof localCloudPeers

/** `npm install -D` with every peer of the local cloud at its tested range: the line the README gives. */
export const localCloudInstallLine = `npm install -D ${Object.entries(localCloudPeers)
  .map(([name, range]) => `${name}@${range}`)
  .join(' ')}`

/** A kinesalite or dynalite factory: an HTTP server, not yet listening. Both ship CommonJS without types. */
export type EmulatorFactory<Options> = (options: Options) => Server

/** The modules `startLocalCloud()` needs. */
export type LocalCloudModules = {
  /** Its `close()` closes the LevelDB store first, then the server. Reads `AWS_REGION` (for ARNs) while it runs. */
  readonly kinesalite: EmulatorFactory<KinesaliteOptions>
  /** Its `close()` closes the server, then the LevelDB store. Reads `AWS_REGION` (for ARNs) while it runs. */
  readonly dynalite: EmulatorFactory<DynaliteOptions>
  readonly kinesis: typeof import('@aws-sdk/client-kinesis')
  readonly dynamodb: typeof import('@aws-sdk/client-dynamodb')
  readonly documentClient: typeof import('@aws-sdk/lib-dynamodb')
  readonly http: typeof import('@smithy/node-http-handler')
}

/** The modules `kinesisEventSource()` needs (the cloud it reads already needed them). */
export type KinesisSourceModules = Pick<LocalCloudModules, 'kinesis' | 'http'>

const requireCommonJs = createRequire(import.meta.url)

function isMissing(error: unknown, name: string): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown }
  return (
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
    typeof message === 'string' &&
    message.includes(`'${name}'`)
  )
}

/**
 * Loads every module; when some are not installed, throws one `LocalCloudError` naming them and the install line.
 * Other failures (a broken install) are thrown as they are.
 */
async function loadAll<M extends object>(
  what: string,
  loaders: { [K in keyof M]: readonly [LocalCloudPeer, () => Promise<M[K]>] },
): Promise<M> {
  const names = Object.keys(loaders) as Array<keyof M>
  const outcomes = await Promise.allSettled(names.map((key) => loaders[key][1]()))
  const missing: LocalCloudPeer[] = []
  const modules: Partial<M> = {}
  for (const [index, outcome] of outcomes.entries()) {
    const key = names[index] as keyof M
    const peer = loaders[key][0]
    if (outcome.status === 'fulfilled') modules[key] = outcome.value
    else if (isMissing(outcome.reason, peer)) missing.push(peer)
    else throw outcome.reason
  }
  if (missing.length > 0) {
    throw new LocalCloudError(
      `${what} needs ${missing.join(', ')}, not installed. The local cloud's packages are optional peers, ` +
        `installed as dev dependencies: ${localCloudInstallLine}`,
    )
  }
  return modules as M
}

/** kinesalite and dynalite are CommonJS: `require` them (a sync call, wrapped so that both kinds fail alike). */
const requirePeer =
  <Options>(name: 'kinesalite' | 'dynalite') =>
  async () =>
    requireCommonJs(name) as EmulatorFactory<Options>

/**
 * The emulators and AWS SDK clients of `startLocalCloud()`.
 *
 * @throws LocalCloudError naming the missing packages and the `npm install -D …` line
 */
export function loadLocalCloudModules(): Promise<LocalCloudModules> {
  return loadAll<LocalCloudModules>('startLocalCloud()', {
    kinesalite: ['kinesalite', requirePeer('kinesalite')],
    dynalite: ['dynalite', requirePeer('dynalite')],
    kinesis: ['@aws-sdk/client-kinesis', () => import('@aws-sdk/client-kinesis')],
    dynamodb: ['@aws-sdk/client-dynamodb', () => import('@aws-sdk/client-dynamodb')],
    documentClient: ['@aws-sdk/lib-dynamodb', () => import('@aws-sdk/lib-dynamodb')],
    http: ['@smithy/node-http-handler', () => import('@smithy/node-http-handler')],
  })
}

/**
 * The Kinesis client and HTTP handler of `kinesisEventSource()`.
 *
 * @throws LocalCloudError naming the missing packages and the `npm install -D …` line
 */
export function loadKinesisSourceModules(): Promise<KinesisSourceModules> {
  return loadAll<KinesisSourceModules>('kinesisEventSource()', {
    kinesis: ['@aws-sdk/client-kinesis', () => import('@aws-sdk/client-kinesis')],
    http: ['@smithy/node-http-handler', () => import('@smithy/node-http-handler')],
  })
}

/**
 * The event source's parts that need `@aws-sdk/client-kinesis` and `@smithy/node-http-handler`, imported by its first
 * `start()`, so that importing `serverless-done-right/local` needs neither.
 *
 * @throws LocalCloudError naming the missing packages and the `npm install -D …` line
 */
export async function loadKinesisSourceEngine() {
  const { kinesis } = await loadKinesisSourceModules()
  const [client, reader] = await Promise.all([import('./esm/client.js'), import('./esm/reader.js')])
  return {
    ...client,
    ...reader,
    ListShardsCommand: kinesis.ListShardsCommand,
    DescribeSummary: kinesis.DescribeStreamSummaryCommand,
  }
}

/** What {@link loadKinesisSourceEngine} gives. */
export type KinesisSourceEngine = Awaited<ReturnType<typeof loadKinesisSourceEngine>>
