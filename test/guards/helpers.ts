import { createHook } from 'node:async_hooks'
import type { StructuredLogger } from 'serverless-done-right'

/** One line a guard wrote. */
export interface LogLine {
  level: 'info' | 'warn' | 'debug' | 'error'
  message: string
  fields: Record<string, unknown>
}

/** A logger that keeps every line, so tests can read what a guard logged. Not a mock: it is a real sink. */
export function recordingLogger(): StructuredLogger & { lines: LogLine[] } {
  const lines: LogLine[] = []
  const write = (level: LogLine['level']) => (message: string, fields?: unknown) => {
    lines.push({ level, message, fields: (fields ?? {}) as Record<string, unknown> })
  }
  return { lines, info: write('info'), warn: write('warn'), debug: write('debug'), error: write('error') }
}

/** Lets the event loop turn `count` times (Node reports garbage collections to observers on a later turn). */
export async function turns(count: number): Promise<void> {
  for (let turn = 0; turn < count; turn++) await new Promise((resolve) => setImmediate(resolve))
}

/**
 * Tracks every timer (`setTimeout`, `setInterval`) the library or Middy core creates while it is on, and which of them
 * are still pending. `process.getActiveResourcesInfo()` cannot do this: it leaves out unref'd timers, which is what
 * the guards use, and it counts Jest's own timers. Built on `async_hooks`: a timer's `destroy` fires once it has
 * fired (a one-shot) or been cleared.
 */
export function timerTracker() {
  const pending = new Map<number, string>()
  const created: string[] = []
  const hook = createHook({
    init(id, type) {
      if (type !== 'Timeout') return
      const stack = new Error().stack ?? ''
      // Every frame of ours, innermost first: a timer the budget arms for a guard names both.
      const origin = stack
        .split('\n')
        .filter((frame) => /[/\\]src[/\\]|@middy[/\\]core/.test(frame))
        .map((frame) => frame.trim())
        .join(' < ')
      if (origin === '') return
      pending.set(id, origin)
      created.push(origin)
    },
    destroy(id) {
      pending.delete(id)
    },
  })
  hook.enable()
  return {
    /**
     * Where each timer still pending was created (its frames in the library or core), once destroy hooks (run
     * asynchronously) have caught up.
     */
    async pending(): Promise<string[]> {
      await turns(3)
      return [...pending.values()]
    },
    /** Where each timer created since the tracker started was created, pending or not. */
    created(): string[] {
      return [...created]
    },
    stop(): void {
      hook.disable()
    },
  }
}

export { sleep } from '../helpers/timing.js'

/** A promise that never settles and holds no timer: a handler that ignores every signal. */
export function forever(): Promise<never> {
  return new Promise<never>(() => undefined)
}

/**
 * Of the origins `timerTracker().pending()` gives, those that are not a guard's idle timer. Each `timeoutGuard()` keeps
 * its one alarm timer (`budget/alarms.ts`) and each memory watchdog its one sampler (`guards/memory-monitor.ts`) armed
 * after an invocation ends, instead of clearing and setting a timer per invocation: it holds nothing of the
 * invocation, fires nothing for it, and ends by itself (at the cancelled alarm's time, or one sample interval on).
 */
export function besidesIdleGuardTimers(origins: string[]): string[] {
  return origins.filter((origin) => !/^[^<]*(budget[/\\]alarms|guards[/\\]memory-monitor)/.test(origin))
}
