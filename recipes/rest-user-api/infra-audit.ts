import { fileURLToPath } from 'node:url'
import { RemovalPolicy } from 'aws-cdk-lib'
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch'
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb'
import { SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources'
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs'
import type { Queue } from 'aws-cdk-lib/aws-sqs'
import { Construct } from 'constructs'
import { functionAlarms, onFailureQueue } from '../deploy/alarms.js'
import { dynamoEventSource } from '../deploy/event-source.js'
import { type RecipeLogLevel, recipeFunction } from '../deploy/recipe-function.js'
import { userApiSettings } from './settings.js'

/** Options of {@link UserAudit}; every runtime parameter comes from `settings.ts` (`userApiSettings.audit`). */
export interface UserAuditProps {
  /** The users table, created with a `NEW_AND_OLD_IMAGES` stream (`UserApi.table` is). */
  readonly usersTable: Table
  /** `LOG_LEVEL` of the function. @defaultValue `'INFO'` */
  readonly logLevel?: RecipeLogLevel | undefined
  /** What `cdk destroy` does to the audit table. @defaultValue `RemovalPolicy.RETAIN` (it is the audit trail) */
  readonly tableRemovalPolicy?: RemovalPolicy | undefined
}

/**
 * The user API's audit trail on AWS: the audit table (`userId`, `sequence`), the function of `audit-handler.ts` on the
 * users table's stream (the mapping from `userApiSettings.audit.eventSource`, with ReportBatchItemFailures), an SQS
 * queue for the metadata of batches Lambda gives up on, and alarms. The function may only write audit items.
 *
 * @example
 * ```ts
 * const api = new UserApi(stack, 'UserApi', { auth: { type: 'iam' } })
 * const audit = new UserAudit(stack, 'UserAudit', { usersTable: api.table })
 * new CfnOutput(stack, 'AuditTableName', { value: audit.table.tableName })
 * ```
 */
export class UserAudit extends Construct {
  readonly table: Table
  readonly function: NodejsFunction
  /** Metadata of stream batches Lambda gave up on after its retries or the record age. */
  readonly onFailureQueue: Queue
  /** Errors, throttles, iterator age, messages in the on-failure queue. */
  readonly alarms: readonly Alarm[]

  constructor(scope: Construct, id: string, props: UserAuditProps) {
    super(scope, id)
    const settings = userApiSettings.audit
    if (props.usersTable.tableStreamArn === undefined) {
      throw new Error('UserAudit: usersTable has no stream (create it with stream: NEW_AND_OLD_IMAGES)')
    }
    this.table = new Table(this, 'AuditTable', {
      partitionKey: { name: 'userId', type: AttributeType.STRING },
      sortKey: { name: 'sequence', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: props.tableRemovalPolicy ?? RemovalPolicy.RETAIN,
    })
    this.function = recipeFunction(this, 'Handler', {
      entry: fileURLToPath(new URL('./audit-handler.ts', import.meta.url)),
      serviceName: 'rest-user-api-audit',
      description: 'serverless-done-right: the user API audit trail (users table stream)',
      settings: settings.function,
      logLevel: props.logLevel,
      environment: { AUDIT_TABLE_NAME: this.table.tableName },
    })
    // PutItem only: all the handler sends. Reading the stream is granted by the event source mapping.
    this.table.grant(this.function, 'dynamodb:PutItem')

    const failures = onFailureQueue(this, 'OnFailureQueue')
    this.onFailureQueue = failures.queue
    this.function.addEventSource(
      dynamoEventSource(props.usersTable, settings.eventSource, new SqsDlq(this.onFailureQueue)),
    )
    const iteratorAgeMs = (settings.eventSource.maximumRecordAgeInSeconds * 1000) / 2
    this.alarms = [...functionAlarms(this, this.function, { iteratorAgeMs }), failures.alarm]
  }
}
