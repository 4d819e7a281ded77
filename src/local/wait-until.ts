/**
 * Polls until a condition holds, as the AWS waiters do, but fast enough for a local service. Internal.
 *
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { LocalCloudError } from './local-cloud-error.js'

const defaults = {
  /** Pause between two looks. */
  pollMs: 10,
  /** Give up after this long; with creation delays of zero, a stream or table is ACTIVE within a few polls. */
  timeoutMs: 10_000,
} as const

/**
 * Calls `look` until it returns something other than `undefined`, and returns that. Errors of `look` propagate.
 *
 * @param what - what is awaited, for the error message: `stream events to be ACTIVE`
 * @throws LocalCloudError when `timeoutMs` passes first
 */
export async function waitUntil<T>(
  what: string,
  look: () => Promise<T | undefined>,
  options: { pollMs?: number; timeoutMs?: number } = {},
): Promise<T> {
  const pollMs = options.pollMs ?? defaults.pollMs
  const timeoutMs = options.timeoutMs ?? defaults.timeoutMs
  const giveUpAt = Date.now() + timeoutMs
  for (;;) {
    const found = await look()
    if (found !== undefined) return found
    if (Date.now() >= giveUpAt) throw new LocalCloudError(`gave up waiting for ${what} after ${timeoutMs} ms`)
    await sleep(pollMs)
  }
}
