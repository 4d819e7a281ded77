/**
 * The error `startLocalCloud()` and its helpers throw when the local cloud cannot do what was asked.
 *
 * @module
 */
import { ServerlessDoneRightError } from '../errors.js'

/**
 * The local cloud could not do what was asked: a package it needs is not installed (the message names the missing ones
 * and the `npm install -D …` line), a stream or table did not become `ACTIVE` in time, or an existing one does not
 * match the request. Problems of kinesalite, dynalite or the network keep their own errors.
 *
 * @example
 * ```ts
 * import { LocalCloudError, startLocalCloud } from 'serverless-done-right/local'
 *
 * const cloud = await startLocalCloud()
 * await cloud.createStream('events', 2)
 * try {
 *   await cloud.createStream('events', 4) // exists with 2 shards
 * } catch (error) {
 *   if (error instanceof LocalCloudError) console.log(error.code) // 'SDR_LOCAL_CLOUD'
 * } finally {
 *   await cloud.stop()
 * }
 * ```
 * @group Errors
 */
export class LocalCloudError extends ServerlessDoneRightError {
  readonly code = 'SDR_LOCAL_CLOUD'

  /**
   * @param message - what went wrong
   * @param options - `cause`, kept for logging
   */
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'LocalCloudError'
  }
}
