/**
 * The SQS of a local cloud: fauxqs (an SQS emulator the real `@aws-sdk/client-sqs` talks to) on loopback, loaded only
 * when a cloud is started with `sqs: true`. Internal to `serverless-done-right/local`.
 *
 * @module
 */
import { LocalCloudError } from '../local-cloud-error.js'

/** A running SQS emulator. */
export interface LocalSqsServer {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string
  /** Closes the server and its connections. */
  stop(): Promise<void>
}

/** The part of fauxqs's API this project uses (fauxqs 2.4: `buildApp` returns a Fastify instance). */
interface FauxqsModule {
  buildApp(options: { logger?: boolean; defaultRegion?: string }): {
    listen(options: { port: number; host: string }): Promise<string>
    close(): Promise<void>
  }
}

/** The SDK client module, loaded with the emulator so that both optional peers are checked at start. */
export type SqsClientModule = typeof import('@aws-sdk/client-sqs')

const installLine = 'npm install -D fauxqs@^2.4.1 @aws-sdk/client-sqs@^3'

/** Imports an optional peer, or throws `LocalCloudError` naming the install line. */
async function importPeer<T>(name: string): Promise<T> {
  try {
    return (await import(name)) as T
  } catch (error) {
    throw new LocalCloudError(`startLocalCloud({ sqs: true }) needs ${name}: ${installLine}`, { cause: error })
  }
}

/** Loads `@aws-sdk/client-sqs` (and checks that fauxqs is there too). */
export async function loadSqsClient(): Promise<SqsClientModule> {
  return importPeer<SqsClientModule>('@aws-sdk/client-sqs')
}

/**
 * Starts fauxqs on 127.0.0.1:`port` (`0`: ephemeral), in memory. Queue URLs name the host the client called
 * (`http://127.0.0.1:<port>/000000000000/<name>`); ARNs use the region of the caller's signature, else `region`.
 */
export async function startSqsServer(region: string, port: number): Promise<LocalSqsServer> {
  const fauxqs = await importPeer<FauxqsModule>('fauxqs')
  const app = fauxqs.buildApp({ logger: false, defaultRegion: region })
  const address = await app.listen({ port, host: '127.0.0.1' })
  const actualPort = new URL(address).port
  let stopped: Promise<void> | undefined
  return {
    url: `http://127.0.0.1:${actualPort}`,
    stop() {
      stopped ??= app.close()
      return stopped
    },
  }
}
