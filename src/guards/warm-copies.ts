/**
 * lambda-warmer's concurrency warming, as `warmup()` does it: the leader of a ping asking for `N` instances invokes
 * copies and waits for them, so that `N` distinct instances are busy at once.
 *
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises'
import type { WarmerPayload } from './ping.js'

/** Invokes one copy: its payload, its number and the function to invoke (`undefined`: this one). */
export type InvokeCopy = (payload: WarmerPayload, index: number, target: string | undefined) => unknown

/** What the leader of a concurrency ping did about its copies, for the log line. */
export type CopiesOutcome =
  | { copies: 'none' }
  | { copies: 'skipped'; reason: string }
  | { copies: 'invoked'; invoked: number; failed: number; firstError?: string }

/** One concurrency ping, as the leader sees it. */
export interface CopiesRequest {
  /** How many instances the ping asks for, `N` (already capped). */
  readonly concurrency: number
  /** The leader's request id, shared by every copy. */
  readonly correlationId: string
  /** The function the copies go to; `undefined`: this function, whose leader is copy 1. */
  readonly target: string | undefined
  /** How long the leader stays busy when it is one of the `N` instances. */
  readonly delayMs: number
}

/**
 * Invokes copies `2…N` of this function (or `1…N` of `target`) and waits for every one of them, and for `delayMs`
 * when the leader counts among the instances. A copy that throws or rejects is counted, never thrown.
 */
export async function warmCopies(ping: CopiesRequest, invoke: InvokeCopy): Promise<CopiesOutcome> {
  const { concurrency, correlationId, target } = ping
  const calls: Promise<unknown>[] = []
  for (let index = target === undefined ? 2 : 1; index <= concurrency; index++) {
    const payload: WarmerPayload = {
      warmer: true,
      __WARMER_INVOCATION__: index,
      __WARMER_CONCURRENCY__: concurrency,
      __WARMER_CORRELATIONID__: correlationId,
    }
    calls.push(Promise.resolve().then(() => invoke(payload, index, target)))
  }
  // The leader is one of the N instances only when it warms its own function.
  const [settled] = await Promise.all([Promise.allSettled(calls), sleep(target === undefined ? ping.delayMs : 0)])
  const failures = settled.filter((result) => result.status === 'rejected')
  const first = failures[0]?.reason
  const outcome: CopiesOutcome = { copies: 'invoked', invoked: calls.length, failed: failures.length }
  if (first !== undefined) outcome.firstError = String(first?.message ?? first)
  return outcome
}
