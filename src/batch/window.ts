/**
 * `windowReducer`: a keyed fold over Kinesis and DynamoDB Streams tumbling windows, with state carried between
 * invocations, an early flush before the state reaches Lambda's 1 MB limit, and flushes that can be made idempotent.
 *
 * @module
 */
import type { Context, DynamoDBRecord, KinesisStreamRecord } from 'aws-lambda'
import { budgetOf, type InvocationBudget } from '../budget.js'
import { batchRecords, recordId, recordSource } from '../events.js'
import { BatchFailureError, RecordNotProcessedError, UnsupportedEventError } from './errors.js'
import { asInvalidRecordError, itemChecker } from './item.js'
import { type RecordDecoder, recordDecoder } from './sources.js'
import { WindowState } from './window-state.js'
import type { TumblingWindowEvent, WindowReducerOptions, WindowResponse, WindowSummary } from './window-types.js'

type WindowRecord = KinesisStreamRecord | DynamoDBRecord

interface FoldCounts {
  folded: number
  invalid: number
  deadLettered: number
}

const defaults = {
  decode: 'json',
  onInvalid: 'fail',
  maxStateBytes: 900 * 1024,
  logger: console,
} as const

/**
 * A Lambda handler made by {@link windowReducer}. It takes any event (so that it fits `middy()` without type
 * arguments) and checks at run time that it is a {@link TumblingWindowEvent}.
 * @group Batches
 */
export type WindowHandler<A> = (event: unknown, context: Context) => Promise<WindowResponse<A>>

/**
 * Makes a Lambda handler for tumbling windows (`TumblingWindowInSeconds`) over Kinesis or DynamoDB Streams: folds
 * each record into `event.state` under `key(item)` with `reduce`, returns `{ state, batchItemFailures }`, and on the
 * window's final invocation (or when Lambda ended it early) calls `flush(state, window, meta)` (unless the state is
 * empty) and returns `{}`.
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
 * @group Batches
 */
export function windowReducer<T = unknown, A = unknown>(options: WindowReducerOptions<T, A>): WindowHandler<A> {
  const { key, reduce, initial, flush, onSummary } = options
  const check = options.schema === undefined ? undefined : itemChecker(options.schema)
  const maxStateBytes = options.maxStateBytes ?? defaults.maxStateBytes
  if (!(maxStateBytes > 0)) throw new RangeError('maxStateBytes must be a number > 0')
  const onInvalid = options.onInvalid ?? defaults.onInvalid
  const logger = options.logger ?? defaults.logger
  const decodeMode = options.decode ?? defaults.decode

  /** Decodes and checks one record; `undefined` when it was dead-lettered, a thrown error when it fails. */
  async function readItem(record: WindowRecord, id: string, decode: RecordDecoder, counts: FoldCounts) {
    try {
      const decoded = decode(record, id)
      const checked = check === undefined ? (decoded as T) : check(decoded, id)
      return { item: checked instanceof Promise ? await checked : checked }
    } catch (error) {
      counts.invalid++
      const invalid = asInvalidRecordError(error, id)
      logger.warn('Invalid record', { id, reason: invalid.reason, error: invalid.message })
      if (onInvalid === 'fail') throw invalid
      try {
        await onInvalid(record, invalid)
      } catch (sinkError) {
        logger.error('Dead-letter sink failed; record reported as failed', { id, error: sinkError })
        throw invalid
      }
      counts.deadLettered++
      return undefined
    }
  }

  /** Folds the records in order; returns the index of the first record that failed (or the count) and its error. */
  async function fold(records: readonly WindowRecord[], state: WindowState<A>, budget: InvocationBudget) {
    const { ids } = state.invocation
    const decode = recordDecoder(recordSource(records[0]) === 'dynamodb' ? 'dynamodb' : 'kinesis', decodeMode)
    const counts: FoldCounts = { folded: 0, invalid: 0, deadLettered: 0 }
    for (let i = 0; i < records.length; i++) {
      const record = records[i] as WindowRecord
      const id = ids[i] as string
      try {
        budget.check()
      } catch (error) {
        budget.abort(error instanceof Error ? error : new Error(String(error)))
      }
      if (budget.signal.aborted) {
        return {
          counts,
          firstFailure: i,
          failure: new RecordNotProcessedError(id, 'aborted', { cause: budget.signal.reason }),
        }
      }
      try {
        const read = await readItem(record, id, decode, counts)
        if (read === undefined) continue
        // String() so that a key returned as a number meets the same key read back from the state's JSON.
        const name = String(key(read.item, record))
        state.set(name, reduce(state.has(name) ? (state.get(name) as A) : initial(), read.item, record))
        counts.folded++
      } catch (error) {
        logger.debug('Record failed', { id, error })
        return { counts, firstFailure: i, failure: error }
      }
      if (state.estimatedBytes > maxStateBytes) await state.flushAll('state-limit')
    }
    return { counts, firstFailure: records.length, failure: undefined }
  }

  return async function windowHandler(input: unknown, context: Context): Promise<WindowResponse<A>> {
    const started = performance.now()
    const records = batchRecords(input) as WindowRecord[] | undefined
    const event = input as TumblingWindowEvent
    if (records === undefined || typeof event.window !== 'object' || event.window === null) {
      throw new UnsupportedEventError('windowReducer', 'a Kinesis or DynamoDB Streams tumbling-window event')
    }
    const budget = budgetOf(context ?? ({} as Context))
    const window = { start: String(event.window.start), end: String(event.window.end) }
    const ids = records.map((record) => recordId(record) ?? '')
    const state = new WindowState<A>({ event, window, ids, signal: budget.signal, logger }, flush)
    const { counts, firstFailure, failure } = await fold(records, state, budget)

    const batchItemFailures = ids.slice(firstFailure).map((itemIdentifier) => ({ itemIdentifier }))
    const terminatedEarly = event.isWindowTerminatedEarly === true
    const final = event.isFinalInvokeForWindow === true || terminatedEarly
    if (final && batchItemFailures.length > 0) {
      const recordErrors = batchItemFailures.map(({ itemIdentifier }, index) => ({
        id: itemIdentifier,
        error: index === 0 ? failure : new RecordNotProcessedError(itemIdentifier, 'skipped', { cause: failure }),
      }))
      throw new BatchFailureError(recordErrors, { records: records.length })
    }
    if (terminatedEarly)
      logger.warn('Lambda terminated the window early (state over 1 MB); lower maxStateBytes', { window })
    if (final && state.keys > 0) await state.flushAll(terminatedEarly ? 'terminated-early' : 'final')
    // The estimate decides early flushes; the state Lambda gets is measured exactly, once.
    let stateBytes = state.exactBytes()
    if (stateBytes > maxStateBytes) {
      await state.flushAll('state-limit')
      stateBytes = 2
    }
    const summary: WindowSummary = {
      records: records.length,
      ...counts,
      reported: batchItemFailures.length,
      flushes: state.flushes,
      keys: state.keys,
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
    return { state: state.toObject(), batchItemFailures }
  }
}
