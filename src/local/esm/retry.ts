/**
 * Retrying a call with backoff until the event source stops. Internal to `serverless-done-right/local`.
 *
 * @module
 */
import { pause } from './wakeup.js'

/**
 * Calls `call` until it succeeds, at most `attempts` times, pausing `pauseMs`, then twice that, and so on (at most
 * two seconds), between tries; `onError` sees each failure. Rethrows the last error, or the first once `signal` aborts.
 */
export async function retrying<T>(
  call: () => Promise<T>,
  options: { signal: AbortSignal; pauseMs: number; attempts: number; onError: () => void },
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call()
    } catch (error) {
      if (options.signal.aborted || attempt >= options.attempts) throw error
      options.onError()
      await pause(Math.min(2000, options.pauseMs * 2 ** (attempt - 1)), options.signal)
    }
  }
}
