/**
 * The local wiring of a recipe's event source: `kinesisEventSource()` options from the same settings the CDK construct
 * deploys, so what runs locally is what runs on AWS. Used by the demo and the end-to-end tests.
 *
 * @module
 */
import type { KinesisEventSourceOptions } from 'serverless-done-right/local'

/** The event source and function settings of a recipe (`settings.ts`), in AWS's parameter names. */
export interface RecipeEventSourceSettings {
  readonly eventSource: {
    readonly batchSize: number
    readonly maximumBatchingWindowInSeconds: number
    readonly startingPosition: 'TRIM_HORIZON' | 'LATEST'
    readonly parallelizationFactor: number
    readonly bisectBatchOnFunctionError: boolean
    readonly maximumRetryAttempts: number
    readonly maximumRecordAgeInSeconds: number
    readonly reportBatchItemFailures: boolean
    readonly tumblingWindowInSeconds: number
  }
  readonly function: { readonly timeoutSeconds: number; readonly memoryMb: number }
}

/** The mapping's parameters for `kinesisEventSource()`; the caller adds `cloud`, `streamName` and `handler`. */
export function eventSourceParameters(
  settings: RecipeEventSourceSettings,
): Omit<KinesisEventSourceOptions, 'cloud' | 'streamName' | 'handler'> {
  const { eventSource } = settings
  return {
    batchSize: eventSource.batchSize,
    maximumBatchingWindowInSeconds: eventSource.maximumBatchingWindowInSeconds,
    startingPosition: eventSource.startingPosition,
    parallelizationFactor: eventSource.parallelizationFactor,
    bisectBatchOnFunctionError: eventSource.bisectBatchOnFunctionError,
    maximumRetryAttempts: eventSource.maximumRetryAttempts,
    maximumRecordAgeInSeconds: eventSource.maximumRecordAgeInSeconds,
    functionResponseTypes: eventSource.reportBatchItemFailures ? ['ReportBatchItemFailures'] : [],
    tumblingWindowInSeconds: eventSource.tumblingWindowInSeconds,
    timeoutMs: settings.function.timeoutSeconds * 1000,
    memoryMb: settings.function.memoryMb,
  }
}
