/**
 * The options of `startLocalCloud`, their defaults and their checks.
 *
 * @module
 */

import * as rules from '../option-rules.js'
import { resolveOptions } from '../options.js'
import { checkFaults, type KinesisFaults } from './faults.js'
import { functionRules, localCheck } from './local-options.js'
import type { ServiceFaults } from './service-proxy.js'

/**
 * Options of `startLocalCloud`. Every field is optional; one given as `undefined` takes its default.
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

/** The defaults of {@link LocalCloudOptions} (and internal settings); the TSDoc `@defaultValue`s are tested against them. */
export const localCloudDefaults = {
  kinesisPort: 0,
  dynamodbPort: 0,
  sqs: false,
  sqsPort: 0,
  region: 'us-east-1',
  /** Open shards kinesalite allows in total (its own default is 10); AWS accounts start at 500 or 200. */
  shardLimit: 500,
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
} as const

const port = rules.number({ min: 0, max: 65_535, integer: true })

const localCloudSpec = {
  kinesisPort: port,
  dynamodbPort: port,
  persistDir: rules.string(),
  faults: rules.object('an object of fault settings'),
  dynamodbFaults: rules.object('an object of fault settings'),
  sqs: rules.boolean(),
  sqsPort: port,
  sqsFaults: rules.object('an object of fault settings'),
  region: functionRules.region,
}

/** Checks the options (fault settings included) before anything starts, and applies the defaults. */
export function resolveLocalCloudOptions(options: LocalCloudOptions | undefined) {
  const resolved = resolveOptions(options, localCloudDefaults, localCloudSpec, localCheck('startLocalCloud(options)'))
  if (resolved.faults !== undefined) checkFaults(resolved.faults, 'startLocalCloud(options.faults)')
  return resolved
}
