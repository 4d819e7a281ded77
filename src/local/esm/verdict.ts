/**
 * How Lambda reads the outcome of a stream batch invocation: success, a partial failure from the lowest reported
 * record, or a failure of the whole batch. Internal to `serverless-done-right/local`.
 *
 * @module
 */
import type { InvokeResult } from '../invoke.js'
import type { ShardRecord } from './records.js'

/** The outcome of one invocation, as the checkpointing sees it. */
export type Verdict =
  /** Every record succeeded; `state` is the window state the function returned (tumbling windows only). */
  | { kind: 'success'; state: Record<string, unknown> | undefined }
  /** Records before `failedIndex` succeeded; the rest is to be retried. */
  | { kind: 'partial'; failedIndex: number; state: Record<string, unknown> | undefined }
  /** The whole batch failed: a throw (`functionError`), a timeout, or a response Lambda cannot accept. */
  | { kind: 'failure'; functionError: boolean; timeout: boolean }

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

const invalidResponse: Verdict = { kind: 'failure', functionError: false, timeout: false }

/**
 * Reads an invocation's result.
 *
 * - A throw or a timeout fails the whole batch.
 * - With tumbling windows the response must be an object with an object `state`; without it the batch failed.
 * - With `ReportBatchItemFailures`: no response, no `batchItemFailures`, `null` or `[]` is success; an entry whose
 *   `itemIdentifier` is missing, empty, not a string, or names no record of the batch fails the whole batch; otherwise
 *   the batch failed from its lowest reported record on. Without it, any response is success.
 */
export function verdictOf(
  outcome: InvokeResult,
  batch: readonly ShardRecord[],
  options: { reportBatchItemFailures: boolean; windowed: boolean },
): Verdict {
  if (outcome.status === 'timeout') return { kind: 'failure', functionError: true, timeout: true }
  if (outcome.status === 'error') return { kind: 'failure', functionError: true, timeout: false }
  const result = outcome.result
  let state: Record<string, unknown> | undefined
  if (options.windowed) {
    if (!isRecord(result) || !isRecord(result.state)) return invalidResponse
    state = result.state
  }
  if (!options.reportBatchItemFailures || !isRecord(result)) return { kind: 'success', state }
  const failures = result.batchItemFailures
  if (failures === undefined || failures === null) return { kind: 'success', state }
  if (!Array.isArray(failures)) return invalidResponse
  if (failures.length === 0) return { kind: 'success', state }
  const indexBySequence = new Map(batch.map((record, index) => [record.sequenceNumber, index]))
  let failedIndex = Number.POSITIVE_INFINITY
  for (const failure of failures) {
    const identifier = isRecord(failure) ? failure.itemIdentifier : undefined
    const index = typeof identifier === 'string' && identifier !== '' ? indexBySequence.get(identifier) : undefined
    // AWS documents empty, null and misnamed identifiers as whole-batch failures; an unknown one is treated alike.
    if (index === undefined) return invalidResponse
    failedIndex = Math.min(failedIndex, index)
  }
  return { kind: 'partial', failedIndex, state }
}
