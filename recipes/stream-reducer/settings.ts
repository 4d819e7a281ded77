/**
 * The stream reducer's runtime settings: the one source of truth read by the CDK construct (`infra.ts`) and by the local
 * emulator wiring in `recipes/demo.ts`, so what runs locally is what is deployed.
 */
export const streamReducerSettings = {
  /** Kinesis event source mapping on the log stream (AWS's parameter names, camel-cased). */
  eventSource: {
    batchSize: 1000,
    maximumBatchingWindowInSeconds: 1,
    startingPosition: 'TRIM_HORIZON',
    parallelizationFactor: 1,
    bisectBatchOnFunctionError: false,
    maximumRetryAttempts: 10,
    maximumRecordAgeInSeconds: 3600,
    reportBatchItemFailures: true,
    /** Short windows keep the demo under a minute; raise it for production dashboards (max 900). */
    tumblingWindowInSeconds: 10,
  },
  /** The function. */
  function: {
    timeoutSeconds: 30,
    memoryMb: 256,
  },
} as const

/** The shape of {@link streamReducerSettings}. */
export type StreamReducerSettings = typeof streamReducerSettings
