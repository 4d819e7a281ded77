/**
 * The logger the guards write to, and how they pick a level when the logger lacks one.
 *
 * @module
 */

/**
 * The logger `warmup()`, `timeoutGuard()` and `memoryWatchdog()` write to: a Powertools `Logger`, `console`, or
 * anything with an `info` method. Each line is a message plus one object of structured fields. Warnings go to `warn`
 * and per-invocation reports to `debug`; a logger without them gets those lines through `info`.
 * @group Guards
 */
export interface GuardLogger {
  /** Warm-up pings, and every line the logger has no more specific method for. */
  info(message: string, ...extra: unknown[]): void
  /** Deadline and memory warnings. */
  warn?(message: string, ...extra: unknown[]): void
  /** The memory report after each invocation. */
  debug?(message: string, ...extra: unknown[]): void
}

/**
 * Writes one line at `level`, through `info` when the logger has no such method. A logger that throws is ignored: it
 * runs inside the guards' timers and phases, where its failure would cost the invocation its answer.
 */
function write(
  logger: GuardLogger | undefined,
  level: 'warn' | 'debug',
  message: string,
  fields: Record<string, unknown>,
): void {
  try {
    if (logger !== undefined)
      (typeof logger[level] === 'function' ? logger[level] : logger.info).call(logger, message, fields)
  } catch {
    // An observer's failure must not change the answer.
  }
}

/** Writes a warning, through `info` when the logger has no `warn`. */
export function logWarning(logger: GuardLogger | undefined, message: string, fields: Record<string, unknown>): void {
  write(logger, 'warn', message, fields)
}

/** Writes a detail line, through `info` when the logger has no `debug`. */
export function logDetail(logger: GuardLogger | undefined, message: string, fields: Record<string, unknown>): void {
  write(logger, 'debug', message, fields)
}
