/**
 * An embedded Kinesis and DynamoDB on loopback, with ready AWS SDK v3 clients: no Docker, no account.
 *
 * @module
 */
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { CreateTableCommandInput, DynamoDBClient } from '@aws-sdk/client-dynamodb'
import type { KinesisClient } from '@aws-sdk/client-kinesis'
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { type EmbeddedServer, serveEmbedded } from './embedded-server.js'
import { type FaultProxy, startFaultProxy } from './fault-proxy.js'
import type { FaultController, KinesisFaults } from './faults.js'
import { lockFolder } from './folder-lock.js'
import { LocalCloudError } from './local-cloud-error.js'
import { type LocalCloudModules, loadLocalCloudModules } from './peers.js'
import { waitUntil } from './wait-until.js'

/**
 * Options of {@link startLocalCloud}. Every field is optional.
 * @group Local cloud
 */
export interface LocalCloudOptions {
  /**
   * The port kinesalite listens on, on 127.0.0.1. With `faults`, the proxy takes an ephemeral port.
   * @defaultValue `0` (an ephemeral port, read back into `endpoints.kinesis`)
   */
  kinesisPort?: number
  /**
   * The port dynalite listens on, on 127.0.0.1.
   * @defaultValue `0` (an ephemeral port, read back into `endpoints.dynamodb`)
   */
  dynamodbPort?: number
  /**
   * A folder for LevelDB stores (`<persistDir>/kinesis`, `<persistDir>/dynamodb`), created if missing: streams,
   * records, tables and items survive `stop()` and come back when a cloud starts on the same folder. One running cloud
   * per folder: it holds `<persistDir>/local-cloud.pid` until `stop()`, and a second one gets a `LocalCloudError`.
   * @defaultValue `undefined`: everything in memory, gone at `stop()`
   */
  persistDir?: string
  /**
   * Puts a fault proxy in front of Kinesis: `endpoints.kinesis` and the `kinesis` client go through it, and
   * `faults` on the result steers it while running. `createStream` bypasses it.
   * @defaultValue `undefined`: no proxy
   */
  faults?: KinesisFaults
  /**
   * The region of the clients and of every ARN the services return.
   * @defaultValue `'us-east-1'`
   */
  region?: string
}

/**
 * A running local cloud: endpoints, ready clients, helpers, and `stop()`.
 * @group Local cloud
 */
export interface LocalCloud {
  /** The URLs to point clients at (`http://127.0.0.1:<port>`). With `faults`, `kinesis` is the fault proxy's URL. */
  endpoints: { kinesis: string; dynamodb: string }
  /** A Kinesis client on `endpoints.kinesis` (HTTP/1.1 `NodeHttpHandler`, dummy credentials). Destroyed by `stop()`. */
  kinesis: KinesisClient
  /** A DynamoDB client on `endpoints.dynamodb` (dummy credentials). Destroyed by `stop()`. */
  dynamodb: DynamoDBClient
  /** A document client over `dynamodb`, with `removeUndefinedValues: true`. */
  documentClient: DynamoDBDocumentClient
  /** The region of the clients and ARNs. */
  region: string
  /**
   * Creates a stream with `shardCount` shards and resolves once it is `ACTIVE`. A stream of that name that already
   * exists with that many open shards (from a persisted folder) is fine; with another count it throws `LocalCloudError`.
   */
  createStream(name: string, shardCount: number): Promise<void>
  /**
   * Creates a table and resolves once it is `ACTIVE`. A table of that name that already exists (from a persisted
   * folder) is fine, and is not compared with `input`.
   */
  createTable(input: CreateTableCommandInput): Promise<void>
  /** Live fault settings and counts of injected faults, when started with `faults`; otherwise `undefined`. */
  faults: FaultController | undefined
  /** Stops the proxy, destroys the clients (and their keep-alive sockets), closes both services and their stores. */
  stop(): Promise<void>
}

const defaults = {
  kinesisPort: 0,
  dynamodbPort: 0,
  region: 'us-east-1',
  /** Open shards kinesalite allows in total (its own default is 10); AWS accounts start at 500 or 200. */
  shardLimit: 500,
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
} as const

/**
 * Starts kinesalite and dynalite in this process on 127.0.0.1 and returns ready AWS SDK v3 clients for them.
 *
 * Streams and tables are created with no delay (`createStreamMs`, `createTableMs` and the others are `0`); the helpers
 * still wait for `ACTIVE`, as against AWS. Call `stop()` when done (in `afterAll`): after it no server, socket, timer
 * or LevelDB handle stays open. Stop event sources and gateways that use the cloud before the cloud itself.
 * Development only: kinesalite 3.3.3 and dynalite 4.0.0 implement the data-plane APIs listed in the README, not
 * enhanced fan-out, transactions or DynamoDB Streams.
 *
 * kinesalite, dynalite, the Kinesis and DynamoDB clients, `@aws-sdk/lib-dynamodb` and `@smithy/node-http-handler` are
 * optional peers, loaded by the first call: install them as dev dependencies (the README's `/local` section has the line).
 *
 * @param options - ports, persistence folder, fault injection and region; see {@link LocalCloudOptions}
 * @returns the running cloud
 * @throws LocalCloudError when one of those packages is not installed, naming it and the `npm install -D …` line
 *
 * @example
 * ```ts
 * import { PutRecordCommand } from '@aws-sdk/client-kinesis'
 * import { PutCommand } from '@aws-sdk/lib-dynamodb'
 * import { startLocalCloud } from 'serverless-done-right/local'
 *
 * const cloud = await startLocalCloud()
 * try {
 *   await cloud.createStream('events', 2)
 *   await cloud.createTable({
 *     TableName: 'users',
 *     KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
 *     AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
 *     BillingMode: 'PAY_PER_REQUEST',
 *   })
 *   await cloud.kinesis.send(new PutRecordCommand({ StreamName: 'events', PartitionKey: 'u1', Data: Buffer.from('hi') }))
 *   await cloud.documentClient.send(new PutCommand({ TableName: 'users', Item: { id: 'u1', name: 'Ada' } }))
 *   console.log(cloud.endpoints) // { kinesis: 'http://127.0.0.1:…', dynamodb: 'http://127.0.0.1:…' }
 * } finally {
 *   await cloud.stop()
 * }
 * ```
 * @group Local cloud
 */
export async function startLocalCloud(options: LocalCloudOptions = {}): Promise<LocalCloud> {
  const region = options.region ?? defaults.region
  const undo: Array<() => Promise<void>> = []
  /** Stops what was started, last first; every step runs even if an earlier one fails. */
  const stopAll = async () => {
    let failure: unknown
    for (const step of [...undo].reverse()) await step().catch((error: unknown) => (failure ??= error))
    if (failure !== undefined) throw failure
  }
  try {
    const modules = await loadLocalCloudModules()
    let paths: { kinesis: string; dynamodb: string } | undefined
    if (options.persistDir !== undefined) {
      paths = await persistPaths(options.persistDir)
      undo.push(await lockFolder(options.persistDir))
    }
    const kinesalite = await serveEmbedded(
      withRegion(region, () =>
        modules.kinesalite({
          createStreamMs: 0,
          deleteStreamMs: 0,
          updateStreamMs: 0,
          shardLimit: defaults.shardLimit,
          ...(paths && { path: paths.kinesis }),
        }),
      ),
      options.kinesisPort ?? defaults.kinesisPort,
    )
    undo.push(() => kinesalite.stop())
    const dynalite = await serveEmbedded(
      withRegion(region, () =>
        modules.dynalite({
          createTableMs: 0,
          deleteTableMs: 0,
          updateTableMs: 0,
          ...(paths && { path: paths.dynamodb }),
        }),
      ),
      options.dynamodbPort ?? defaults.dynamodbPort,
    )
    undo.push(() => dynalite.stop())
    const proxy = options.faults === undefined ? undefined : await startFaultProxy(kinesalite.url, options.faults)
    if (proxy !== undefined) undo.push(() => proxy.stop())
    return assemble(modules, region, kinesalite, dynalite, proxy, stopAll)
  } catch (error) {
    await stopAll().catch(() => undefined)
    throw error
  }
}

/** The cloud's face over running services; `stopServices` stops them (proxy, then services, then the folder lock). */
function assemble(
  { kinesis: kinesisSdk, dynamodb: dynamodbSdk, documentClient: documentSdk, http }: LocalCloudModules,
  region: string,
  kinesalite: EmbeddedServer,
  dynalite: EmbeddedServer,
  proxy: FaultProxy | undefined,
  stopServices: () => Promise<void>,
): LocalCloud {
  const clientConfig = (endpoint: string) => ({
    endpoint,
    region,
    credentials: defaults.credentials,
    requestHandler: new http.NodeHttpHandler(),
  })
  const kinesisEndpoint = proxy?.server.url ?? kinesalite.url
  const kinesis = new kinesisSdk.KinesisClient(clientConfig(kinesisEndpoint))
  // Setup calls go straight to kinesalite, so that injected faults never break createStream.
  const directKinesis = proxy === undefined ? kinesis : new kinesisSdk.KinesisClient(clientConfig(kinesalite.url))
  const dynamodb = new dynamodbSdk.DynamoDBClient(clientConfig(dynalite.url))
  const documentClient = documentSdk.DynamoDBDocumentClient.from(dynamodb, {
    marshallOptions: { removeUndefinedValues: true },
  })
  let stopped: Promise<void> | undefined

  return {
    endpoints: { kinesis: kinesisEndpoint, dynamodb: dynalite.url },
    kinesis,
    dynamodb,
    documentClient,
    region,
    faults: proxy?.controller,
    async createStream(name, shardCount) {
      try {
        await directKinesis.send(new kinesisSdk.CreateStreamCommand({ StreamName: name, ShardCount: shardCount }))
      } catch (error) {
        if (!(error instanceof kinesisSdk.ResourceInUseException)) throw error
      }
      const summary = await waitUntil(`stream ${name} to be ACTIVE`, async () => {
        const { StreamDescriptionSummary } = await directKinesis.send(
          new kinesisSdk.DescribeStreamSummaryCommand({ StreamName: name }),
        )
        return StreamDescriptionSummary?.StreamStatus === 'ACTIVE' ? StreamDescriptionSummary : undefined
      })
      if (summary.OpenShardCount !== shardCount)
        throw new LocalCloudError(`stream ${name} exists with ${summary.OpenShardCount} open shards, not ${shardCount}`)
    },
    async createTable(input) {
      const tableName = input.TableName
      try {
        await dynamodb.send(new dynamodbSdk.CreateTableCommand(input))
      } catch (error) {
        if (!(error instanceof dynamodbSdk.ResourceInUseException)) throw error
      }
      await waitUntil(`table ${tableName} to be ACTIVE`, async () => {
        const { Table } = await dynamodb.send(new dynamodbSdk.DescribeTableCommand({ TableName: tableName }))
        return Table?.TableStatus === 'ACTIVE' ? Table : undefined
      })
    },
    stop() {
      stopped ??= (async () => {
        for (const client of new Set([kinesis, directKinesis, dynamodb])) client.destroy()
        await stopServices()
      })()
      return stopped
    },
  }
}

/** Creates the two store folders under `persistDir`. */
async function persistPaths(persistDir: string): Promise<{ kinesis: string; dynamodb: string }> {
  const paths = { kinesis: join(persistDir, 'kinesis'), dynamodb: join(persistDir, 'dynamodb') }
  await mkdir(paths.kinesis, { recursive: true })
  await mkdir(paths.dynamodb, { recursive: true })
  return paths
}

/**
 * Runs `create` with `AWS_REGION` set to `region`: kinesalite and dynalite read it, synchronously, while creating their
 * store, to build ARNs. The previous value is back before this returns.
 */
function withRegion<T>(region: string, create: () => T): T {
  const previous = process.env.AWS_REGION
  process.env.AWS_REGION = region
  try {
    return create()
  } finally {
    if (previous === undefined) delete process.env.AWS_REGION
    else process.env.AWS_REGION = previous
  }
}
