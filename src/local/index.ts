/**
 * `serverless-done-right/local`: run handlers against embedded Kinesis and DynamoDB, with Lambda-faithful
 * invocation and event source emulators. Development only; never bundle it into a Lambda.
 *
 * @showGroups
 * @module serverless-done-right/local
 */
export { type LocalCloud, type LocalCloudOptions, startLocalCloud } from './cloud.js'
export {
  type DynamoDbEventSource,
  type DynamoDbEventSourceOptions,
  type DynamoDbOnFailureRecord,
  type DynamoDbSourceHandler,
  dynamoDbEventSource,
} from './dynamodb-source.js'
export type {
  ItemChange,
  StoredRecord,
  StreamStore as LocalDynamoDbStreams,
  StreamViewType,
  TableStream,
  WireItem,
} from './dynamodb-streams/store.js'
export type { StreamEventSource } from './esm/source.js'
export type { FaultController, FaultCounts, KinesisFaults } from './faults.js'
export type { GatewayJwtAuthorizer } from './gateway/authorizer.js'
export {
  type GatewayHandler,
  type GatewayInvocation,
  type HttpGateway,
  type HttpGatewayOptions,
  httpGateway,
} from './http-gateway.js'
export { type InvokeOptions, type InvokeResult, invoke } from './invoke.js'
export { type InvokeConcurrentlyOptions, invokeConcurrently } from './invoke-concurrently.js'
export {
  type KinesisDestinationConfig,
  type KinesisEventSource,
  type KinesisEventSourceOptions,
  type KinesisEventSourceStats,
  type KinesisOnFailureRecord,
  type KinesisShardStats,
  type KinesisSourceHandler,
  kinesisEventSource,
} from './kinesis-source.js'
export { LocalCloudError } from './local-cloud-error.js'
export { LocalOptionsError } from './options-error.js'
export type { ServiceFaults } from './service-proxy.js'
export {
  type SqsEventSource,
  type SqsEventSourceOptions,
  type SqsEventSourceStats,
  type SqsSourceHandler,
  sqsEventSource,
} from './sqs-source.js'
