/**
 * `serverless-done-right/cdk`: the recipes' AWS CDK constructs, for deploying a recipe as it is, and the building blocks
 * they share (a recipe's function, its alarms, its Kinesis event source), for a project made with
 * `npx serverless-done-right init`. Needs `aws-cdk-lib` and `constructs` (optional peers) and `esbuild` (the functions are
 * bundled locally, no Docker).
 *
 * `npm run build` compiles this folder, the three `infra.ts` files and the handlers they bundle into `dist/recipes/`;
 * `package.json` exports it as `./cdk`. Every file of `recipes/deploy/` a recipe's `infra.ts` imports is re-exported
 * here in full: `init` rewrites those imports to `serverless-done-right/cdk` (a test checks that nothing is missing).
 *
 * @example
 * ```ts
 * import { App, Stack } from 'aws-cdk-lib'
 * import { LogProcessor, StreamReducer } from 'serverless-done-right/cdk'
 *
 * const stack = new Stack(new App(), 'Logs')
 * const logs = new LogProcessor(stack, 'LogProcessor')
 * new StreamReducer(stack, 'StreamReducer', { inputStream: logs.inputStream })
 * ```
 *
 * @module serverless-done-right/cdk
 */
export { LogProcessor, type LogProcessorProps } from '../kinesis-log-processor/infra.js'
export {
  publicApiAuthType,
  UserApi,
  type UserApiAuth,
  type UserApiProps,
  UserAudit,
  type UserAuditProps,
  userApiRoutes,
} from '../rest-user-api/infra.js'
export { StreamReducer, type StreamReducerProps } from '../stream-reducer/infra.js'
export * from './alarms.js'
export * from './event-source.js'
export * from './nag.js'
export * from './recipe-function.js'
export * from './stacks.js'
