/**
 * The options of `startLocalCloud`, their defaults and their checks.
 *
 * @module
 */

import * as rules from '../option-rules.js'
import { resolveOptions } from '../options.js'
import { checkFaults, type KinesisFaults } from './faults.js'
import { functionRules, localCheck } from './local-options.js'

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
   * The region of the clients and of every ARN the services return.
   * @defaultValue `'us-east-1'`
   */
  region?: string
}

/** The defaults of {@link LocalCloudOptions} (and internal settings); the TSDoc `@defaultValue`s are tested against them. */
export const localCloudDefaults = {
  kinesisPort: 0,
  dynamodbPort: 0,
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
  region: functionRules.region,
}

/** Checks the options (fault settings included) before anything starts, and applies the defaults. */
export function resolveLocalCloudOptions(options: LocalCloudOptions | undefined) {
  const resolved = resolveOptions(options, localCloudDefaults, localCloudSpec, localCheck('startLocalCloud(options)'))
  if (resolved.faults !== undefined) checkFaults(resolved.faults, 'startLocalCloud(options.faults)')
  return resolved
}
