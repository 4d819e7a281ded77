/**
 * The mapping parameters with AWS's defaults applied and AWS's limits checked, for both stream sources. Internal to
 * `serverless-done-right/local`.
 *
 * @module
 */
import { LocalOptionsError } from '../options-error.js'
import { defaults, type KinesisEventSourceOptions, type KinesisOnFailureRecord } from './options.js'

/** What the on-failure destination of either stream source receives. */
export type StreamOnFailureRecord =
  | KinesisOnFailureRecord
  | (Omit<KinesisOnFailureRecord, 'KinesisBatchInfo'> & {
      DDBStreamBatchInfo: KinesisOnFailureRecord['KinesisBatchInfo']
    })

/** The options with every default applied and every limit checked. */
export interface ResolvedOptions {
  readonly batchSize: number
  readonly batchingWindowMs: number
  readonly startingPosition: 'TRIM_HORIZON' | 'LATEST' | 'AT_TIMESTAMP'
  readonly startingTimestamp: Date | undefined
  readonly parallelizationFactor: number
  readonly bisect: boolean
  readonly maximumRetryAttempts: number
  readonly maximumRecordAgeMs: number
  readonly reportBatchItemFailures: boolean
  readonly windowMs: number
  readonly onFailure: ((record: StreamOnFailureRecord) => void | Promise<void>) | undefined
  readonly timeoutMs: number
  readonly memoryMb: number
  readonly functionName: string
  readonly pollIntervalMs: number
}

/** The mapping parameters both stream sources take; each source adds its stream, handler and destination types. */
export type MappingOptions = Omit<
  KinesisEventSourceOptions,
  'cloud' | 'streamName' | 'handler' | 'destinationConfig' | 'startingPosition'
> & {
  startingPosition?: ResolvedOptions['startingPosition']
  destinationConfig?: { onFailure?: (record: never) => void | Promise<void> }
}

const isIntegerIn = (value: number, min: number, max: number) => Number.isInteger(value) && value >= min && value <= max

/** Applies the defaults and checks each option against AWS's limits; throws `LocalOptionsError` on the first miss. */
export function resolveOptions(options: MappingOptions, label: string): ResolvedOptions {
  const check = (ok: boolean, message: string) => {
    if (!ok) throw new LocalOptionsError(`${label}: ${message}`)
  }
  const batchSize = options.batchSize ?? defaults.batchSize
  check(isIntegerIn(batchSize, 1, 10_000), `batchSize must be an integer from 1 to 10000, not ${batchSize}`)
  const window = options.maximumBatchingWindowInSeconds ?? defaults.maximumBatchingWindowInSeconds
  check(window >= 0 && window <= 300, `maximumBatchingWindowInSeconds must be 0–300, not ${window}`)
  const parallelizationFactor = options.parallelizationFactor ?? defaults.parallelizationFactor
  check(isIntegerIn(parallelizationFactor, 1, 10), `parallelizationFactor must be 1–10, not ${parallelizationFactor}`)
  const retries = options.maximumRetryAttempts ?? defaults.maximumRetryAttempts
  check(isIntegerIn(retries, -1, 10_000), `maximumRetryAttempts must be -1–10000, not ${retries}`)
  const age = options.maximumRecordAgeInSeconds ?? defaults.maximumRecordAgeInSeconds
  check(age === -1 || isIntegerIn(age, 1, 604_800), `maximumRecordAgeInSeconds must be -1 or 1–604800, not ${age}`)
  const tumbling = options.tumblingWindowInSeconds ?? defaults.tumblingWindowInSeconds
  check(isIntegerIn(tumbling, 0, 900), `tumblingWindowInSeconds must be an integer from 0 to 900, not ${tumbling}`)
  check(tumbling === 0 || parallelizationFactor === 1, 'tumbling windows need parallelizationFactor 1')
  const startingPosition = options.startingPosition ?? defaults.startingPosition
  const timestamp = options.startingPositionTimestamp
  const startingTimestamp = typeof timestamp === 'number' ? new Date(timestamp * 1000) : timestamp
  check(
    startingPosition !== 'AT_TIMESTAMP' ||
      (startingTimestamp !== undefined && !Number.isNaN(startingTimestamp.getTime())),
    'startingPosition AT_TIMESTAMP needs a valid startingPositionTimestamp',
  )
  const timeoutMs = options.timeoutMs ?? defaults.timeoutMs
  check(timeoutMs > 0, `timeoutMs must be positive, not ${timeoutMs}`)
  const pollIntervalMs = options.pollIntervalMs ?? defaults.pollIntervalMs
  check(pollIntervalMs > 0, `pollIntervalMs must be positive, not ${pollIntervalMs}`)
  const responseTypes = options.functionResponseTypes ?? []
  check(
    responseTypes.every((type) => type === 'ReportBatchItemFailures'),
    'functionResponseTypes may only hold ReportBatchItemFailures',
  )
  return {
    batchSize,
    batchingWindowMs: window * 1000,
    startingPosition,
    startingTimestamp,
    parallelizationFactor,
    bisect: options.bisectBatchOnFunctionError ?? defaults.bisectBatchOnFunctionError,
    maximumRetryAttempts: retries,
    maximumRecordAgeMs: age === -1 ? -1 : age * 1000,
    reportBatchItemFailures: responseTypes.includes('ReportBatchItemFailures'),
    windowMs: tumbling * 1000,
    onFailure: options.destinationConfig?.onFailure as ResolvedOptions['onFailure'],
    timeoutMs,
    memoryMb: options.memoryMb ?? defaults.memoryMb,
    functionName: options.functionName ?? defaults.functionName,
    pollIntervalMs,
  }
}
