/**
 * SQS messages as Lambda delivers them, and how Lambda reads the function's answer. Internal to
 * `serverless-done-right/local`.
 *
 * @module
 */
import type { Message, MessageAttributeValue } from '@aws-sdk/client-sqs'
import type { SQSMessageAttributes, SQSRecord, SQSRecordAttributes } from 'aws-lambda'
import type { InvokeResult } from '../invoke.js'

/** Where the queue is, for the records' `eventSourceARN` and `awsRegion`. */
export interface QueueIdentity {
  readonly queueUrl: string
  readonly queueArn: string
  readonly region: string
  readonly fifo: boolean
}

function lambdaAttribute(value: MessageAttributeValue): SQSMessageAttributes[string] {
  return {
    dataType: value.DataType ?? 'String',
    ...(value.StringValue !== undefined && { stringValue: value.StringValue }),
    ...(value.BinaryValue !== undefined && { binaryValue: Buffer.from(value.BinaryValue).toString('base64') }),
    stringListValues: value.StringListValues ?? [],
    binaryListValues: (value.BinaryListValues ?? []).map((bytes) => Buffer.from(bytes).toString('base64')),
  }
}

/** The record Lambda delivers for `message` (received with every system and message attribute). */
export function sqsRecord(message: Message, queue: QueueIdentity): SQSRecord {
  const attributes = (message.Attributes ?? {}) as Record<string, string>
  const messageAttributes: SQSMessageAttributes = {}
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    messageAttributes[name] = lambdaAttribute(value)
  }
  const recordAttributes: SQSRecordAttributes = {
    ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
    SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
    SenderId: attributes.SenderId ?? '000000000000',
    ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    ...(attributes.SequenceNumber !== undefined && { SequenceNumber: attributes.SequenceNumber }),
    ...(attributes.MessageGroupId !== undefined && { MessageGroupId: attributes.MessageGroupId }),
    ...(attributes.MessageDeduplicationId !== undefined && {
      MessageDeduplicationId: attributes.MessageDeduplicationId,
    }),
  }
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: recordAttributes,
    messageAttributes,
    md5OfBody: message.MD5OfBody ?? '',
    ...(message.MD5OfMessageAttributes !== undefined && { md5OfMessageAttributes: message.MD5OfMessageAttributes }),
    eventSource: 'aws:sqs',
    eventSourceARN: queue.queueArn,
    awsRegion: queue.region,
  }
}

/** Which messages of a batch failed: none, some (by `messageId`), or all. */
export type SqsVerdict =
  | { kind: 'success' }
  | { kind: 'partial'; failed: ReadonlySet<string> }
  | { kind: 'failure'; timeout: boolean }

/**
 * Reads an invocation's outcome. A throw or a timeout fails every message. With `ReportBatchItemFailures`: no
 * response, no `batchItemFailures`, `null` or `[]` is success; an entry whose `itemIdentifier` is missing, empty, not a
 * string or no message of the batch fails every message; otherwise the reported messages failed. Without it, any
 * response is success.
 */
export function sqsVerdict(outcome: InvokeResult, batch: readonly SQSRecord[], report: boolean): SqsVerdict {
  if (outcome.status === 'timeout') return { kind: 'failure', timeout: true }
  if (outcome.status === 'error') return { kind: 'failure', timeout: false }
  const result = outcome.result as { batchItemFailures?: unknown } | null | undefined
  if (!report || typeof result !== 'object' || result === null) return { kind: 'success' }
  const failures = result.batchItemFailures
  if (failures === undefined || failures === null) return { kind: 'success' }
  if (!Array.isArray(failures)) return { kind: 'failure', timeout: false }
  const ids = new Set(batch.map((record) => record.messageId))
  const failed = new Set<string>()
  for (const failure of failures as unknown[]) {
    const id =
      typeof failure === 'object' && failure !== null
        ? (failure as { itemIdentifier?: unknown }).itemIdentifier
        : undefined
    if (typeof id !== 'string' || !ids.has(id)) return { kind: 'failure', timeout: false }
    failed.add(id)
  }
  return failed.size === 0 ? { kind: 'success' } : { kind: 'partial', failed }
}
