/**
 * The user API's audit trail as CDK synthesizes it: the users table's stream read with exactly the settings the local
 * demo runs (`userApiSettings.audit`), a function that may only write audit items, and the stream recipes' alarms.
 */
import type { Stack } from 'aws-cdk-lib'
import { AttributeType, StreamViewType, Table } from 'aws-cdk-lib/aws-dynamodb'
import { UserApi, UserAudit } from '../../../recipes/rest-user-api/infra.js'
import { userApiSettings } from '../../../recipes/rest-user-api/settings.js'
import {
  arnOf,
  type CfnResource,
  expectDeployedAsEmulated,
  expectStreamRecipeAlarms,
  logicalIdOf,
  logicalIdsOf,
  roleOfFunction,
  type Synthesized,
  statementsOfRole,
  synthesize,
  synthTimeoutMs,
} from './synth.js'

const settings = userApiSettings.audit
let synthesized: Synthesized
let ids: { fn: string; table: string; users: string; queue: string }

/** A users table as `UserApi` makes it, without the rest of the API (whose alarms are not the audit's). */
const usersTable = (stack: Stack, stream: boolean) =>
  new Table(stack, 'Users', {
    partitionKey: { name: 'id', type: AttributeType.STRING },
    ...(stream ? { stream: StreamViewType.NEW_AND_OLD_IMAGES } : {}),
  })

beforeAll(() => {
  let users: Table | undefined
  let audit: UserAudit | undefined
  synthesized = synthesize(
    (stack) => {
      users = usersTable(stack, true)
      audit = new UserAudit(stack, 'UserAudit', { usersTable: users })
    },
    { bundle: false },
  )
  const built = audit as UserAudit
  ids = logicalIdsOf(synthesized, {
    fn: built.function,
    table: built.table,
    users: users as Table,
    queue: built.onFailureQueue,
  })
}, synthTimeoutMs)

describe('UserAudit', () => {
  it('reads the users table stream with exactly the parameters of the settings module', () => {
    const { template } = synthesized
    const resources = template.toJSON().Resources as Record<string, CfnResource>
    const mapping = logicalIdOf(template, 'AWS::Lambda::EventSourceMapping')
    expect((resources[mapping] as CfnResource).Properties).toEqual({
      EventSourceArn: { 'Fn::GetAtt': [ids.users, 'StreamArn'] },
      FunctionName: { Ref: ids.fn },
      StartingPosition: settings.eventSource.startingPosition,
      BatchSize: settings.eventSource.batchSize,
      MaximumBatchingWindowInSeconds: settings.eventSource.maximumBatchingWindowInSeconds,
      ParallelizationFactor: settings.eventSource.parallelizationFactor,
      BisectBatchOnFunctionError: settings.eventSource.bisectBatchOnFunctionError,
      MaximumRetryAttempts: settings.eventSource.maximumRetryAttempts,
      MaximumRecordAgeInSeconds: settings.eventSource.maximumRecordAgeInSeconds,
      DestinationConfig: { OnFailure: { Destination: arnOf(ids.queue) } },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    })
  })

  it('deploys exactly what the demo runs with dynamoDbEventSource (`eventSourceParameters`)', () => {
    expectDeployedAsEmulated(synthesized.template, ids.fn, settings)
  })

  it('keeps the audit table (userId, sequence), encrypted, with point-in-time recovery', () => {
    const resources = synthesized.template.toJSON().Resources as Record<
      string,
      CfnResource & { DeletionPolicy?: string }
    >
    const table = resources[ids.table] as CfnResource & { DeletionPolicy?: string }
    expect(table.DeletionPolicy).toBe('Retain')
    expect(table.Properties).toMatchObject({
      KeySchema: [
        { AttributeName: 'userId', KeyType: 'HASH' },
        { AttributeName: 'sequence', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: { SSEEnabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    })
  })

  it('lets the function write audit items and nothing else to the audit table', () => {
    const statements = statementsOfRole(synthesized.template, roleOfFunction(synthesized.template, ids.fn))
    const onAuditTable = statements.filter((statement) => JSON.stringify(statement).includes(ids.table))
    expect(onAuditTable).toEqual([{ Effect: 'Allow', Action: 'dynamodb:PutItem', Resource: [arnOf(ids.table)] }])
    expect(JSON.stringify(statements)).not.toMatch(
      /dynamodb:(DeleteItem|UpdateItem|GetItem|BatchGetItem|BatchWriteItem|Scan|Query)/,
    )
  })

  it('has the stream recipes’ alarms', () => {
    expectStreamRecipeAlarms(synthesized.template, ids, settings.eventSource.maximumRecordAgeInSeconds)
  })

  it('refuses a users table without a stream', () => {
    expect(() =>
      synthesize((stack) => {
        new UserAudit(stack, 'UserAudit', { usersTable: usersTable(stack, false) })
      }),
    ).toThrow(/usersTable has no stream/)
  })

  it('is fed by UserApi’s table, which has a NEW_AND_OLD_IMAGES stream', () => {
    let api: UserApi | undefined
    const { template } = synthesize(
      (stack) => {
        api = new UserApi(stack, 'UserApi', { auth: { type: 'iam' }, apiKind: 'rest' })
        new UserAudit(stack, 'UserAudit', { usersTable: api.table })
      },
      { bundle: false },
    )
    const users = logicalIdOf(template, 'AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    })
    const resources = template.toJSON().Resources as Record<string, CfnResource>
    expect((resources[users] as CfnResource).Properties.StreamSpecification).toEqual({
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    })
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [users, 'StreamArn'] },
    })
  })
})
