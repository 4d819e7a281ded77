/**
 * The logger the guards write to, and how they pick a level when the logger lacks one.
 *
 * @module
 */

/**
 * The logger `warmup()`, `timeoutGuard()` and `memoryWatchdog()` write to: a Powertools `Logger`, `console`, or
 * anything with an `info` method. Each line is a message plus one object of structured fields. Warnings go to `warn`
 * and per-invocation reports to `debug`; a logger without them gets those lines through `info`.
 */
export interface GuardLogger {
  /** Warm-up pings, and every line the logger has no more specific method for. */
  info(message: string, ...extra: unknown[]): void
  /** Deadline and memory warnings. */
  warn?(message: string, ...extra: unknown[]): void
  /** The memory report after each invocation. */
  debug?(message: string, ...extra: unknown[]): void
}

/** Writes a warning, through `info` when the logger has no `warn`. */
export function logWarning(logger: GuardLogger | undefined, message: string, fields: Record<string, unknown>): void {
  if (logger === undefined) return
  if (typeof logger.warn === 'function') logger.warn(message, fields)
  else logger.info(message, fields)
}

/** Writes a detail line, through `info` when the logger has no `debug`. */
export function logDetail(logger: GuardLogger | undefined, message: string, fields: Record<string, unknown>): void {
  if (logger === undefined) return
  if (typeof logger.debug === 'function') logger.debug(message, fields)
  else logger.info(message, fields)
}
