/**
 * The summary the memory watchdog reports after each invocation. Used by `MemoryMonitor`.
 *
 * @module
 */
import { logs, type StructuredLogger } from '../logger.js'
import type { MemorySummary } from './memory-types.js'

/** Megabytes to one decimal, as summaries and log lines show them. */
export const round = (mb: number): number => Math.round(mb * 10) / 10

/** What the summary reads from one finished watch. */
export interface SummarySource {
  readonly requestId: string
  readonly coldStart: boolean
  readonly peakRssMb: number
  readonly peakHeapUsedMb: number
  readonly limitMb: number | undefined
}

/**
 * Hands the summary of `watch` to `onSummary` and the logger (`debug`); builds nothing when neither listens. An
 * observer's failure never changes the invocation's answer.
 */
export function reportSummary(
  watch: SummarySource,
  heapLimitMb: number,
  leakSuspected: boolean,
  onSummary: ((summary: MemorySummary) => void) | undefined,
  logger: StructuredLogger,
): void {
  if (onSummary === undefined && !logs(logger, 'debug')) return
  const summary: MemorySummary = {
    requestId: watch.requestId,
    coldStart: watch.coldStart,
    peakRssMb: round(watch.peakRssMb),
    peakHeapUsedMb: round(watch.peakHeapUsedMb),
    limitMb: watch.limitMb,
    heapLimitMb: round(heapLimitMb),
    leakSuspected,
  }
  try {
    onSummary?.(summary)
  } catch {
    // An observer's failure must not change the answer.
  }
  logger.debug('Memory summary', { ...summary })
}
