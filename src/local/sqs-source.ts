/**
 * An SQS event source mapping emulator: pollers that receive from a queue of the local cloud, invoke a handler with
 * AWS's `SQSEvent`, and delete what succeeded, as Lambda's SQS poller does.
 *
 * @module
 */

import { retrying } from './esm/retry.js'
import { pause } from './esm/wakeup.js'
import { LocalOptionsError } from './options-error.js'
import { type ResolvedSqsOptions, resolveSqsOptions, type SqsEventSourceOptions } from './sqs/options.js'
import { runPoller, type SqsEventSourceStats, type SqsRuntime } from './sqs/poller.js'
import { loadSqsClient } from './sqs/server.js'

export type { SqsEventSourceOptions, SqsSourceHandler } from './sqs/options.js'
export type { SqsEventSourceStats } from './sqs/poller.js'

/**
 * A running (or stopped) SQS event source; see {@link sqsEventSource}.
 * @group Local cloud
 */
export interface SqsEventSource {
  /** Looks the queue up and starts the pollers. Idempotent. */
  start(): Promise<void>
  /** Stops polling, lets invocations in flight finish (and delete what succeeded), and resolves once nothing runs. */
  stop(): Promise<void>
  /**
   * Resolves once the queue holds no message (visible, in flight or delayed) and no invocation runs: every message was
   * deleted, or moved to the dead-letter queue by the redrive policy. Rejects with `LocalOptionsError` if the source is
   * not running or stops first.
   */
  drain(): Promise<void>
  /** A copy of the live counters, fresh on every read. */
  readonly stats: SqsEventSourceStats
  /** `true` between `start()` and `stop()`. */
  readonly running: boolean
}

interface Session {
  readonly runtime: SqsRuntime
  readonly controller: AbortController
  readonly tasks: Promise<void>[]
}

/** Looks the queue up and checks the function timeout against its visibility timeout, as CreateEventSourceMapping does. */
async function connect(options: SqsEventSourceOptions, resolved: ResolvedSqsOptions, signal: AbortSignal) {
  const endpoint = options.cloud.endpoints.sqs
  if (endpoint === undefined) throw new LocalOptionsError('sqsEventSource: the cloud was started without sqs: true')
  const sdk = await loadSqsClient()
  const { NodeHttpHandler } = await import('@smithy/node-http-handler')
  const client = new sdk.SQSClient({
    endpoint,
    region: options.cloud.region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    requestHandler: new NodeHttpHandler(),
    maxAttempts: 1,
  })
  try {
    const retry = { signal, pauseMs: resolved.pollIntervalMs, attempts: 5, onError: () => undefined }
    const { QueueUrl } = await retrying(
      () => client.send(new sdk.GetQueueUrlCommand({ QueueName: options.queueName })),
      retry,
    )
    const queueUrl = QueueUrl ?? ''
    const { Attributes = {} } = await retrying(
      () =>
        client.send(
          new sdk.GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn', 'VisibilityTimeout'] }),
        ),
      retry,
    )
    const visibilityMs = Number(Attributes.VisibilityTimeout ?? 30) * 1000
    if (visibilityMs < resolved.timeoutMs)
      throw new LocalOptionsError(
        `sqsEventSource: the visibility timeout of ${options.queueName} (${visibilityMs} ms) is shorter than timeoutMs (${resolved.timeoutMs})`,
      )
    const queue = {
      queueUrl,
      queueArn: Attributes.QueueArn ?? '',
      region: options.cloud.region,
      fifo: options.queueName.endsWith('.fifo'),
    }
    return { sdk, client, queue }
  } catch (error) {
    client.destroy()
    throw error
  }
}

/** Every counter of a new source, at zero. */
function emptyStats(): SqsEventSourceStats {
  return {
    invocations: 0,
    messagesDelivered: 0,
    messagesDeleted: 0,
    messagesFailed: 0,
    errors: 0,
    timeouts: 0,
    partialFailures: 0,
    receiveErrors: 0,
    deleteErrors: 0,
    inFlight: 0,
  }
}

/** Whether the queue is empty: nothing visible, in flight or delayed. */
async function queueEmpty({ runtime }: Session): Promise<boolean> {
  const { sdk, client, queue } = runtime
  const names = [
    'ApproximateNumberOfMessages',
    'ApproximateNumberOfMessagesNotVisible',
    'ApproximateNumberOfMessagesDelayed',
  ] as const
  try {
    const { Attributes = {} } = await client.send(
      new sdk.GetQueueAttributesCommand({ QueueUrl: queue.queueUrl, AttributeNames: [...names] }),
    )
    return names.every((name) => Number(Attributes[name] ?? 0) === 0)
  } catch {
    return false
  }
}

/**
 * Creates an event source mapping from a queue of the local cloud (started with `sqs: true`) to a handler, with AWS's
 * parameters and defaults. Nothing runs before `start()`.
 *
 * - Events have AWS's shape (`test/fixtures/aws-events/sqs.json`): `messageId`, `receiptHandle`, `body`,
 *   `attributes` (`ApproximateReceiveCount`, and for FIFO `MessageGroupId`, `MessageDeduplicationId`,
 *   `SequenceNumber`), `messageAttributes` in Lambda's lower-case form, `md5OfBody`, `eventSourceARN`.
 * - `maximumConcurrency` pollers (5 without it) each receive up to 10 messages at a time until `batchSize` or the
 *   batching window, invoke, and delete what succeeded. With `ReportBatchItemFailures` the reported messages stay
 *   (an unknown or empty identifier fails the whole batch); a throw or timeout leaves the whole batch. What stays is
 *   visible again after the queue's visibility timeout, and the queue's redrive policy moves a message to its
 *   dead-letter queue after `maxReceiveCount` receives.
 * - FIFO: the queue never hands out a message of a group while another of it is in flight, so a group's messages
 *   reach the function in order, one batch at a time.
 *
 * Differences from AWS: pollers do not scale up by themselves (5, or `maximumConcurrency`); fauxqs returns at most one
 * message per FIFO group in one receive, so FIFO batches hold one message per group (AWS may put several of a group in
 * a batch); long polling waits `pollIntervalMs` (AWS 20 s); filter criteria are not emulated.
 *
 * @param options - the cloud, queue and handler, and the mapping's parameters; see {@link SqsEventSourceOptions}
 * @returns the event source, not started
 *
 * @example
 * ```ts
 * import { SendMessageCommand } from '@aws-sdk/client-sqs'
 * import type { SQSEvent } from 'aws-lambda'
 * import { sqsEventSource, startLocalCloud } from 'serverless-done-right/local'
 *
 * const cloud = await startLocalCloud({ sqs: true })
 * const queueUrl = await cloud.createQueue('orders', { VisibilityTimeout: '5' })
 * const source = sqsEventSource({
 *   cloud,
 *   queueName: 'orders',
 *   functionResponseTypes: ['ReportBatchItemFailures'],
 *   pollIntervalMs: 100,
 *   handler: async (event: SQSEvent) => {
 *     for (const record of event.Records) console.log(record.body)
 *     return { batchItemFailures: [] }
 *   },
 * })
 * await source.start()
 * await cloud.sqs?.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'hello' }))
 * await source.drain()
 * console.log(source.stats.messagesDeleted) // 1
 * await source.stop()
 * await cloud.stop()
 * ```
 * @group Local cloud
 */
export function sqsEventSource(options: SqsEventSourceOptions): SqsEventSource {
  const resolved = resolveSqsOptions(options)
  const stats = emptyStats()
  let session: Session | undefined
  let starting: Promise<void> | undefined

  const start = async () => {
    if (session !== undefined) return
    const controller = new AbortController()
    const { sdk, client, queue } = await connect(options, resolved, controller.signal)
    const runtime: SqsRuntime = {
      sdk,
      client,
      queue,
      options: resolved,
      handler: options.handler,
      stats,
      signal: controller.signal,
    }
    const tasks = Array.from({ length: resolved.concurrency }, () => runPoller(runtime))
    session = { runtime, controller, tasks }
  }

  return {
    start() {
      starting ??= start().finally(() => {
        starting = undefined
      })
      return starting
    },
    async stop() {
      await starting?.catch(() => undefined)
      const current = session
      if (current === undefined) return
      session = undefined
      current.controller.abort()
      await Promise.allSettled(current.tasks)
      current.runtime.client.destroy()
    },
    async drain() {
      await starting
      const current = session
      if (current === undefined) throw new LocalOptionsError('sqsEventSource: drain() needs a started source')
      for (;;) {
        if (session !== current) throw new LocalOptionsError('sqsEventSource: stopped before it drained')
        if (stats.inFlight === 0 && (await queueEmpty(current)) && stats.inFlight === 0) return
        await pause(Math.min(100, resolved.pollIntervalMs), current.controller.signal)
      }
    },
    get stats() {
      return { ...stats }
    },
    get running() {
      return session !== undefined
    },
  }
}
