/**
 * The state of one tumbling-window invocation: the keyed accumulators, their estimated JSON size, and the flushes
 * with their stable ids. Lives for one invocation.
 *
 * @module
 */
import { Buffer } from 'node:buffer'
import { createHash } from 'node:crypto'
import type { BatchLogger } from './report.js'
import { StateSize } from './state-size.js'
import type { FlushMeta, FlushReason, TumblingWindowEvent, WindowReducerOptions } from './window-types.js'

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

/** What a flush needs to know about the invocation. */
export interface WindowInvocation {
  readonly event: TumblingWindowEvent
  readonly window: { start: string; end: string }
  /** The identifiers of the invocation's records, in batch order. */
  readonly ids: readonly string[]
  readonly signal: AbortSignal
  readonly logger: BatchLogger
}

/** The accumulators of one invocation, by key. */
export class WindowState<A> {
  // A Map, not an object: a key such as `__proto__` must stay an ordinary key.
  #entries: Map<string, A>
  readonly #size = new StateSize()
  readonly #flushIdBase: string
  #flushes = 0
  /** The JSON of the state the current fold started from: the incoming state, or `{}` after a flush. */
  #baseJson: string

  /**
   * @param invocation - the event and what the flushes need
   * @param flush - the user's flush
   */
  constructor(
    readonly invocation: WindowInvocation,
    private readonly flush: WindowReducerOptions<unknown, A>['flush'],
  ) {
    const { event, window, ids } = invocation
    // A copy through JSON: the caller's event is never mutated, and the same text feeds the flush ids.
    const incomingJson = JSON.stringify(event.state ?? {})
    this.#baseJson = incomingJson
    this.#entries = new Map()
    this.rewind()
    this.#flushIdBase = JSON.stringify([
      window.start,
      window.end,
      event.shardId ?? null,
      event.eventSourceARN ?? null,
      sha256(incomingJson),
      ids[0] ?? null,
      ids.at(-1) ?? null,
    ])
  }

  /**
   * Back to the state the current fold started from (the incoming state, or an empty one after a flush): the records
   * folded since must be folded again. How a failed record leaves no trace, even when `reduce` mutated its accumulator
   * before it threw.
   */
  rewind(): void {
    this.#entries = new Map(Object.entries(JSON.parse(this.#baseJson) as Record<string, A>))
    this.#size.clear()
    for (const [name, value] of this.#entries) this.#size.touch(name, value)
  }

  /** Makes the state as it is now the one a {@link WindowState.rewind} goes back to. */
  rebase(): void {
    this.#baseJson = JSON.stringify(this.toObject())
  }

  /** The accumulator of `name`, or `undefined`. */
  get(name: string): A | undefined {
    return this.#entries.get(name)
  }

  /** True when `name` has an accumulator. */
  has(name: string): boolean {
    return this.#entries.has(name)
  }

  /**
   * Stores the accumulator of `name` and updates the size estimate.
   *
   * @throws TypeError when `value` cannot be carried as JSON (a BigInt, a cycle) as far as the estimate measured it
   */
  set(name: string, value: A): void {
    if (typeof value === 'bigint') throw new TypeError(`reduce returned a BigInt for key ${JSON.stringify(name)}`)
    this.#entries.set(name, value)
    this.#size.touch(name, value)
  }

  /** The estimated JSON size in bytes. */
  get estimatedBytes(): number {
    return this.#size.bytes
  }

  /** Number of keys. */
  get keys(): number {
    return this.#entries.size
  }

  /** Flushes done so far in this invocation. */
  get flushes(): number {
    return this.#flushes
  }

  /** The state as the plain object Lambda carries. */
  toObject(): Record<string, A> {
    return Object.fromEntries(this.#entries)
  }

  /** The exact JSON size of {@link WindowState.toObject}, in bytes. */
  exactBytes(): number {
    return Buffer.byteLength(JSON.stringify(this.toObject()), 'utf8')
  }

  /**
   * Hands the state to `flush` and starts afresh. Its id hashes the window, the shard, the incoming state, the first
   * and last record identifiers and the flush's number, so that a retry of the same invocation repeats every id.
   * A rejected flush is logged and rethrown: the invocation must fail.
   */
  async flushAll(reason: FlushReason): Promise<void> {
    const { event, window, signal, logger } = this.invocation
    const part = this.#flushes++
    const meta: FlushMeta = {
      windowStart: window.start,
      windowEnd: window.end,
      shardId: event.shardId,
      eventSourceARN: event.eventSourceARN,
      reason,
      part,
      flushId: sha256(`${this.#flushIdBase}#${part}`),
      signal,
    }
    try {
      await this.flush(this.toObject(), window, meta)
    } catch (error) {
      logger.error('windowReducer flush failed; the invocation fails so Lambda retries it', { error, ...meta })
      throw error
    }
    this.#entries = new Map()
    this.#size.clear()
    this.#baseJson = '{}'
  }
}
