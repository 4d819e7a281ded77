import type { GuardLogger } from 'serverless-done-right'

/** One line a guard wrote. */
export interface LogLine {
  level: 'info' | 'warn' | 'debug'
  message: string
  fields: Record<string, unknown>
}

/** A logger that keeps every line, so tests can read what a guard logged. Not a mock: it is a real sink. */
export function recordingLogger(): GuardLogger & { lines: LogLine[] } {
  const lines: LogLine[] = []
  const write = (level: LogLine['level']) => (message: string, fields?: unknown) => {
    lines.push({ level, message, fields: (fields ?? {}) as Record<string, unknown> })
  }
  return { lines, info: write('info'), warn: write('warn'), debug: write('debug') }
}

/** How many ref'd timers (`Timeout` resources) keep the event loop alive right now. */
export function activeTimeouts(): number {
  return process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length
}

/** Waits `ms` on a timer of its own (ref'd, gone once it fires). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** A promise that never settles and holds no timer: a handler that ignores every signal. */
export function forever(): Promise<never> {
  return new Promise<never>(() => undefined)
}
