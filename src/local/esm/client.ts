/**
 * The event source's own Kinesis client, and its retries. Internal to `serverless-done-right/local`.
 *
 * @module
 */
import { KinesisClient } from '@aws-sdk/client-kinesis'
import { NodeHttpHandler } from '@smithy/node-http-handler'
import type { LocalCloud } from '../cloud.js'
import { pause } from './wakeup.js'

/**
 * A client on the cloud's Kinesis endpoint (through its fault proxy, if any) that makes one attempt per call.
 * The event source retries by itself, as Lambda's poller does: the SDK's own retry delay cannot be cancelled, and
 * would keep a timer alive after `stop()`.
 */
export function createReaderClient(cloud: LocalCloud): KinesisClient {
  return new KinesisClient({
    endpoint: cloud.endpoints.kinesis,
    region: cloud.region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    requestHandler: new NodeHttpHandler(),
    maxAttempts: 1,
  })
}

/**
 * Calls `call` until it succeeds, at most `attempts` times, pausing `pauseMs`, then twice that, and so on (at most
 * two seconds), between tries; `onError` sees each failure. Rethrows the last error, or the first once `signal` aborts.
 */
export async function retrying<T>(
  call: () => Promise<T>,
  options: { signal: AbortSignal; pauseMs: number; attempts: number; onError: () => void },
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call()
    } catch (error) {
      if (options.signal.aborted || attempt >= options.attempts) throw error
      options.onError()
      await pause(Math.min(2000, options.pauseMs * 2 ** (attempt - 1)), options.signal)
    }
  }
}
