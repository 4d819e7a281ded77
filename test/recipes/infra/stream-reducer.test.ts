import type { CfnElement } from 'aws-cdk-lib'
import { Match } from 'aws-cdk-lib/assertions'
import { Stream } from 'aws-cdk-lib/aws-kinesis'
import { eventSourceParameters } from '../../../recipes/kinesis-log-processor/local.js'
import { StreamReducer } from '../../../recipes/stream-reducer/infra.js'
import { streamReducerSettings as settings } from '../../../recipes/stream-reducer/settings.js'
import {
  bundleOf,
  deployedAsEmulatorOptions,
  lambdaEnvironment,
  loadBundle,
  logicalIdOf,
  roleOfFunction,
  type Synthesized,
  statementsOfRole,
  synthesize,
  synthTimeoutMs,
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
  const idOf = (construct: { node: { defaultChild?: unknown } }) =>
    synthesized.stack.getLogicalId(construct.node.defaultChild as CfnElement)
  ids = {
    fn: idOf(reducer.function),
    input: idOf(input as Stream),
    table: idOf(reducer.table),
    queue: idOf(reducer.onFailureQueue),
  }
}, synthTimeoutMs)

afterAll(() => synthesized.dispose())

const arnOf = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] })

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
      EventSourceArn: arnOf(ids.input),
      FunctionName: { Ref: ids.fn },
      StartingPosition: source.startingPosition,
      BatchSize: source.batchSize,
      MaximumBatchingWindowInSeconds: source.maximumBatchingWindowInSeconds,
      ParallelizationFactor: source.parallelizationFactor,
      BisectBatchOnFunctionError: source.bisectBatchOnFunctionError,
      MaximumRetryAttempts: source.maximumRetryAttempts,
      MaximumRecordAgeInSeconds: source.maximumRecordAgeInSeconds,
      TumblingWindowInSeconds: source.tumblingWindowInSeconds,
      FunctionResponseTypes: source.reportBatchItemFailures ? ['ReportBatchItemFailures'] : [],
      DestinationConfig: { OnFailure: { Destination: arnOf(ids.queue) } },
    })
  })

  it('deploys exactly what the local emulator runs (`eventSourceParameters`, shared with `npm start`)', () => {
    const { template } = synthesized
    const mapping = logicalIdOf(template, 'AWS::Lambda::EventSourceMapping')
    expect(deployedAsEmulatorOptions(template, mapping, ids.fn)).toEqual(eventSourceParameters(settings))
  })

  it('runs on Node.js 22 arm64 with tracing, the settings timeout and memory, and the table name', () => {
    const fn = synthesized.template.toJSON().Resources[ids.fn]
    expect(fn.Properties).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      Handler: 'index.handler',
      Timeout: settings.function.timeoutSeconds,
      MemorySize: settings.function.memoryMb,
    })
    expect(fn.Properties.Environment).toEqual({
      Variables: {
        TABLE_NAME: { Ref: ids.table },
        POWERTOOLS_SERVICE_NAME: 'stream-reducer',
        LOG_LEVEL: 'INFO',
        NODE_OPTIONS: '--enable-source-maps',
      },
    })
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
      { Effect: 'Allow', Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Resource: '*' },
      { Effect: 'Allow', Action: ['dynamodb:PutItem', 'dynamodb:Query'], Resource: [arnOf(ids.table)] },
      {
        Effect: 'Allow',
        Action: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
        Resource: arnOf(ids.queue),
      },
      {
        Effect: 'Allow',
        Action: [
          'kinesis:DescribeStreamSummary',
          'kinesis:GetRecords',
          'kinesis:GetShardIterator',
          'kinesis:ListShards',
          'kinesis:SubscribeToShard',
          'kinesis:DescribeStream',
          'kinesis:ListStreams',
          'kinesis:DescribeStreamConsumer',
        ],
        Resource: arnOf(ids.input),
      },
    ])
  })

  it('alarms on errors, throttles, iterator age and messages in the on-failure queue', () => {
    const { template } = synthesized
    template.resourceCountIs('AWS::CloudWatch::Alarm', 4)
    expect(reducer.alarms).toHaveLength(4)
    const onFunction = (metric: string, statistic: string, threshold: number) =>
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Lambda',
        MetricName: metric,
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: ids.fn } }],
        Statistic: statistic,
        Threshold: threshold,
      })
    onFunction('Errors', 'Sum', 1)
    onFunction('Throttles', 'Sum', 1)
    onFunction('IteratorAge', 'Maximum', (settings.eventSource.maximumRecordAgeInSeconds * 1000) / 2)
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [ids.queue, 'QueueName'] } }],
      Threshold: 1,
    })
  })

  it('bundles a handler that loads on Node.js 22 with only the runtime-provided modules outside the bundle', async () => {
    const exports = await loadBundle(bundleOf(synthesized, ids.fn), lambdaEnvironment(synthesized.template, ids.fn))
    expect(exports.handler).toBe('function')
  })
})
