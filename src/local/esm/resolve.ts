/**
 * The mapping parameters with AWS's defaults applied and AWS's limits checked, for both stream sources. Internal to
 * `serverless-done-right/local`.
 *
 * @module
 */
import * as rules from '../../option-rules.js'
import { checkOptions, requireOptions, resolveOptions as resolveOptions_ } from '../../options.js'
import { functionRules, localCheck, pollIntervalRule } from '../local-options.js'
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

const mappingSpec = {
  cloud: rules.object('a LocalCloud (from startLocalCloud())'),
  handler: rules.fn(),
  batchSize: rules.number({ min: 1, max: 10_000, integer: true }),
  maximumBatchingWindowInSeconds: rules.number({ min: 0, max: 300 }),
  startingPosition: rules.oneOf('TRIM_HORIZON', 'LATEST', 'AT_TIMESTAMP'),
  startingPositionTimestamp: rules.either(
    rules.where((value) => value instanceof Date && !Number.isNaN(value.getTime()), 'a valid Date', 'type'),
    rules.number({ min: 0 }),
  ),
  parallelizationFactor: rules.number({ min: 1, max: 10, integer: true }),
  bisectBatchOnFunctionError: rules.boolean(),
  maximumRetryAttempts: rules.number({ min: -1, max: 10_000, integer: true }),
  maximumRecordAgeInSeconds: rules.either(rules.oneOf(-1), rules.number({ min: 1, max: 604_800, integer: true })),
  functionResponseTypes: rules.where(
    (value) => Array.isArray(value) && value.every((type) => type === 'ReportBatchItemFailures'),
    "an array holding only 'ReportBatchItemFailures'",
    'type',
  ),
  tumblingWindowInSeconds: rules.number({ min: 0, max: 900, integer: true }),
  destinationConfig: rules.object(),
  timeoutMs: functionRules.timeoutMs,
  memoryMb: functionRules.memoryMb,
  functionName: functionRules.functionName,
  pollIntervalMs: pollIntervalRule,
}

/** What names the stream each source reads: `streamName` for Kinesis, `tableName` for DynamoDB Streams. */
export type StreamNameOption = 'streamName' | 'tableName'

/**
 * Checks every option with the shared checker (unknown names with the closest known one, ranges, types), applies
 * AWS's defaults, and checks the combinations; throws `LocalOptionsError` naming `label` and the option.
 */
export function resolveOptions(
  options: MappingOptions,
  label: string,
  streamOption: StreamNameOption = 'streamName',
  startingPositions: readonly string[] = ['TRIM_HORIZON', 'LATEST', 'AT_TIMESTAMP'],
): ResolvedOptions {
  const check = localCheck(`${label}(options)`)
  const spec = {
    ...mappingSpec,
    [streamOption]: rules.string(),
    startingPosition: rules.oneOf(...startingPositions),
  }
  const resolved = resolveOptions_(options, defaults, spec, check)
  requireOptions(resolved, ['cloud', streamOption, 'handler'], check)
  checkOptions(resolved.destinationConfig, { onFailure: rules.fn() }, localCheck(`${label}(options.destinationConfig)`))
  const { parallelizationFactor } = resolved
  const startingPosition = resolved.startingPosition as ResolvedOptions['startingPosition']
  const tumbling = resolved.tumblingWindowInSeconds
  const fail = (message: string) => new LocalOptionsError(`${check.owner}: ${message}`)
  if (tumbling !== 0 && parallelizationFactor !== 1) throw fail('tumbling windows need parallelizationFactor 1')
  const timestamp = resolved.startingPositionTimestamp
  const startingTimestamp = typeof timestamp === 'number' ? new Date(timestamp * 1000) : timestamp
  if (startingPosition === 'AT_TIMESTAMP' && startingTimestamp === undefined)
    throw fail('startingPosition AT_TIMESTAMP needs a valid startingPositionTimestamp')
  const age = resolved.maximumRecordAgeInSeconds
  const responseTypes: readonly string[] = resolved.functionResponseTypes ?? []
  return {
    batchSize: resolved.batchSize,
    batchingWindowMs: resolved.maximumBatchingWindowInSeconds * 1000,
    startingPosition,
    startingTimestamp,
    parallelizationFactor,
    bisect: resolved.bisectBatchOnFunctionError,
    maximumRetryAttempts: resolved.maximumRetryAttempts,
    maximumRecordAgeMs: age === -1 ? -1 : age * 1000,
    reportBatchItemFailures: responseTypes.includes('ReportBatchItemFailures'),
    windowMs: tumbling * 1000,
    onFailure: resolved.destinationConfig?.onFailure as ResolvedOptions['onFailure'],
    timeoutMs: resolved.timeoutMs,
    memoryMb: resolved.memoryMb,
    functionName: resolved.functionName,
    pollIntervalMs: resolved.pollIntervalMs,
  }
}
