/**
 * The types `memoryWatchdog()` reports and returns: the per-invocation summary and the middleware with its Middy
 * options. Re-exported by `memory.ts`.
 *
 * @module
 */
import type { MiddlewareObj, Request } from '@middy/core'

/**
 * What one invocation used, reported after it ends. Sizes in MB (MiB, as Lambda counts them).
 * @group Guards
 */
export interface MemorySummary {
  /** The invocation's `context.awsRequestId`. */
  readonly requestId: string
  /** True for the first invocation this watchdog saw. */
  readonly coldStart: boolean
  /** The highest process RSS sampled while the invocation ran. */
  readonly peakRssMb: number
  /** The highest V8 heap use sampled while the invocation ran. */
  readonly peakHeapUsedMb: number
  /** The function's memory limit, if known. */
  readonly limitMb: number | undefined
  /** The V8 old generation's limit: `--max-old-space-size` (about 90% of the function memory in Lambda). */
  readonly heapLimitMb: number
  /**
   * True when the heap the last `leakWindow` major garbage collections left keeps growing, as the watchdog warns of it
   * (the trend as of this invocation's end; false until the window is full and the trend has held for a quarter of
   * it).
   */
  readonly leakSuspected: boolean
}

/**
 * @deprecated Renamed {@link MemorySummary}, as `fanOut` and `windowReducer` call theirs.
 * @group Guards
 */
export type MemoryReport = MemorySummary

/**
 * The Middy core setting that ends the watch even when a later middleware answers early: pass it to `middy()`.
 * @group Guards
 */
export interface MemoryWatchdogMiddyOptions {
  /** Ends the watch and reports its summary, unless `after` or `onError` did (Middy skips them when a `before` answers early). */
  readonly requestEnd: (request: Request) => void
}

/**
 * The middleware `memoryWatchdog()` returns: a Middy middleware that also carries its {@link MemoryWatchdogMiddyOptions}.
 * @group Guards
 */
export interface MemoryWatchdogMiddleware extends MiddlewareObj {
  /** Pass to `middy()`: `middy(watchdog.middyOptions).use(watchdog)`. */
  readonly middyOptions: MemoryWatchdogMiddyOptions
}
