import { Match } from 'aws-cdk-lib/assertions'
import { Stream } from 'aws-cdk-lib/aws-kinesis'
import { StreamReducer } from '../../../recipes/stream-reducer/infra.js'
import { streamReducerSettings as settings } from '../../../recipes/stream-reducer/settings.js'
import {
  arnOf,
  expectDeployedAsEmulated,
  expectStreamRecipeAlarms,
  exportsOfFunction,
  kinesisMappingProperties,
  logicalIdOf,
  logicalIdsOf,
  readStreamStatement,
  recipeEnvironment,
  recipeFunctionProperties,
  roleOfFunction,
  type Synthesized,
  sendToQueueStatement,
  statementsOfRole,
  synthesize,
  synthTimeoutMs,
  xrayStatement,
} from './synth.js'

let synthesized: Synthesized
let reducer: StreamReducer
let ids: { fn: string; input: string; table: string; queue: string }

beforeAll(() => {
  let input: Stream | undefined
  synthesized = synthesize((stack) => {
    input = new Stream(stack, 'Logs', { shardCount: 2 })
    reducer = new StreamReducer(stack, 'StreamReducer', { inputStream: input })
  })
  ids = logicalIdsOf(synthesized, {
    fn: reducer.function,
    input: input as Stream,
    table: reducer.table,
    queue: reducer.onFailureQueue,
  })
}, synthTimeoutMs)

afterAll(() => synthesized.dispose())

describe('StreamReducer', () => {
  it('has the counts table: string pk, string sk, on demand, kept on stack deletion', () => {
    const { template } = synthesized
    template.resourceCountIs('AWS::DynamoDB::Table', 1)
    const table = template.toJSON().Resources[ids.table]
    expect(table.DeletionPolicy).toBe('Retain')
    expect(table.Properties).toEqual({
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: { SSEEnabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    })
  })

  it('reads the given stream through a tumbling window, every parameter from the settings module', () => {
    const { template } = synthesized
    const mapping = logicalIdOf(template, 'AWS::Lambda::EventSourceMapping')
    const source = settings.eventSource
    expect(source.tumblingWindowInSeconds).toBeGreaterThan(0)
    expect(template.toJSON().Resources[mapping].Properties).toEqual({
      ...kinesisMappingProperties(source, ids),
      TumblingWindowInSeconds: source.tumblingWindowInSeconds,
      FunctionResponseTypes: source.reportBatchItemFailures ? ['ReportBatchItemFailures'] : [],
    })
  })

  it('deploys exactly what the local emulator runs (`eventSourceParameters`, shared with `npm start`)', () => {
    expectDeployedAsEmulated(synthesized.template, ids.fn, settings)
  })

  it('runs on Node.js 22 arm64 with tracing, the settings timeout and memory, and the table name', () => {
    const fn = synthesized.template.toJSON().Resources[ids.fn]
    expect(fn.Properties).toMatchObject(recipeFunctionProperties(settings.function))
    expect(fn.Properties.Environment).toEqual(recipeEnvironment('stream-reducer', { TABLE_NAME: { Ref: ids.table } }))
  })

  it(
    'passes COUNT_KEY_FIELD to the handler only when a count key field is given',
    () => {
      const withKey = synthesize((stack) => {
        new StreamReducer(stack, 'StreamReducer', { inputStream: new Stream(stack, 'Logs'), countKeyField: 'level' })
      })
      try {
        withKey.template.hasResourceProperties('AWS::Lambda::Function', {
          Environment: { Variables: Match.objectLike({ COUNT_KEY_FIELD: 'level' }) },
        })
      } finally {
        withKey.dispose()
      }
    },
    synthTimeoutMs,
  )

  it('may only PutItem and Query the counts table, read the stream and send to its queue', () => {
    const { template } = synthesized
    expect(statementsOfRole(template, roleOfFunction(template, ids.fn))).toEqual([
      xrayStatement,
      { Effect: 'Allow', Action: ['dynamodb:PutItem', 'dynamodb:Query'], Resource: [arnOf(ids.table)] },
      sendToQueueStatement(ids.queue),
      readStreamStatement(ids.input),
    ])
  })

  it('alarms on errors, throttles, iterator age and messages in the on-failure queue', () => {
    expectStreamRecipeAlarms(synthesized.template, ids, settings.eventSource.maximumRecordAgeInSeconds)
    expect(reducer.alarms).toHaveLength(4)
  })

  it('bundles a handler that loads on Node.js 22 with only the runtime-provided modules outside the bundle', async () => {
    const exports = await exportsOfFunction(synthesized, ids.fn)
    expect(exports.handler).toBe('function')
  })
})
