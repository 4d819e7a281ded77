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
import type { FaultController } from './faults.js'

export type { LocalCloudOptions } from './cloud-options.js'

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
