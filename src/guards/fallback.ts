/**
 * The answer `timeoutGuard()` gives when the hard phase cuts a handler off: chosen by the kind of event.
 *
 * @module
 */
import type { Request } from '@middy/core'
import { internalsOf } from '../budget/invocation.js'
import type { TimeoutApproachingError } from '../errors.js'
import { batchItemIdentifier, batchRecords, eventKind, type KafkaItemIdentifier, recordId } from '../events.js'
import { problemBody, problemResponse } from '../http-response.js'

/** One entry of a partial batch response. */
interface ItemFailure {
  itemIdentifier: string | KafkaItemIdentifier
}

/**
 * The records of a batch event that are not in `confirmed` (what the engines running them have confirmed, asked once
 * the hard phase comes), as `batchItemFailures` entries, in batch order.
 * `undefined` when a partial response cannot be trusted, so the whole batch must fail instead: a record has no
 * identifier to name, or the event belongs to a tumbling window (whose response must carry the window's `state`,
 * which only the handler has).
 */
export function unfinishedRecords(event: unknown, confirmed: ReadonlySet<string>): ItemFailure[] | undefined {
  const records = batchRecords(event)
  if (records === undefined) return undefined
  const { window } = event as { window?: unknown }
  if (window !== undefined && window !== null) return undefined
  const failures: ItemFailure[] = []
  for (const record of records) {
    const id = recordId(record)
    if (id === undefined || id === '') return undefined
    if (!confirmed.has(id)) failures.push({ itemIdentifier: batchItemIdentifier(record, id) })
  }
  return failures
}

/**
 * The default hard-phase answer: a `504` problem+json response for API Gateway (payload 1.0 and 2.0), a
 * `{ batchItemFailures }` naming every record no engine has confirmed for Kinesis, DynamoDB Streams, SQS and Kafka, and
 * otherwise (or when a partial batch response cannot be trusted) `error` is thrown.
 */
export function defaultFallback(request: Request, error: TimeoutApproachingError): unknown {
  const { event, context } = request
  switch (eventKind(event)) {
    case 'http-v1':
    case 'http-v2':
      return problemResponse(
        problemBody(504, {
          detail: 'The function ran out of time before it could answer.',
          instance: context.awsRequestId,
        }),
      )
    case 'batch': {
      const batchItemFailures = unfinishedRecords(event, internalsOf(context).confirmedIds())
      if (batchItemFailures === undefined) throw error
      return { batchItemFailures }
    }
    default:
      throw error
  }
}
