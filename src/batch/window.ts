/**
 * `windowReducer`: a keyed fold over Kinesis and DynamoDB Streams tumbling windows, with state carried between
 * invocations, an early flush before the state reaches Lambda's 1 MB limit, and flushes that can be made idempotent.
 *
 * @module
 */
import type { Context, DynamoDBRecord, KinesisStreamRecord } from 'aws-lambda'
import { internalsOf } from '../budget/invocation.js'
import { batchRecords, recordId } from '../events.js'
import { loggerFrom } from '../logger.js'
import * as rules from '../option-rules.js'
import { requireOptions, resolveOptions } from '../options.js'
import { deadLetterPolicy, failureLetterer } from './dead-letter.js'
import { BatchFailureError, RecordNotProcessedError, UnsupportedEventError } from './errors.js'
import { reportSummary, safeLog } from './report.js'
import { windowFolder } from './window-fold.js'
import { WindowState } from './window-state.js'
import type { TumblingWindowEvent, WindowReducerOptions, WindowResponse, WindowSummary } from './window-types.js'

type WindowRecord = KinesisStreamRecord | DynamoDBRecord

/** The defaults of {@link WindowReducerOptions}; the TSDoc `@defaultValue`s are tested against them. */
export const windowReducerDefaults = { decode: 'json', maxStateBytes: 900 * 1024 } as const

/** The rules of {@link WindowReducerOptions}, checked once when the handler is made. */
export const windowReducerSpec = {
  key: rules.fn(),
  reduce: rules.fn(),
  initial: rules.fn(),
  flush: rules.fn(),
  decode: rules.oneOf('json', 'text', 'buffer', 'json-lines'),
  schema: rules.standardSchema(),
  deadLetter: rules.fn(),
  onInvalid: rules.either(rules.oneOf('fail', 'dead-letter'), rules.fn()),
  onPermanent: rules.oneOf('fail', 'dead-letter'),
  maxStateBytes: rules.number({ min: 2, max: 1024 * 1024, integer: true }),
  logger: rules.logger(),
  onSummary: rules.fn(),
}

/** A tumbling-window event, or `undefined` when `input` is none (no window, or a state that is no object). */
function windowEventOf(input: unknown): { event: TumblingWindowEvent; records: WindowRecord[] } | undefined {
  const records = batchRecords(input) as WindowRecord[] | undefined
  const event = input as TumblingWindowEvent
  // Kafka has no tumbling windows: only a Kinesis or DynamoDB Streams event (records under `Records`) can be one.
  if (records === undefined || !Array.isArray(event.Records)) return undefined
  if (typeof event.window !== 'object' || event.window === null) return undefined
  const { state } = event
  if (state !== undefined && state !== null && (typeof state !== 'object' || Array.isArray(state))) return undefined
  return { event, records }
}

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
 *   dead-letter handler that rejects, `key` or `reduce` throwing, or the budget aborting) stops the fold: it and every
 *   later record are reported, and the returned state holds exactly the records before it, so a retry from there
 *   folds nothing twice.
 * - A record whose `key` or `reduce` throws a `PermanentError` goes to the `deadLetter` handler (see `onPermanent`) and
 *   is left out of the state, as if never folded; folding goes on.
 * - When the state would pass `maxStateBytes`, it is flushed early and folding goes on with a fresh state: `flush`
 *   must be additive. `meta.flushId` is stable across retries of the same invocation: skip ids already written.
 * - A rejected `flush` fails the invocation (Lambda retries it). On the final invocation any failed record fails it
 *   too, with a `BatchFailureError`, and nothing is flushed: AWS does not document partial failures there.
 * - Records are not added to `budgetOf(context).completed`: their effect lives in the returned state, which a
 *   timeout fallback response cannot carry.
 *
 * @param options - `key`, `reduce`, `initial`, `flush`, and optionally `schema`, `deadLetter`, `onInvalid`,
 *   `onPermanent`, `decode`, `maxStateBytes`
 * @returns a handler for Middy's `.handler(...)` or for direct export
 * @throws TypeError or RangeError when the handler is made, for a missing or unknown option (naming the closest known
 *   one) or a bad value
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
  const owner = 'windowReducer(options)'
  const resolved = resolveOptions(options, windowReducerDefaults, windowReducerSpec, { owner })
  requireOptions(resolved, ['key', 'reduce', 'initial', 'flush'], { owner })
  const { key, reduce, initial, flush, onSummary, maxStateBytes } = resolved
  const logger = loggerFrom(resolved.logger)
  const { onInvalid, onPermanent } = deadLetterPolicy(resolved, owner)
  const readSettings = { decode: resolved.decode, schema: resolved.schema, onInvalid, logger }
  const letter = failureLetterer(onPermanent, logger)
  const fold = windowFolder<T, A>({ key, reduce, initial, maxStateBytes, logger, read: readSettings, letter })

  return async function windowHandler(input: unknown, context: Context): Promise<WindowResponse<A>> {
    const started = performance.now()
    const parsed = windowEventOf(input)
    if (parsed === undefined) {
      throw new UnsupportedEventError(
        'windowReducer',
        'a Kinesis or DynamoDB Streams tumbling-window event (with a window, and a state that is an object)',
      )
    }
    const { event, records } = parsed
    const budget = internalsOf(context)
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
    if (terminatedEarly) {
      safeLog(logger, 'warn', 'Lambda terminated the window early (state over 1 MB); lower maxStateBytes', { window })
    }
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
    const messages = ['windowReducer invocation done', 'windowReducer invocation done with failures'] as const
    reportSummary(logger, messages, summary, batchItemFailures.length > 0, onSummary)
    return { state: state.toObject(), batchItemFailures }
  }
}
