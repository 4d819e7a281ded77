// A consumer's file that uses every public export of the main entry. test/integration/installed-package.test.ts
// type-checks it inside a fresh project that installed the packed tarball (strict, NodeNext, skipLibCheck: false,
// no optional peer installed); `npm run typecheck` checks it against the sources. Its names are compared with the
// package's exports, so a new export must be used here.
import middy from '@middy/core'
import httpJsonBodyParser from '@middy/http-json-body-parser'
import type { APIGatewayProxyEventV2, Context, MSKEvent, MSKRecord } from 'aws-lambda'
import {
  type BatchEvent,
  BatchFailureError,
  type BatchLogger,
  type BatchRecord,
  type BatchResponse,
  type BatchSummary,
  budgetOf,
  type ClosedWindow,
  type DeadLetterHandler,
  type DeadLetterOptions,
  type DecodeMode,
  type FanOutHandler,
  type FanOutOptions,
  type FlushMeta,
  type FlushReason,
  fanOut,
  type GuardLogger,
  HttpError,
  type HttpErrorOptions,
  type HttpErrorsLogger,
  type HttpErrorsOptions,
  httpErrors,
  type InvalidRecordError,
  type InvalidRecordReason,
  type InvocationBudget,
  jsonConsoleLogger,
  type KafkaDeadLetterHandler,
  type KafkaEvent,
  type KafkaItemIdentifier,
  type KafkaLateRecordHandler,
  type KafkaRecord,
  type KafkaRecordMeta,
  type KafkaWindowHandler,
  type KafkaWindowReducerOptions,
  type KafkaWindowSummary,
  type KafkaWindowTable,
  type KafkaWindowTableClient,
  type KinesisSinkOptions,
  kafkaHeaders,
  kafkaKey,
  kafkaWindowReducer,
  kinesisSink,
  type LoggerOption,
  type MemoryPressureDetails,
  MemoryPressureError,
  type MemoryReport,
  type MemorySummary,
  type MemoryWatchdogMiddleware,
  type MemoryWatchdogMiddyOptions,
  type MemoryWatchdogOptions,
  memoryWatchdog,
  type NotProcessedReason,
  type Ordering,
  PermanentError,
  type PutRecordsClient,
  type PutRecordsEntry,
  type PutRecordsEntryResult,
  type PutRecordsLocalErrorCode,
  type PutRecordsOptions,
  type PutRecordsResult,
  putRecords,
  type RecordError,
  type RecordHandler,
  type RecordMeta,
  RecordNotProcessedError,
  type RecordSource,
  ResponseValidationError,
  ServerlessDoneRightError,
  type Sink,
  type SinkItemResult,
  type SinkMeta,
  type SinkReport,
  type StructuredLogger,
  TimeoutApproachingError,
  type TimeoutGuardMiddleware,
  type TimeoutGuardMiddyOptions,
  type TimeoutGuardOptions,
  type TumblingWindowEvent,
  timeoutGuard,
  UnsupportedEventError,
  type ValidatedEvent,
  type ValidatedResponse,
  type ValidateSchemas,
  ValidationError,
  type ValidationIssue,
  validate,
  type WarmerPayload,
  type WarmupOptions,
  type WarmupPing,
  type WarmupSource,
  type WindowHandler,
  type WindowReducerOptions,
  type WindowResponse,
  type WindowSummary,
  warmup,
  windowReducer,
} from 'serverless-done-right'
import { z } from 'zod'

// The README's HTTP chain: guards, the JSON body parser, validation and problem+json errors.
const guardOptions: TimeoutGuardOptions = { integrationTimeoutMs: 29_000 }
const guard: TimeoutGuardMiddleware = timeoutGuard(guardOptions)
const middyOptions: TimeoutGuardMiddyOptions = guard.middyOptions
const warmupOptions: WarmupOptions = {
  scheduleRule: 'warmer',
  response: (ping: WarmupPing) => ({ warm: !ping.coldStart, source: ping.source satisfies WarmupSource }),
}
const watchdogOptions: MemoryWatchdogOptions = { onSummary: (summary: MemoryReport) => void summary }
const errorsOptions: HttpErrorsOptions = {}
const schemas = { body: z.object({ email: z.email() }), response: z.object({ id: z.string() }) }
const schemaMap: ValidateSchemas = schemas
type Event = ValidatedEvent<typeof schemas, APIGatewayProxyEventV2>
const reply: ValidatedResponse<typeof schemas> = { id: 'u1' }

export const api = middy<Event>(middyOptions)
  .use(warmup(warmupOptions))
  .use(guard)
  .use(memoryWatchdog(watchdogOptions))
  .use(httpErrors(errorsOptions))
  .use(httpJsonBodyParser())
  .use(validate(schemas))
  .handler(async (event: Event, context: Context) => {
    const budget: InvocationBudget = budgetOf(context)
    if (budget.signal.aborted) throw new HttpError(503, { detail: 'no time left' } satisfies HttpErrorOptions)
    return { statusCode: 200, body: JSON.stringify({ ...reply, email: event.body.email }) }
  })

const noop = () => undefined

// Batches: a fan-out over records and a tumbling-window reducer.
const decode: DecodeMode = 'json'
const ordering: Ordering = 'key'
const batchLogger: BatchLogger = { debug: noop, info: noop, warn: noop, error: noop }
const deadLetter: DeadLetterHandler = async (record: BatchRecord, error: InvalidRecordError) => {
  const reason: InvalidRecordReason = error.reason
  void [record, reason]
}
const onRecord: RecordHandler<{ id: string }> = async (item, meta: RecordMeta) => {
  const source: RecordSource = 'eventSourceARN' in meta.record ? 'kinesis' : 'sqs'
  void [item.id, meta.key, source]
}
const fanOutOptions: FanOutOptions<{ id: string }> = {
  decode,
  ordering,
  onInvalid: deadLetter,
  logger: batchLogger,
  onSummary: (summary: BatchSummary) => void summary,
}
export const batch: FanOutHandler = fanOut(onRecord, fanOutOptions)
// Poison records: one dead-letter handler for invalid and PermanentError records.
const poison: DeadLetterOptions = {
  deadLetter: async (record, error, meta) => void [record, error.code, meta.id],
  onInvalid: 'dead-letter',
  onPermanent: 'dead-letter',
}
export const strictBatch: FanOutHandler = fanOut(onRecord, { ...poison, decode })
export async function runBatch(event: BatchEvent, context: Context): Promise<BatchResponse> {
  return batch(event, context)
}
// Kafka: the identifier of a failed record is an object; the key and headers are read from the raw record.
export async function runKafka(event: MSKEvent, context: Context): Promise<KafkaItemIdentifier[]> {
  const { batchItemFailures } = await batch(event, context)
  return batchItemFailures.map((failure) => failure.itemIdentifier)
}
export const kafkaParts = (record: MSKRecord): [string | undefined, Record<string, string>] => [
  kafkaKey(record),
  kafkaHeaders(record),
]

const windowOptions: WindowReducerOptions<{ ip: string }, number> = {
  key: (item) => item.ip,
  reduce: (count) => count + 1,
  initial: () => 0,
  flush: async (_state, _window, meta: FlushMeta) => {
    const reason: FlushReason = meta.reason
    void reason
  },
  onSummary: (summary: WindowSummary) => void summary,
}
export const counts: WindowHandler<number> = windowReducer(windowOptions)
export async function runWindow(event: TumblingWindowEvent, context: Context): Promise<WindowResponse<number>> {
  return counts(event, context)
}

// kafkaWindowReducer with any client that has the SDK's `send` (a fake here: the SDK is not installed).
const tableClient: KafkaWindowTableClient = { send: async () => ({}) }
const table: KafkaWindowTable = { client: tableClient, tableName: 'window-state' }
const onInvalidKafka: KafkaDeadLetterHandler = async (record: KafkaRecord, _error, meta: KafkaRecordMeta) =>
  void `${record.topic} ${meta.id}`
const onLateKafka: KafkaLateRecordHandler = async (_record, late) => void late.windowStart
const kafkaOptions: KafkaWindowReducerOptions<{ ip: string }, number> = {
  table,
  windowMs: 60_000,
  reduce: (count) => count + 1,
  initial: () => 0,
  onWindowClosed: async (window: ClosedWindow<number>) => void window.closeId,
  onInvalid: onInvalidKafka,
  onLate: onLateKafka,
  onSummary: (summary: KafkaWindowSummary) => void summary.late,
}
export const kafkaCounts: KafkaWindowHandler = kafkaWindowReducer(kafkaOptions)
// One deadLetter handler for invalid records and for a PermanentError thrown by timeOf or reduce.
const deadLetterKafka: KafkaDeadLetterHandler<InvalidRecordError | PermanentError> = async (record, error, meta) =>
  void `${record.topic} ${error.code} ${meta.id}`
export const kafkaPoison: KafkaWindowHandler = kafkaWindowReducer({
  ...kafkaOptions,
  deadLetter: deadLetterKafka,
  onInvalid: 'dead-letter',
  onPermanent: 'dead-letter',
  onSummary: (summary: KafkaWindowSummary) => void summary.permanent,
})
export async function runKafkaWindows(event: KafkaEvent, context: Context): Promise<void> {
  return kafkaCounts(event, context)
}

// putRecords with any client that has the SDK's `send` (here a fake: the SDK is not installed in this project).
const client: PutRecordsClient = { send: async () => ({ Records: [], FailedRecordCount: 0 }) }
const entries: PutRecordsEntry[] = [{ partitionKey: 'k', data: 'hello' }]
const putOptions: PutRecordsOptions = { maxAttempts: 2 }
export async function put(): Promise<PutRecordsEntryResult[]> {
  const result: PutRecordsResult = await putRecords(client, 'stream', entries, putOptions)
  const local: PutRecordsLocalErrorCode[] = ['InvalidEntry', 'Aborted', 'PrecedingEntryFailed']
  void local
  return [...result.records]
}

// Errors and the types they carry.
export function classify(error: unknown): string {
  if (error instanceof ValidationError) return error.issues.map((issue: ValidationIssue) => issue.pointer).join()
  if (error instanceof MemoryPressureError) return String((error.details satisfies MemoryPressureDetails).rssMb)
  if (error instanceof BatchFailureError) return error.recordErrors.map((entry: RecordError) => entry.id).join()
  if (error instanceof RecordNotProcessedError) return error.reason satisfies NotProcessedReason as string
  if (error instanceof PermanentError) return error.reason
  if (error instanceof TimeoutApproachingError || error instanceof UnsupportedEventError) return error.code
  if (error instanceof ResponseValidationError) return error.code
  return error instanceof ServerlessDoneRightError ? error.code : 'unknown'
}

// The loggers and warmer payloads a user may type their own code with.
export const guardLogger: GuardLogger = { debug: noop, info: noop, warn: noop, error: noop }
export const errorsLogger: HttpErrorsLogger = { debug: noop, info: noop, warn: noop, error: noop }
export const oneLogger: StructuredLogger = jsonConsoleLogger()
export const silenced: LoggerOption = false
export const watchdog: MemoryWatchdogMiddleware = memoryWatchdog({
  logger: silenced,
  onSummary: (s: MemorySummary) => void s,
})
export const watchdogMiddy: MemoryWatchdogMiddyOptions = watchdog.middyOptions
export const payload: WarmerPayload = {
  warmer: true,
  __WARMER_INVOCATION__: 1,
  __WARMER_CONCURRENCY__: 1,
  __WARMER_CORRELATIONID__: 'c',
}
export { schemaMap }

// A sink stage: results written in batches, each confirmed per item (kinesisSink is the ready one for Kinesis).
const sinkOptions: KinesisSinkOptions<{ ip: string }> = {
  entry: (result) => ({ partitionKey: result.ip, data: JSON.stringify(result) }),
}
export const toStream: Sink<{ ip: string }> = kinesisSink({ send: async () => ({ Records: [] }) }, 'out', sinkOptions)
export const ownSink: Sink<string> = async (results, meta: SinkMeta): Promise<SinkReport> =>
  results.map((): SinkItemResult => ({ ok: !meta.signal.aborted }))
