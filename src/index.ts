/**
 * serverless-done-right: composable Middy middlewares for AWS Lambda.
 *
 * @showGroups
 * @module serverless-done-right
 */
export { type KinesisSinkOptions, kinesisSink } from './aws/kinesis-sink.js'
export {
  type PutRecordsClient,
  type PutRecordsEntry,
  type PutRecordsEntryResult,
  type PutRecordsLocalErrorCode,
  type PutRecordsOptions,
  type PutRecordsResult,
  putRecords,
} from './aws/put-records.js'
export type { DeadLetterHandler, DeadLetterOptions } from './batch/dead-letter.js'
export {
  BatchFailureError,
  InvalidRecordError,
  type InvalidRecordReason,
  type NotProcessedReason,
  type RecordError,
  RecordNotProcessedError,
  UnsupportedEventError,
} from './batch/errors.js'
export {
  type BatchEvent,
  type BatchResponse,
  type FanOutHandler,
  type FanOutOptions,
  fanOut,
} from './batch/fan-out.js'
export { kafkaHeaders, kafkaKey } from './batch/kafka.js'
export { type KafkaWindowHandler, kafkaWindowReducer } from './batch/kafka-window.js'
export type {
  ClosedWindow,
  KafkaDeadLetterHandler,
  KafkaEvent,
  KafkaLateRecordHandler,
  KafkaRecord,
  KafkaRecordMeta,
  KafkaWindowReducerOptions,
  KafkaWindowSummary,
  KafkaWindowTable,
  KafkaWindowTableClient,
} from './batch/kafka-window-types.js'
export type { Ordering } from './batch/key-chains.js'
export type { RecordMeta } from './batch/pipeline.js'
export type { BatchLogger, BatchSummary } from './batch/report.js'
export type { RecordHandler } from './batch/run-batch.js'
export type { Sink, SinkItemResult, SinkMeta, SinkReport } from './batch/sink.js'
export type { DecodeMode } from './batch/sources.js'
export { type WindowHandler, windowReducer } from './batch/window.js'
export type {
  FlushMeta,
  FlushReason,
  TumblingWindowEvent,
  WindowReducerOptions,
  WindowResponse,
  WindowSummary,
} from './batch/window-types.js'
export { budgetOf, type InvocationBudget } from './budget.js'
export {
  HttpError,
  type HttpErrorOptions,
  type MemoryPressureDetails,
  MemoryPressureError,
  PermanentError,
  ServerlessDoneRightError,
  TimeoutApproachingError,
  ValidationError,
  type ValidationIssue,
} from './errors.js'
export type { BatchRecord, KafkaItemIdentifier, RecordSource } from './events.js'
export {
  type MemoryReport,
  type MemorySummary,
  type MemoryWatchdogMiddleware,
  type MemoryWatchdogMiddyOptions,
  type MemoryWatchdogOptions,
  memoryWatchdog,
} from './guards/memory.js'
export type { WarmerPayload, WarmupSource } from './guards/ping.js'
export {
  type TimeoutGuardMiddleware,
  type TimeoutGuardMiddyOptions,
  type TimeoutGuardOptions,
  timeoutGuard,
} from './guards/timeout.js'
export { type WarmupOptions, type WarmupPing, warmup } from './guards/warmup.js'
export { type GuardLogger, jsonConsoleLogger, type LoggerOption, type StructuredLogger } from './logger.js'
export { type HttpErrorsLogger, type HttpErrorsOptions, httpErrors } from './validation/http-errors.js'
export { ResponseValidationError } from './validation/response-error.js'
export type { ValidatedEvent, ValidatedResponse, ValidateSchemas } from './validation/types.js'
export { validate } from './validation/validate.js'
