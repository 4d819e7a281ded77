/**
 * The event source's own Kinesis client, and its retries. Internal to `serverless-done-right/local`.
 *
 * @module
 */
import { KinesisClient } from '@aws-sdk/client-kinesis'
import { NodeHttpHandler } from '@smithy/node-http-handler'
import type { LocalCloud } from '../cloud.js'

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
