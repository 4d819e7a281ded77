/**
 * The one logger type every middleware and engine takes, and the default they log to: structured single-line JSON on
 * the console, with Powertools' field names.
 *
 * @module
 */
import { Console } from 'node:console'

/**
 * What every middleware and engine of this library logs to: a Powertools `Logger`, `console`, or anything with these
 * four methods. Each line is a message plus one object of structured fields. The `logger` option of every factory
 * takes one; left out, lines go to the console as single-line JSON (see {@link jsonConsoleLogger}); `false` silences
 * them.
 * @group Logging
 */
export interface StructuredLogger {
  /** Per-record and per-invocation detail (e.g. the memory report). */
  debug(message: string, ...extra: unknown[]): void
  /** Summaries of work that went well, warm-up pings. */
  info(message: string, ...extra: unknown[]): void
  /** Deadline and memory warnings, invalid records, batches with failures, client errors when asked. */
  warn(message: string, ...extra: unknown[]): void
  /** Server errors, failed dead-letter sinks and flushes. */
  error(message: string, ...extra: unknown[]): void
}

/**
 * @deprecated The guards' logger type, now the library's one {@link StructuredLogger}.
 * @group Logging
 */
export type GuardLogger = StructuredLogger

/**
 * The `logger` option: a logger, `false` for none, or `undefined` for the JSON console default.
 * @group Logging
 */
export type LoggerOption = StructuredLogger | false

/** A method that logs nothing: the methods of a silenced logger, and levels below the threshold. */
export function noop(): void {}

const silentLogger: StructuredLogger = { debug: noop, info: noop, warn: noop, error: noop }

const levels = ['debug', 'info', 'warn', 'error'] as const
type Level = (typeof levels)[number]

/** True when `logger` writes something at `level`: lets a caller skip building fields no one reads. */
export function logs(logger: StructuredLogger, level: Level): boolean {
  return logger[level] !== noop
}

/** The level from the environment, as Powertools and Lambda's advanced logging controls read it; `info` otherwise. */
function thresholdFromEnv(): number {
  const env = process.env
  const name = (env.POWERTOOLS_LOG_LEVEL ?? env.AWS_LAMBDA_LOG_LEVEL ?? env.LOG_LEVEL ?? 'INFO').toLowerCase()
  const index = levels.indexOf(
    name === 'trace' ? 'debug' : name === 'critical' || name === 'fatal' ? 'error' : (name as Level),
  )
  return name === 'silent' ? levels.length : index === -1 ? 1 : index
}

/** The X-Ray trace id of the running invocation (the `Root=` part of `_X_AMZN_TRACE_ID`), if any. */
function traceId(): string | undefined {
  const header = process.env._X_AMZN_TRACE_ID
  if (header === undefined || header === '') return undefined
  return /Root=([^;]+)/.exec(header)?.[1] ?? header
}

/** JSON for anything: errors as `{ name, message, stack, cause }` (JSON.stringify gives `{}`), cycles cut. */
export function toJsonLine(entry: Record<string, unknown>): string {
  const seen = new WeakSet<object>()
  return JSON.stringify(entry, (_key, value: unknown) => {
    if (typeof value === 'bigint') return value.toString()
    if (typeof value !== 'object' || value === null) return value
    if (seen.has(value)) return '[Circular]'
    seen.add(value)
    if (!(value instanceof Error)) return value
    const { name, message, stack, cause } = value
    return { ...value, name, message, stack, ...(cause === undefined ? {} : { cause }) }
  })
}

/** One line's fields: plain objects are merged in, an `Error` goes under `error`, anything else under `extra`. */
function fieldsOf(extra: readonly unknown[]): Record<string, unknown> {
  const fields: Record<string, unknown> = {}
  for (const item of extra) {
    if (item instanceof Error) fields.error = item
    else if (typeof item === 'object' && item !== null && !Array.isArray(item)) Object.assign(fields, item)
    else if (item !== undefined) fields.extra = item
  }
  const { requestId, ...rest } = fields
  return requestId === undefined ? rest : { function_request_id: requestId, ...rest }
}

/**
 * The default logger: one JSON object per line on stdout (`warn` and `error` on stderr), with Powertools' field names:
 * `level` (`DEBUG`, `INFO`, `WARN`, `ERROR`), `message`, `timestamp` (ISO-8601), `service`
 * (`POWERTOOLS_SERVICE_NAME`, else the function name), `xray_trace_id` and `function_request_id` when known, then the
 * line's own fields. Lines below `POWERTOOLS_LOG_LEVEL` (or `AWS_LAMBDA_LOG_LEVEL`; `INFO` unless set) are dropped.
 * The environment is read when the logger is made, i.e. when the factory that uses it is called.
 *
 * @returns a {@link StructuredLogger}
 * @group Logging
 *
 * @example
 * ```ts
 * import { jsonConsoleLogger } from 'serverless-done-right'
 *
 * jsonConsoleLogger().warn('Memory use is high', { ratio: 0.83 })
 * // {"level":"WARN","message":"Memory use is high","timestamp":"…","service":"service_undefined","ratio":0.83}
 * ```
 */
export function jsonConsoleLogger(): StructuredLogger {
  const threshold = thresholdFromEnv()
  const service = process.env.POWERTOOLS_SERVICE_NAME ?? process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'service_undefined'
  // Its own Console, as Powertools does: Lambda's patched console would prefix each line and break the JSON. Made at the
  // first line written, not at creation: the first read of `process.stdout` sets the stream up, 1.5-3 ms of a cold
  // start that a function which logs nothing at its level need not pay.
  let out: Console | undefined
  const method = (level: Level) => {
    if (levels.indexOf(level) < threshold) return noop
    const toStderr = level === 'warn' || level === 'error'
    return (message: string, ...extra: unknown[]): void => {
      const xray = traceId()
      const line = toJsonLine({
        level: level.toUpperCase(),
        message,
        timestamp: new Date().toISOString(),
        service,
        ...(xray === undefined ? {} : { xray_trace_id: xray }),
        ...fieldsOf(extra),
      })
      out ??= new Console({ stdout: process.stdout, stderr: process.stderr })
      if (toStderr) out.error(line)
      else out.log(line)
    }
  }
  return { debug: method('debug'), info: method('info'), warn: method('warn'), error: method('error') }
}

/** A method of `logger` that never throws: a logger runs inside timers and error paths, where its failure must not cost the invocation its answer. */
function contained(logger: StructuredLogger, level: Level): (message: string, ...extra: unknown[]) => void {
  return (message, ...extra) => {
    try {
      logger[level](message, ...extra)
    } catch {
      // An observer's failure must not change the answer.
    }
  }
}

/**
 * The logger a factory uses for its `logger` option: the one given (its methods contained, so that a throwing logger
 * is ignored), none for `false`, the JSON console otherwise.
 */
export function loggerFrom(option: LoggerOption | undefined): StructuredLogger {
  if (option === false) return silentLogger
  if (option === undefined) return jsonConsoleLogger()
  return {
    debug: contained(option, 'debug'),
    info: contained(option, 'info'),
    warn: contained(option, 'warn'),
    error: contained(option, 'error'),
  }
}
