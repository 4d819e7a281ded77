/**
 * An embedded Kinesis and DynamoDB on loopback, with ready AWS SDK v3 clients: no Docker, no account.
 *
 * @module
 */
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { type LocalCloudOptions, localCloudDefaults, resolveLocalCloudOptions } from './cloud-options.js'
import { createStream, createTable } from './cloud-setup.js'
import type { LocalCloud } from './cloud-types.js'
import { streamCapture } from './dynamodb-streams/capture.js'
import { createStreamStore, type StreamStore } from './dynamodb-streams/store.js'
import { type EmbeddedServer, serveEmbedded } from './embedded-server.js'
import { type FaultProxy, startFaultProxy } from './fault-proxy.js'
import { lockFolder } from './folder-lock.js'
import { LocalCloudError } from './local-cloud-error.js'
import { type LocalCloudModules, loadLocalCloudModules } from './peers.js'
import { type ServiceProxy, startServiceProxy } from './service-proxy.js'
import { dynamodbErrors, type LocalSqs, startLocalSqs } from './sqs/endpoint.js'

export type { LocalCloud, LocalCloudOptions } from './cloud-types.js'

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
 * @throws LocalOptionsError (the promise rejects) for an unknown option or a bad value, `LocalCloudError` for bad
 *   fault settings, before anything starts
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
  const settings = resolveLocalCloudOptions(options)
  const { region } = settings
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
    if (settings.persistDir !== undefined) {
      paths = await persistPaths(settings.persistDir)
      undo.push(await lockFolder(settings.persistDir))
    }
    const kinesalite = await serveEmbedded(
      withRegion(region, () =>
        modules.kinesalite({
          createStreamMs: 0,
          deleteStreamMs: 0,
          updateStreamMs: 0,
          shardLimit: localCloudDefaults.shardLimit,
          ...(paths && { path: paths.kinesis }),
        }),
      ),
      settings.kinesisPort,
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
      0, // the proxy in front of it takes dynamodbPort
    )
    undo.push(() => dynalite.stop())
    const proxy = settings.faults === undefined ? undefined : await startFaultProxy(kinesalite.url, settings.faults)
    if (proxy !== undefined) undo.push(() => proxy.stop())
    const streams = createStreamStore(region)
    const dynamodbProxy = await startServiceProxy({
      upstream: dynalite.url,
      faults: settings.dynamodbFaults,
      errors: dynamodbErrors,
      handle: streamCapture(streams),
      port: settings.dynamodbPort,
    })
    undo.push(() => dynamodbProxy.stop())
    const sqs =
      settings.sqs === true
        ? await startLocalSqs(modules.http, region, settings.sqsPort, settings.sqsFaults)
        : undefined
    if (sqs !== undefined) undo.push(() => sqs.stop())
    return assemble(modules, region, { kinesalite, dynamodbProxy, proxy, streams, sqs }, stopAll)
  } catch (error) {
    await stopAll().catch(() => undefined)
    throw error
  }
}

/** The cloud's face over running services; `stopServices` stops them (proxy, then services, then the folder lock). */
function assemble(
  { kinesis: kinesisSdk, dynamodb: dynamodbSdk, documentClient: documentSdk, http }: LocalCloudModules,
  region: string,
  services: {
    kinesalite: EmbeddedServer
    dynamodbProxy: ServiceProxy
    proxy: FaultProxy | undefined
    streams: StreamStore
    sqs: LocalSqs | undefined
  },
  stopServices: () => Promise<void>,
): LocalCloud {
  const { kinesalite, dynamodbProxy, proxy, streams, sqs } = services
  const clientConfig = (endpoint: string) => ({
    endpoint,
    region,
    credentials: localCloudDefaults.credentials,
    requestHandler: new http.NodeHttpHandler(),
  })
  const kinesisEndpoint = proxy?.server.url ?? kinesalite.url
  const kinesis = new kinesisSdk.KinesisClient(clientConfig(kinesisEndpoint))
  // Setup calls go straight to kinesalite, so that injected faults never break createStream.
  const directKinesis = proxy === undefined ? kinesis : new kinesisSdk.KinesisClient(clientConfig(kinesalite.url))
  const dynamodb = new dynamodbSdk.DynamoDBClient(clientConfig(dynamodbProxy.server.url))
  // Setup calls bypass injected faults (the capture still sees them, for the stream specification).
  const setupDynamodb =
    dynamodbProxy.controller === undefined
      ? dynamodb
      : new dynamodbSdk.DynamoDBClient(clientConfig(dynamodbProxy.setupUrl))
  const documentClient = documentSdk.DynamoDBDocumentClient.from(dynamodb, {
    marshallOptions: { removeUndefinedValues: true },
  })
  let stopped: Promise<void> | undefined

  return {
    endpoints: {
      kinesis: kinesisEndpoint,
      dynamodb: dynamodbProxy.server.url,
      ...(sqs !== undefined && { sqs: sqs.url }),
    },
    kinesis,
    dynamodb,
    sqs: sqs?.client,
    dynamodbStreams: streams,
    documentClient,
    region,
    faults: proxy?.controller,
    dynamodbFaults: dynamodbProxy.controller,
    sqsFaults: sqs?.faults,
    createQueue(name, attributes) {
      if (sqs === undefined) throw new LocalCloudError('createQueue needs a cloud started with sqs: true')
      return sqs.createQueue(name, attributes)
    },
    createStream: (name, shardCount) => createStream(kinesisSdk, directKinesis, name, shardCount),
    createTable: (input) => createTable(dynamodbSdk, setupDynamodb, input),
    stop() {
      stopped ??= (async () => {
        for (const client of new Set([kinesis, directKinesis, dynamodb, setupDynamodb])) client.destroy()
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
