import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Match } from 'aws-cdk-lib/assertions'
import { LogProcessor } from '../../../recipes/kinesis-log-processor/infra.js'
import { logProcessorSettings as settings } from '../../../recipes/kinesis-log-processor/settings.js'
import {
  arnOf,
  basicExecutionPolicyArns,
  bundleOf,
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
let processor: LogProcessor
let ids: { fn: string; input: string; output: string; deadLetter: string; queue: string }

beforeAll(() => {
  synthesized = synthesize((stack) => {
    processor = new LogProcessor(stack, 'LogProcessor')
  })
  ids = logicalIdsOf(synthesized, {
    fn: processor.function,
    input: processor.inputStream,
    output: processor.outputStream,
    deadLetter: processor.deadLetterStream,
    queue: processor.onFailureQueue,
  })
}, synthTimeoutMs)

afterAll(() => synthesized.dispose())

describe('LogProcessor streams', () => {
  it('creates the input, output and dead-letter streams with the shard counts of the settings', () => {
    const { template } = synthesized
    template.resourceCountIs('AWS::Kinesis::Stream', 3)
    const shards = {
      [ids.input]: settings.inputShardCount,
      [ids.output]: settings.outputShardCount,
      [ids.deadLetter]: settings.deadLetterShardCount,
    }
    for (const [id, shardCount] of Object.entries(shards)) {
      expect(template.toJSON().Resources[id].Properties).toEqual({
        ShardCount: shardCount,
        StreamModeDetails: { StreamMode: 'PROVISIONED' },
        RetentionPeriodHours: 24,
        StreamEncryption: { EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' },
      })
    }
  })
})

describe('LogProcessor function', () => {
  it('runs the handler on Node.js 22, arm64, with X-Ray tracing and the settings timeout and memory', () => {
    synthesized.template.hasResourceProperties('AWS::Lambda::Function', recipeFunctionProperties(settings.function))
  })

  it('gets exactly the environment its handler reads, plus Powertools and source maps', () => {
    const fn = synthesized.template.toJSON().Resources[ids.fn]
    expect(fn.Properties.Environment).toEqual(
      recipeEnvironment('kinesis-log-processor', {
        OUTPUT_STREAM_NAME: { Ref: ids.output },
        DEAD_LETTER_STREAM_NAME: { Ref: ids.deadLetter },
        BRUTE_FORCE_THRESHOLD: String(settings.bruteForceThreshold),
      }),
    )
  })

  it('writes its logs to a log group kept one month', () => {
    const { template } = synthesized
    const logGroup = logicalIdOf(template, 'AWS::Logs::LogGroup')
    expect(template.toJSON().Resources[logGroup].Properties).toEqual({ RetentionInDays: 30 })
    template.hasResourceProperties('AWS::Lambda::Function', { LoggingConfig: { LogGroup: { Ref: logGroup } } })
  })

  it('is a minified ESM bundle with a source map and the createRequire banner, the AWS SDK left out', () => {
    const bundle = bundleOf(synthesized, ids.fn)
    const code = readFileSync(join(bundle, 'index.mjs'), 'utf8')
    expect(code.startsWith("import { createRequire as __sdrCreateRequire } from 'node:module';")).toBe(true)
    expect(code).toMatch(/\/\/# sourceMappingURL=index\.mjs\.map\s*$/)
    const map = JSON.parse(readFileSync(join(bundle, 'index.mjs.map'), 'utf8'))
    expect(map.sources.some((source: string) => source.endsWith('kinesis-log-processor/handler.ts'))).toBe(true)
    expect(map.sources.some((source: string) => source.includes('node_modules/@aws-sdk/'))).toBe(false)
    // Minified: lines thousands of characters long (esbuild's readable output averages under 50).
    expect(code.length / code.split('\n').length).toBeGreaterThan(2000)
  })

  it('loads on Node.js 22 with only the runtime-provided modules outside the bundle', async () => {
    const exports = await exportsOfFunction(synthesized, ids.fn)
    expect(exports.handler).toBe('function')
  })
})

describe('LogProcessor event source mapping', () => {
  it('reads the input stream with exactly the parameters of the settings module', () => {
    const { template } = synthesized
    const mapping = logicalIdOf(template, 'AWS::Lambda::EventSourceMapping')
    const source = settings.eventSource
    expect(template.toJSON().Resources[mapping].Properties).toEqual({
      ...kinesisMappingProperties(source, ids),
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    })
    // The settings ask for these; the assertion above would be vacuous for them otherwise.
    expect(source.reportBatchItemFailures).toBe(true)
    expect(source.tumblingWindowInSeconds).toBe(0)
  })

  it('deploys exactly what the local emulator runs (`eventSourceParameters`, shared with `npm start`)', () => {
    expectDeployedAsEmulated(synthesized.template, ids.fn, settings)
  })

  it('sends abandoned batches to an encrypted queue kept 14 days that refuses plain HTTP', () => {
    const { template } = synthesized
    expect(template.toJSON().Resources[ids.queue].Properties).toEqual({
      MessageRetentionPeriod: 14 * 24 * 3600,
      SqsManagedSseEnabled: true,
    })
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: [Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })],
      },
    })
  })
})

describe('LogProcessor permissions', () => {
  it('may only PutRecords to the output and dead-letter streams, read the input, send to its queue', () => {
    const { template } = synthesized
    const statements = statementsOfRole(template, roleOfFunction(template, ids.fn))
    expect(statements).toEqual([
      xrayStatement,
      { Effect: 'Allow', Action: 'kinesis:PutRecords', Resource: arnOf(ids.output) },
      { Effect: 'Allow', Action: 'kinesis:PutRecords', Resource: arnOf(ids.deadLetter) },
      sendToQueueStatement(ids.queue),
      readStreamStatement(ids.input),
    ])
  })

  it('has AWS’s basic execution policy (CloudWatch Logs) and nothing else managed', () => {
    const { template } = synthesized
    const role = template.toJSON().Resources[roleOfFunction(template, ids.fn)]
    expect(JSON.stringify(role.Properties.ManagedPolicyArns)).toBe(JSON.stringify(basicExecutionPolicyArns))
  })
})

describe('LogProcessor alarms', () => {
  it('alarms on errors, throttles, iterator age (half the record age) and messages in the on-failure queue', () => {
    expectStreamRecipeAlarms(synthesized.template, ids, settings.eventSource.maximumRecordAgeInSeconds)
    expect(processor.alarms).toHaveLength(4)
  })
})
