/**
 * `serverless-done-right/local`: run handlers against embedded Kinesis and DynamoDB, with Lambda-faithful
 * invocation and event source emulators. Development only; never bundle it into a Lambda.
 *
 * @showGroups
 * @module serverless-done-right/local
 */
export { type LocalCloud, type LocalCloudOptions, startLocalCloud } from './cloud.js'
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
