/**
 * The pollers of an SQS event source: each receives a batch (waiting up to the batching window), invokes the function,
 * and deletes what succeeded; a failed message stays on the queue, visible again after its visibility timeout, and
 * the queue's redrive policy moves it to the dead-letter queue after `maxReceiveCount` receives. Internal to
 * `serverless-done-right/local`.
 *
 * @module
 */
import type { SQSClient } from '@aws-sdk/client-sqs'
import type { SQSRecord } from 'aws-lambda'
import { pause } from '../esm/wakeup.js'
import { invoke } from '../invoke.js'
import { type QueueIdentity, sqsRecord, sqsVerdict } from './events.js'
import type { ResolvedSqsOptions, SqsSourceHandler } from './options.js'
import type { SqsClientModule } from './server.js'

/**
 * Live counters of an `sqsEventSource()`; `stats` returns a fresh copy on every read.
 * @group Local cloud
 */
export interface SqsEventSourceStats {
  /** Function invocations. */
  invocations: number
  /** Messages passed to the function, counting every redelivery. */
  messagesDelivered: number
  /** Messages deleted after the function succeeded with them. */
  messagesDeleted: number
  /** Messages left on the queue because they failed (reported, or in a failed invocation). */
  messagesFailed: number
  /** Invocations that failed the whole batch: a throw, a timeout, or a response Lambda refuses. */
  errors: number
  /** Of `errors`, the invocations that timed out. */
  timeouts: number
  /** Invocations that reported `batchItemFailures`. */
  partialFailures: number
  /** ReceiveMessage calls that failed (throttling, faults). */
  receiveErrors: number
  /** DeleteMessageBatch calls or entries that failed: those messages come back, as in AWS. */
  deleteErrors: number
  /** Invocations running now. */
  inFlight: number
}

/** What the pollers of one running source share. */
export interface SqsRuntime {
  readonly sdk: SqsClientModule
  readonly client: SQSClient
  readonly queue: QueueIdentity
  readonly options: ResolvedSqsOptions
  readonly handler: SqsSourceHandler
  readonly stats: SqsEventSourceStats
  readonly signal: AbortSignal
}

/** One ReceiveMessage of at most `max` messages, long-polling up to `waitMs`; `[]` after an error (counted). */
async function receive(runtime: SqsRuntime, max: number, waitMs: number): Promise<SQSRecord[]> {
  const { sdk, client, queue, signal } = runtime
  const waitSeconds = Math.min(20, Math.floor(waitMs / 1000))
  try {
    const { Messages } = await client.send(
      new sdk.ReceiveMessageCommand({
        QueueUrl: queue.queueUrl,
        MaxNumberOfMessages: max,
        WaitTimeSeconds: waitSeconds,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
      { abortSignal: signal },
    )
    if ((Messages ?? []).length === 0 && waitSeconds * 1000 < waitMs) await pause(waitMs - waitSeconds * 1000, signal)
    return (Messages ?? []).map((message) => sqsRecord(message, queue))
  } catch {
    if (signal.aborted) return []
    runtime.stats.receiveErrors++
    await pause(runtime.options.pollIntervalMs, signal)
    return []
  }
}

/** Receives until the batch is full, or the batching window (from the first message) is over. */
async function gather(runtime: SqsRuntime): Promise<SQSRecord[]> {
  const { batchSize, batchingWindowMs, pollIntervalMs } = runtime.options
  const batch: SQSRecord[] = []
  let firstAt = 0
  while (batch.length < batchSize && !runtime.signal.aborted) {
    const left = firstAt + batchingWindowMs - Date.now()
    if (batch.length > 0 && left <= 0) break
    const received = await receive(
      runtime,
      Math.min(10, batchSize - batch.length),
      batch.length === 0 ? pollIntervalMs : Math.min(left, pollIntervalMs),
    )
    if (batch.length === 0) firstAt = Date.now()
    batch.push(...received)
    if (batch.length > 0 && batchingWindowMs === 0) break
  }
  return batch
}

/** Deletes `records` in batches of ten; an entry that cannot be deleted is counted and comes back later. */
async function deleteAll(runtime: SqsRuntime, records: readonly SQSRecord[]): Promise<void> {
  const { sdk, client, queue, stats } = runtime
  for (let start = 0; start < records.length; start += 10) {
    let entries = records
      .slice(start, start + 10)
      .map((record, index) => ({ Id: String(index), ReceiptHandle: record.receiptHandle }))
    for (let attempt = 0; attempt < 3 && entries.length > 0; attempt++) {
      try {
        const { Failed } = await client.send(
          new sdk.DeleteMessageBatchCommand({ QueueUrl: queue.queueUrl, Entries: entries }),
        )
        const failedIds = new Set((Failed ?? []).map((entry) => entry.Id))
        stats.messagesDeleted += entries.length - failedIds.size
        entries = entries.filter((entry) => failedIds.has(entry.Id))
      } catch {
        stats.deleteErrors++
      }
    }
    if (entries.length > 0) stats.deleteErrors += entries.length
  }
}

/** Invokes the function with `batch` and deletes the messages that succeeded. */
async function processBatch(runtime: SqsRuntime, batch: SQSRecord[]): Promise<void> {
  const { options, stats } = runtime
  stats.invocations++
  stats.inFlight++
  stats.messagesDelivered += batch.length
  let outcome: Awaited<ReturnType<typeof invoke>>
  try {
    outcome = await invoke(
      runtime.handler as (event: object) => unknown,
      { Records: batch },
      {
        timeoutMs: options.timeoutMs,
        memoryMb: options.memoryMb,
        functionName: options.functionName,
        region: runtime.queue.region,
      },
    )
  } finally {
    stats.inFlight--
  }
  const verdict = sqsVerdict(outcome, batch, options.reportBatchItemFailures)
  if (verdict.kind === 'failure') {
    stats.errors++
    if (verdict.timeout) stats.timeouts++
    stats.messagesFailed += batch.length
    return
  }
  if (verdict.kind === 'partial') {
    stats.partialFailures++
    stats.messagesFailed += verdict.failed.size
  }
  const succeeded = verdict.kind === 'partial' ? batch.filter((record) => !verdict.failed.has(record.messageId)) : batch
  await deleteAll(runtime, succeeded)
}

/** Runs one poller until the source stops. */
export async function runPoller(runtime: SqsRuntime): Promise<void> {
  while (!runtime.signal.aborted) {
    const batch = await gather(runtime)
    if (batch.length > 0) await processBatch(runtime, batch)
  }
}
