/**
 * The one record pipeline `fanOut` and `windowReducer` share: decode → validate → dead-letter, and the budget check
 * between records. Synchronous while the record is valid and the schema is, so the common case costs no microtask.
 *
 * @module
 */
import type { StandardSchemaV1 } from '@standard-schema/spec'
import type { DynamoDBRecord, KinesisStreamRecord, MSKRecord, SQSRecord } from 'aws-lambda'
import type { BudgetInternals } from '../budget/invocation.js'
import type { RecordSource } from '../events.js'
import { issuesOf } from '../json-pointer.js'
import { type DeadLetterHandler, sendToDeadLetter } from './dead-letter.js'
import { InvalidRecordError } from './errors.js'
import { type BatchLogger, describeError, safeLog } from './report.js'
import { type DecodeMode, recordDecoder } from './sources.js'

/**
 * What a record handler (and a dead-letter function) learns about the record besides its item.
 * @group Batches
 */
export interface RecordMeta {
  /** The raw record, as Lambda delivered it (for Kafka, read its key and headers with `kafkaKey` / `kafkaHeaders`). */
  readonly record: KinesisStreamRecord | DynamoDBRecord | SQSRecord | MSKRecord
  /**
   * The ordering key: Kinesis partition key, SQS FIFO `MessageGroupId`, DynamoDB item key, Kafka topic-partition
   * (`<topic>-<partition>`); `undefined` for SQS standard.
   */
  readonly key: string | undefined
  /**
   * The `itemIdentifier` Lambda expects: Kinesis `sequenceNumber`, DynamoDB `SequenceNumber` or SQS `messageId`; for
   * Kafka, whose identifier is an object, `<topic>-<partition>@<offset>`. `''` for a record that has none (reporting
   * it then fails the whole batch, the safe outcome).
   */
  readonly id: string
  /** The invocation budget's signal: aborts when the invocation must wrap up. Pass it to every I/O call. */
  readonly signal: AbortSignal
}

/** How records become items; the options of `fanOut` and `windowReducer` that say so. */
export interface ReadSettings<T> {
  readonly decode: DecodeMode
  readonly schema: StandardSchemaV1<unknown, T> | undefined
  readonly onInvalid: 'fail' | DeadLetterHandler
  readonly logger: BatchLogger
}

/** A record read: its item, or why not (and whether the dead-letter function took it). */
export type Read<T> =
  | { readonly ok: true; readonly item: T }
  | { readonly ok: false; readonly deadLettered: boolean; readonly error: InvalidRecordError }

/** Reads one record; a promise only when the schema is asynchronous or the record is invalid. */
export type RecordReader<T> = (meta: RecordMeta) => Read<T> | Promise<Read<T>>

/** The error to report for a record whose decoding or checking threw: an {@link InvalidRecordError} as it is. */
export function asInvalidRecordError(error: unknown, id: string): InvalidRecordError {
  if (error instanceof InvalidRecordError) return error
  const message = `schema threw: ${describeError(error)}`
  return new InvalidRecordError(id, 'schema', [{ pointer: '', message }], { cause: error })
}

function unwrap<T>(result: StandardSchemaV1.Result<T>, id: string): T {
  if (result.issues === undefined) return result.value
  throw new InvalidRecordError(id, 'schema', issuesOf('', result.issues))
}

/**
 * The checker of decoded items for one schema: the schema's output, or a promise of it for an asynchronous schema.
 *
 * @throws InvalidRecordError with reason `schema` and every issue, from the returned function
 */
export function itemChecker<T>(schema: StandardSchemaV1<unknown, T>): (value: unknown, id: string) => T | Promise<T> {
  const { validate } = schema['~standard']
  return (value, id) => {
    const result = validate(value)
    if (result instanceof Promise) return result.then((settled) => unwrap(settled, id))
    return unwrap(result, id)
  }
}

/** Makes the reader of one invocation's records (its decoder may keep a scratch buffer: one per invocation). */
export function recordReader<T>(settings: ReadSettings<T>, source: RecordSource): RecordReader<T> {
  const decode = recordDecoder(source, settings.decode)
  const check = settings.schema === undefined ? undefined : itemChecker(settings.schema)
  const { onInvalid, logger } = settings

  async function invalid(error: unknown, meta: RecordMeta): Promise<Read<T>> {
    const invalidError = asInvalidRecordError(error, meta.id)
    safeLog(logger, 'warn', 'Invalid record', { id: meta.id, reason: invalidError.reason, error: invalidError.message })
    const deadLettered =
      onInvalid !== 'fail' && (await sendToDeadLetter(onInvalid, invalidError, meta.record, meta, logger))
    return { ok: false, deadLettered, error: invalidError }
  }

  return (meta) => {
    try {
      if (typeof meta.record !== 'object' || meta.record === null) {
        throw new InvalidRecordError(meta.id, 'decode', [{ pointer: '', message: 'the record is not an object' }])
      }
      const decoded = decode(meta.record, meta.id)
      if (check === undefined) return { ok: true, item: decoded as T }
      const checked = check(decoded, meta.id)
      if (!(checked instanceof Promise)) return { ok: true, item: checked }
      return checked.then(
        (item): Read<T> => ({ ok: true, item }),
        (error: unknown) => invalid(error, meta),
      )
    } catch (error) {
      return invalid(error, meta)
    }
  }
}

/** Runs the budget's checks (the memory watchdog's) between records; a check that throws aborts the budget. */
export function runBudgetChecks(budget: BudgetInternals): void {
  try {
    budget.check()
  } catch (error) {
    budget.abort(error instanceof Error ? error : new Error(describeError(error)))
  }
}
