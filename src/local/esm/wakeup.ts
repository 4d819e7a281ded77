/**
 * Waiting without polling: a wake-up call that loops await until something changed, a timeout passed or the event
 * source stopped. Every wait cleans up its timer and listener, so nothing stays open after `stop()`.
 * Internal to `serverless-done-right/local`.
 *
 * @module
 */

/** Something loops can wait on and others can ring. */
export interface Wakeup {
  /** Wakes every current waiter. */
  notify(): void
  /**
   * Resolves at the next `notify()`, after `timeoutMs` (when given), or when `signal` aborts, whichever comes first.
   * Never rejects.
   */
  wait(signal: AbortSignal, timeoutMs?: number): Promise<void>
}

/** A new {@link Wakeup} with no waiters. */
export function createWakeup(): Wakeup {
  const waiters = new Set<() => void>()
  return {
    notify() {
      const current = [...waiters]
      waiters.clear()
      for (const wake of current) wake()
    },
    wait(signal, timeoutMs) {
      if (signal.aborted) return Promise.resolve()
      return new Promise<void>((resolve) => {
        let timer: NodeJS.Timeout | undefined
        const wake = () => {
          waiters.delete(wake)
          signal.removeEventListener('abort', wake)
          clearTimeout(timer)
          resolve()
        }
        waiters.add(wake)
        signal.addEventListener('abort', wake, { once: true })
        if (timeoutMs !== undefined && Number.isFinite(timeoutMs)) timer = setTimeout(wake, Math.max(0, timeoutMs))
      })
    },
  }
}

/** Waits `ms` milliseconds, or less if `signal` aborts. Never rejects. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return createWakeup().wait(signal, ms)
}
