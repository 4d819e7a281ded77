/**
 * The options and the face of a local cloud; `cloud.ts` starts one.
 *
 * @module
 */
import type { CreateTableCommandInput, DynamoDBClient } from '@aws-sdk/client-dynamodb'
import type { KinesisClient } from '@aws-sdk/client-kinesis'
import type { SQSClient } from '@aws-sdk/client-sqs'
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import type { StreamStore } from './dynamodb-streams/store.js'
import type { FaultController, KinesisFaults } from './faults.js'
import type { ServiceFaults } from './service-proxy.js'

/**
 * Options of `startLocalCloud`. Every field is optional.
 * @group Local cloud
 */
export interface LocalCloudOptions {
  /**
   * The port kinesalite listens on, on 127.0.0.1. With `faults`, the proxy takes an ephemeral port.
   * @defaultValue `0` (an ephemeral port, read back into `endpoints.kinesis`)
   */
  kinesisPort?: number
  /**
   * The port of the DynamoDB endpoint on 127.0.0.1 (the proxy that captures DynamoDB Streams; dynalite behind it takes
   * an ephemeral port).
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
   * Whole-request faults on the DynamoDB endpoint (`ProvisionedThroughputExceededException` or `ThrottlingException`,
   * `500 InternalServerError`, latency), steered by `dynamodbFaults` on the result. A refused write is not applied and
   * yields no stream record. `operations` defaults to `'all'`.
   * @defaultValue `undefined`: no faults
   */
  dynamodbFaults?: ServiceFaults
  /**
   * Starts an SQS endpoint (fauxqs, an optional peer: `npm install -D fauxqs @aws-sdk/client-sqs`), with the `sqs`
   * client and `createQueue`. Without the peers, `startLocalCloud` rejects with a `LocalCloudError` naming that line.
   * @defaultValue `false`
   */
  sqs?: boolean
  /**
   * The port the SQS emulator listens on, on 127.0.0.1 (with `sqsFaults`, the proxy in front takes an ephemeral one).
   * @defaultValue `0` (ephemeral)
   */
  sqsPort?: number
  /**
   * Whole-request faults on the SQS endpoint (`400 ThrottlingException`, `500 InternalFailure`, latency), steered by
   * `sqsFaults` on the result. `operations` (`'ReceiveMessage'`, `'DeleteMessage'`, …) defaults to `'all'`.
   * @defaultValue `undefined`: no faults
   */
  sqsFaults?: ServiceFaults
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
  endpoints: { kinesis: string; dynamodb: string; sqs?: string }
  /** A Kinesis client on `endpoints.kinesis` (HTTP/1.1 `NodeHttpHandler`, dummy credentials). Destroyed by `stop()`. */
  kinesis: KinesisClient
  /** A DynamoDB client on `endpoints.dynamodb` (dummy credentials). Destroyed by `stop()`. */
  dynamodb: DynamoDBClient
  /** An SQS client on `endpoints.sqs` when started with `sqs: true`; otherwise `undefined`. Destroyed by `stop()`. */
  sqs: SQSClient | undefined
  /**
   * The DynamoDB Streams of the tables created with a `StreamSpecification` (read by `dynamoDbEventSource`): every
   * write through `endpoints.dynamodb` is captured there. In memory only.
   */
  dynamodbStreams: StreamStore
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
  /**
   * Creates a queue (name ending in `.fifo` for FIFO; `attributes` as `CreateQueue` takes them, e.g. `VisibilityTimeout`,
   * `RedrivePolicy`) and resolves with its URL; an existing queue with the same attributes is fine. Needs `sqs: true`.
   */
  createQueue(name: string, attributes?: Record<string, string>): Promise<string>
  /** Live fault settings and counts of injected faults, when started with `faults`; otherwise `undefined`. */
  faults: FaultController | undefined
  /** The same for `dynamodbFaults`. */
  dynamodbFaults: FaultController | undefined
  /** The same for `sqsFaults`. */
  sqsFaults: FaultController | undefined
  /** Stops the proxy, destroys the clients (and their keep-alive sockets), closes both services and their stores. */
  stop(): Promise<void>
}
