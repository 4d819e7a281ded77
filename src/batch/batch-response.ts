/**
 * What `fanOut` takes and answers: the batch events it accepts, the partial batch response, and the handler type.
 *
 * @module
 */
import type {
  Context,
  DynamoDBStreamEvent,
  KinesisStreamEvent,
  MSKEvent,
  SelfManagedKafkaEvent,
  SQSEvent,
} from 'aws-lambda'
import type { KafkaItemIdentifier } from '../events.js'

/**
 * A batch event `fanOut` accepts.
 * @group Batches
 */
export type BatchEvent = KinesisStreamEvent | DynamoDBStreamEvent | SQSEvent | MSKEvent | SelfManagedKafkaEvent

/**
 * The partial batch response (`ReportBatchItemFailures`): empty `batchItemFailures` when every record succeeded.
 *
 * @typeParam I - the identifier: a string (Kinesis and DynamoDB sequence number, SQS message id), or for Kafka a
 *   {@link KafkaItemIdentifier} `{ partition: '<topic>-<partition>', offset }`; either, when the source is not known
 * @group Batches
 */
export interface BatchResponse<I extends string | KafkaItemIdentifier = string | KafkaItemIdentifier> {
  /** The records Lambda must retry, by the identifier it expects. */
  batchItemFailures: { itemIdentifier: I }[]
}

/**
 * A Lambda handler made by `fanOut`; pass it to Middy's `.handler(...)` or export it as it is. It takes any
 * event (so that it fits `middy()` without type arguments) and checks at run time that it is a {@link BatchEvent};
 * its answer is typed by the event: string identifiers for Kinesis, DynamoDB Streams and SQS (so that it is a valid
 * `KinesisStreamHandler`, `SQSHandler`, …), {@link KafkaItemIdentifier}s for Kafka, either for an event of unknown type.
 * @group Batches
 */
export interface FanOutHandler {
  (event: KinesisStreamEvent | DynamoDBStreamEvent | SQSEvent, context: Context): Promise<BatchResponse<string>>
  (event: MSKEvent | SelfManagedKafkaEvent, context: Context): Promise<BatchResponse<KafkaItemIdentifier>>
  (event: unknown, context: Context): Promise<BatchResponse>
}
