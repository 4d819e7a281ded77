/**
 * `windowReducer`: a keyed fold over Kinesis and DynamoDB Streams tumbling windows, with state carried between
 * invocations, an early flush before the state reaches Lambda's 1 MB limit, and flushes that can be made idempotent.
 *
 * @module
 */
import { Buffer } from 'node:buffer'
import { createHash } from 'node:crypto'
import type { Context, DynamoDBRecord, KinesisStreamRecord } from 'aws-lambda'
import { budgetOf } from '../budget.js'
import { type BatchRecord, batchRecords, recordId, recordSource } from '../events.js'
import { BatchFailureError, RecordNotProcessedError, UnsupportedEventError } from './errors.js'
import { asInvalidRecordError, itemChecker } from './item.js'
import { recordDecoder } from './sources.js'
import { StateSize } from './state-size.js'
import type {
  FlushMeta,
  FlushReason,
  TumblingWindowEvent,
  WindowReducerOptions,
  WindowResponse,
  WindowSummary,
} from './window-types.js'

const defaults = {
  decode: 'json',
  onInvalid: 'fail',
  maxStateBytes: 900 * 1024,
  logger: console,
} as const

/**
 * A Lambda handler made by {@link windowReducer}. It takes any event (so that it fits `middy()` without type
 * arguments) and checks at run time that it is a {@link TumblingWindowEvent}.
 */
export type WindowHandler<A> = (event: unknown, context: Context) => Promise<WindowResponse<A>>

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

/**
 * Makes a Lambda handler for tumbling windows (`TumblingWindowInSeconds`) over Kinesis or DynamoDB Streams: folds
 * each record into `event.state` under `key(item)` with `reduce`, returns `{ state, batchItemFailures }`, and on the
 * window's final invocation (or when Lambda ended it early) calls `flush(state, window, meta)` and returns `{}`.
 *
 * - Records are folded strictly in batch order. The first record that fails (invalid with `onInvalid: 'fail'`, a
 *   dead-letter function that rejects, `key` or `reduce` throwing, or the budget aborting) stops the fold: it and every
 *   later record are reported, and the returned state holds exactly the records before it, so a retry from there
 *   folds nothing twice.
 * - When the state would pass `maxStateBytes`, it is flushed early and folding goes on with a fresh state: `flush`
 *   must be additive. `meta.flushId` is stable across retries of the same invocation: skip ids already written.
 * - A rejected `flush` fails the invocation (Lambda retries it). On the final invocation any failed record fails it
 *   too, with a `BatchFailureError`, and nothing is flushed: AWS does not document partial failures there.
 * - Records are not added to `budgetOf(context).completed`: their effect lives in the returned state, which a
 *   timeout fallback response cannot carry.
 *
 * @param options - `key`, `reduce`, `initial`, `flush`, and optionally `schema`, `onInvalid`, `decode`, `maxStateBytes`
 * @returns a handler for Middy's `.handler(...)` or for direct export
 * @throws BatchFailureError when a record of the final invocation fails
 * @throws UnsupportedEventError when the event is not a tumbling-window batch
 *
 * @example
 * ```ts
 * import middy from '@middy/core'
 * import { windowReducer } from 'serverless-done-right'
 * import { z } from 'zod'
 *
 * const Click = z.object({ page: z.string() })
 * const written = new Set<string>() // stands for a conditional put on flushId
 *
 * export const handler = middy().handler(
 *   windowReducer({
 *     schema: Click,
 *     key: (click) => click.page,
 *     initial: () => 0,
 *     reduce: (count: number) => count + 1,
 *     flush: async (counts, window, { flushId, shardId }) => {
 *       if (written.has(flushId)) return
 *       console.log(window.start, shardId, counts) // e.g. DynamoDB UpdateItem ADD per page
 *       written.add(flushId)
 *     },
 *   }),
 * )
 * ```
 */
export function windowReducer<T = unknown, A = unknown>(options: WindowReducerOptions<T, A>): WindowHandler<A> {
  const { key, reduce, initial, flush, onSummary } = options
  const check = options.schema === undefined ? undefined : itemChecker(options.schema)
  const maxStateBytes = options.maxStateBytes ?? defaults.maxStateBytes
  if (!(maxStateBytes > 0)) throw new RangeError('maxStateBytes must be a number > 0')
  const onInvalid = options.onInvalid ?? defaults.onInvalid
  const logger = options.logger ?? defaults.logger
  const decodeMode = options.decode ?? defaults.decode

  return async function windowHandler(input: unknown, context: Context): Promise<WindowResponse<A>> {
    const started = performance.now()
    const records = batchRecords(input)
    const event = input as TumblingWindowEvent
    if (records === undefined || typeof event.window !== 'object' || event.window === null) {
      throw new UnsupportedEventError('windowReducer', 'a Kinesis or DynamoDB Streams tumbling-window event')
    }
    const budget = budgetOf(context ?? ({} as Context))
    const { signal } = budget
    const window = { start: String(event.window.start), end: String(event.window.end) }
    const decode = recordDecoder(recordSource(records[0]) === 'dynamodb' ? 'dynamodb' : 'kinesis', decodeMode)
    const ids = records.map((record) => recordId(record) ?? '')

    // The incoming state is copied (never mutate the caller's event) and its JSON feeds the flush ids.
    const incomingJson = JSON.stringify(event.state ?? {})
    let state = new Map<string, A>(Object.entries(JSON.parse(incomingJson) as Record<string, A>))
    const size = new StateSize()
    for (const [name, value] of state) size.touch(name, value)
    const flushIdBase = JSON.stringify([
      window.start,
      window.end,
      event.shardId ?? null,
      event.eventSourceARN ?? null,
      sha256(incomingJson),
      ids[0] ?? null,
      ids.at(-1) ?? null,
    ])

    let part = 0
    const flushState = async (reason: FlushReason): Promise<void> => {
      const meta: FlushMeta = {
        windowStart: window.start,
        windowEnd: window.end,
        shardId: event.shardId,
        eventSourceARN: event.eventSourceARN,
        reason,
        part,
        flushId: sha256(`${flushIdBase}#${part}`),
        signal,
      }
      part++
      try {
        await flush(Object.fromEntries(state), window, meta)
      } catch (error) {
        logger.error('windowReducer flush failed; the invocation fails so Lambda retries it', { error, ...meta })
        throw error
      }
      state = new Map()
      size.clear()
    }

    let folded = 0
    let invalid = 0
    let deadLettered = 0
    let firstFailure = records.length
    let failure: unknown
    for (let i = 0; i < records.length; i++) {
      const record = records[i] as KinesisStreamRecord | DynamoDBRecord
      const id = ids[i] as string
      try {
        budget.check()
      } catch (error) {
        budget.abort(error instanceof Error ? error : new Error(String(error)))
      }
      if (signal.aborted) {
        firstFailure = i
        failure = new RecordNotProcessedError(id, 'aborted', { cause: signal.reason })
        break
      }
      let item: T
      try {
        const decoded = decode(record as BatchRecord, id)
        const checked = check === undefined ? (decoded as T) : check(decoded, id)
        item = checked instanceof Promise ? await checked : checked
      } catch (error) {
        invalid++
        const reason = asInvalidRecordError(error, id)
        logger.warn('Invalid record', { id, reason: reason.reason, error: reason.message })
        if (onInvalid !== 'fail') {
          try {
            await onInvalid(record, reason)
            deadLettered++
            continue
          } catch (sinkError) {
            logger.error('Dead-letter sink failed; record reported as failed', { id, error: sinkError })
          }
        }
        firstFailure = i
        failure = reason
        break
      }
      try {
        const name = key(item, record)
        const accumulator = reduce(state.has(name) ? (state.get(name) as A) : initial(), item, record)
        state.set(name, accumulator)
        size.touch(name, accumulator)
        folded++
      } catch (error) {
        logger.debug('Record failed in key or reduce', { id, error })
        firstFailure = i
        failure = error
        break
      }
      if (size.bytes > maxStateBytes) await flushState('state-limit')
    }

    const batchItemFailures = ids.slice(firstFailure).map((itemIdentifier) => ({ itemIdentifier }))
    const final = event.isFinalInvokeForWindow === true || event.isWindowTerminatedEarly === true
    if (final && batchItemFailures.length > 0) {
      const recordErrors = batchItemFailures.map(({ itemIdentifier }, index) => ({
        id: itemIdentifier,
        error: index === 0 ? failure : new RecordNotProcessedError(itemIdentifier, 'skipped', { cause: failure }),
      }))
      throw new BatchFailureError(recordErrors, { records: records.length })
    }
    if (event.isWindowTerminatedEarly === true) {
      logger.warn('Lambda terminated the window early (state over 1 MB); lower maxStateBytes', { window })
    }
    if (final && state.size > 0) await flushState(event.isWindowTerminatedEarly === true ? 'terminated-early' : 'final')
    let response = { state: Object.fromEntries(state), batchItemFailures }
    // The estimate decides early flushes; the state Lambda gets is measured exactly, once.
    let stateBytes = Buffer.byteLength(JSON.stringify(response.state), 'utf8')
    if (stateBytes > maxStateBytes) {
      await flushState('state-limit')
      response = { state: {}, batchItemFailures }
      stateBytes = 2
    }
    const summary: WindowSummary = {
      records: records.length,
      folded,
      invalid,
      deadLettered,
      reported: batchItemFailures.length,
      flushes: part,
      keys: state.size,
      stateBytes,
      final,
      durationMs: Math.round((performance.now() - started) * 100) / 100,
    }
    if (batchItemFailures.length === 0) logger.info('windowReducer invocation done', summary)
    else logger.warn('windowReducer invocation done with failures', summary)
    if (onSummary !== undefined) {
      try {
        onSummary(summary)
      } catch (error) {
        logger.error('onSummary threw', { error })
      }
    }
    return response
  }
}
