/**
 * The log processor's runtime settings: the one source of truth read by the CDK construct (`infra.ts`) and by the local
 * emulator wiring in `recipes/demo.ts`, so what runs locally is what is deployed.
 */
export const logProcessorSettings = {
  /** Shards of the input log stream. */
  inputShardCount: 4,
  /** Shards of the output (enriched events) stream. */
  outputShardCount: 4,
  /** Shards of the dead-letter stream. */
  deadLetterShardCount: 1,
  /** Kinesis event source mapping (AWS's parameter names, camel-cased). */
  eventSource: {
    batchSize: 500,
    maximumBatchingWindowInSeconds: 1,
    startingPosition: 'TRIM_HORIZON',
    parallelizationFactor: 2,
    bisectBatchOnFunctionError: true,
    maximumRetryAttempts: 5,
    maximumRecordAgeInSeconds: 3600,
    reportBatchItemFailures: true,
    tumblingWindowInSeconds: 0,
  },
  /** The function. */
  function: {
    timeoutSeconds: 60,
    memoryMb: 512,
  },
  /** Records in flight at once inside one invocation (`fanOut`'s `concurrency`). */
  concurrency: 16,
  /** 401/403 responses from one IP within a batch that count as brute force. */
  bruteForceThreshold: 10,
} as const

/** The shape of {@link logProcessorSettings}. */
export type LogProcessorSettings = typeof logProcessorSettings
