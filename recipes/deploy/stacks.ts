import {
  type App,
  CfnOutput,
  CrossStackReferences,
  type Environment,
  ReferenceStrength,
  Stack,
  type StackProps,
} from 'aws-cdk-lib'
import { LogProcessor } from '../kinesis-log-processor/infra.js'
import { UserApi, type UserApiAuth, UserAudit } from '../rest-user-api/infra.js'
import { userApiSettings } from '../rest-user-api/settings.js'
import { StreamReducer } from '../stream-reducer/infra.js'

/** Choices for {@link deployRecipes}. */
export interface DeployRecipesOptions {
  /** Account and region; leave out for environment-agnostic stacks (`cdk deploy` uses the CLI's credentials). */
  readonly env?: Environment | undefined
  /** Prefix of the stack names. @defaultValue `'Sdr'` */
  readonly prefix?: string | undefined
  /** The user API's gateway: HTTP API (payload 2.0) or REST API (payload 1.0). @defaultValue `'http'` */
  readonly userApiKind?: 'http' | 'rest' | undefined
  /**
   * Who may call the user API.
   * @defaultValue a JWT authorizer with `userApiSettings.auth` (HTTP API), IAM (REST API, which has no JWT authorizer)
   */
  readonly userApiAuth?: UserApiAuth | undefined
}

/** The three recipe stacks: the reducer reads the log processor's input stream (a cross-stack reference). */
export interface RecipeStacks {
  readonly logProcessor: Stack
  readonly streamReducer: Stack
  readonly userApi: Stack
}

/**
 * Puts the three recipes into `app`, one stack each. No context lookups and no calls to AWS: synthesis is offline.
 *
 * @example
 * ```ts
 * const app = new App()
 * deployRecipes(app, { userApiKind: 'rest' })
 * app.synth()
 * ```
 */
export function deployRecipes(app: App, options: DeployRecipesOptions = {}): RecipeStacks {
  const prefix = options.prefix ?? 'Sdr'
  const base: StackProps = options.env ? { env: options.env } : {}

  const logProcessor = new Stack(app, `${prefix}LogProcessor`, {
    ...base,
    description: 'serverless-done-right: Kinesis log processor (log streams, processor, alarms)',
  })
  const logs = new LogProcessor(logProcessor, 'LogProcessor')
  new CfnOutput(logProcessor, 'InputStreamName', { value: logs.inputStream.streamName })
  new CfnOutput(logProcessor, 'OutputStreamName', { value: logs.outputStream.streamName })
  new CfnOutput(logProcessor, 'DeadLetterStreamName', { value: logs.deadLetterStream.streamName })
  new CfnOutput(logProcessor, 'OnFailureQueueUrl', { value: logs.onFailureQueue.queueUrl })

  const streamReducer = new Stack(app, `${prefix}StreamReducer`, {
    ...base,
    description: 'serverless-done-right: tumbling-window counts of the log stream (reducer, counts table, alarms)',
  })
  // Export/ImportValue: CloudFormation refuses to delete or replace the log stream while the reducer reads it.
  CrossStackReferences.of(streamReducer).consume(ReferenceStrength.STRONG)
  const reducer = new StreamReducer(streamReducer, 'StreamReducer', { inputStream: logs.inputStream })
  new CfnOutput(streamReducer, 'CountsTableName', { value: reducer.table.tableName })

  const userApi = new Stack(app, `${prefix}UserApi`, {
    ...base,
    description:
      'serverless-done-right: REST user API (API Gateway, function, users table, audit trail, warm-up, alarms)',
  })
  const auth: UserApiAuth =
    options.userApiAuth ?? (options.userApiKind === 'rest' ? { type: 'iam' } : { type: 'jwt', ...userApiSettings.auth })
  const api = new UserApi(userApi, 'UserApi', { apiKind: options.userApiKind, auth })
  new CfnOutput(userApi, 'UsersUrl', { value: api.usersUrl })
  new CfnOutput(userApi, 'UsersTableName', { value: api.table.tableName })
  const audit = new UserAudit(userApi, 'UserAudit', { usersTable: api.table })
  new CfnOutput(userApi, 'AuditTableName', { value: audit.table.tableName })

  return { logProcessor, streamReducer, userApi }
}
