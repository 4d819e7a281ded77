import { execFile } from 'node:child_process'
import { copyFileSync, existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { App, type CfnElement, Stack } from 'aws-cdk-lib'
import { Template } from 'aws-cdk-lib/assertions'
import type { KinesisEventSourceSettings } from '../../../recipes/deploy/event-source.js'
import { repoRoot } from '../../../recipes/deploy/recipe-function.js'
import { eventSourceParameters, type RecipeEventSourceSettings } from '../../../recipes/kinesis-log-processor/local.js'

const run = promisify(execFile)

/** A CloudFormation resource as it appears in a synthesized template. */
export interface CfnResource {
  Type: string
  Properties: Record<string, unknown>
}

/** One synthesized stack: the template for assertions, the stack for `resolve()`, the folder its assets went to. */
export interface Synthesized {
  readonly stack: Stack
  readonly template: Template
  readonly outdir: string
  /** Removes the cloud assembly folder. */
  dispose(): void
}

/**
 * Builds one stack with `build` and synthesizes it once (the functions are bundled by the local esbuild, unless
 * `bundle` is `false`: for tests of the template alone). CloudFormation's own template validation is left to the app
 * test, which runs it once for every stack.
 */
export function synthesize(build: (stack: Stack) => void, options: { bundle?: boolean } = {}): Synthesized {
  const outdir = mkdtempSync(join(tmpdir(), 'sdr-cdk-'))
  const context = options.bundle === false ? { 'aws:cdk:bundling-stacks': [] } : {}
  const app = new App({ outdir, builtinCloudFormationValidation: false, context })
  const stack = new Stack(app, 'Test')
  build(stack)
  const template = Template.fromStack(stack)
  return { stack, template, outdir, dispose: () => rmSync(outdir, { recursive: true, force: true }) }
}

/** The logical id of each construct's default child in the synthesized stack, under the same keys. */
export function logicalIdsOf<K extends string>(
  synthesized: Synthesized,
  constructs: Record<K, { node: { defaultChild?: unknown } }>,
): Record<K, string> {
  const entries = Object.entries(constructs) as [K, { node: { defaultChild?: unknown } }][]
  return Object.fromEntries(
    entries.map(([key, construct]) => [key, synthesized.stack.getLogicalId(construct.node.defaultChild as CfnElement)]),
  ) as Record<K, string>
}

/** The `Fn::GetAtt` of a resource's ARN, as a template writes it. */
export const arnOf = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] })

/** The logical id of the only resource of `type` whose properties match `props`. */
export function logicalIdOf(template: Template, type: string, props: Record<string, unknown> = {}): string {
  const found = Object.keys(template.findResources(type, { Properties: props }))
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}: ${found.join(', ')}`)
  return found[0] as string
}

/** Every IAM statement attached to the role `roleId`, from every policy that names it, in template order. */
export function statementsOfRole(template: Template, roleId: string): unknown[] {
  const policies = Object.values(template.findResources('AWS::IAM::Policy')) as CfnResource[]
  return policies
    .filter((policy) => JSON.stringify(policy.Properties.Roles).includes(`"Ref":"${roleId}"`))
    .flatMap((policy) => (policy.Properties.PolicyDocument as { Statement: unknown[] }).Statement)
}

/** The role logical id a function resource runs as. */
export function roleOfFunction(template: Template, functionId: string): string {
  const fn = template.toJSON().Resources[functionId] as CfnResource
  const role = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt']
  return role[0]
}

/** The folder holding a function's bundle (`index.mjs`, `index.mjs.map`) in the cloud assembly. */
export function bundleOf(synthesized: Synthesized, functionId: string): string {
  const fn = synthesized.template.toJSON().Resources[functionId] as CfnResource
  const key = (fn.Properties.Code as { S3Key: string }).S3Key
  const folder = join(synthesized.outdir, `asset.${key.replace(/\.zip$/, '')}`)
  if (!existsSync(folder)) throw new Error(`no bundle for ${functionId} at ${folder}`)
  return folder
}

/** The type of each export of a function's bundle, loaded as Lambda would with the function's template environment. */
export function exportsOfFunction(synthesized: Synthesized, functionId: string): Promise<Record<string, string>> {
  return loadBundle(bundleOf(synthesized, functionId), lambdaEnvironment(synthesized.template, functionId))
}

/**
 * Imports a bundle the way the Lambda Node.js 22 runtime does, in a child process with `environment` and with only
 * the repository's `node_modules` to resolve its external imports (the runtime provides `@aws-sdk/*`): what the
 * bundle's module scope throws (a missing variable, a `require` esbuild could not shim) shows up here.
 * Returns the type of each export.
 */
export async function loadBundle(bundle: string, environment: Record<string, string>): Promise<Record<string, string>> {
  const sandbox = mkdtempSync(join(tmpdir(), 'sdr-bundle-'))
  try {
    copyFileSync(join(bundle, 'index.mjs'), join(sandbox, 'index.mjs'))
    copyFileSync(join(bundle, 'index.mjs.map'), join(sandbox, 'index.mjs.map'))
    symlinkSync(join(repoRoot, 'node_modules'), join(sandbox, 'node_modules'), 'dir')
    const script =
      'const m = await import("./index.mjs"); console.log(JSON.stringify(Object.fromEntries(Object.entries(m).map(([k, v]) => [k, typeof v]))))'
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
      cwd: sandbox,
      env: { PATH: process.env.PATH ?? '', ...environment },
    })
    return JSON.parse(stdout) as Record<string, string>
  } finally {
    rmSync(sandbox, { recursive: true, force: true })
  }
}

/**
 * The environment Lambda would give a function: its template variables with every CloudFormation reference replaced
 * by a plausible name, plus the variables the runtime sets.
 */
export function lambdaEnvironment(template: Template, functionId: string): Record<string, string> {
  const fn = template.toJSON().Resources[functionId] as CfnResource
  const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables
  const environment: Record<string, string> = {
    AWS_REGION: 'us-east-1',
    AWS_LAMBDA_FUNCTION_NAME: 'sdr-test-function',
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.Properties.MemorySize ?? 128),
  }
  for (const [name, value] of Object.entries(variables)) {
    environment[name] = typeof value === 'string' ? value : `sdr-test-${name.toLowerCase().replaceAll('_', '-')}`
  }
  return environment
}

/**
 * The deployed event source mapping and function limits, renamed to the local emulator's options
 * (`eventSourceParameters()` in `recipes/kinesis-log-processor/local.ts`), so the two can be compared whole.
 */
export function deployedAsEmulatorOptions(template: Template, mappingId: string, functionId: string) {
  const resources = template.toJSON().Resources as Record<string, CfnResource>
  const mapping = (resources[mappingId] as CfnResource).Properties
  const fn = (resources[functionId] as CfnResource).Properties
  return {
    batchSize: mapping.BatchSize,
    maximumBatchingWindowInSeconds: mapping.MaximumBatchingWindowInSeconds,
    startingPosition: mapping.StartingPosition,
    parallelizationFactor: mapping.ParallelizationFactor,
    bisectBatchOnFunctionError: mapping.BisectBatchOnFunctionError,
    maximumRetryAttempts: mapping.MaximumRetryAttempts,
    maximumRecordAgeInSeconds: mapping.MaximumRecordAgeInSeconds,
    functionResponseTypes: mapping.FunctionResponseTypes ?? [],
    // CloudFormation's default, 0, is what an absent property means.
    tumblingWindowInSeconds: mapping.TumblingWindowInSeconds ?? 0,
    timeoutMs: (fn.Timeout as number) * 1000,
    memoryMb: fn.MemorySize,
  }
}

/** What every recipe function runs on: Node.js 22 on arm64, traced by X-Ray. */
export const recipeRuntime = { Runtime: 'nodejs22.x', Architectures: ['arm64'], TracingConfig: { Mode: 'Active' } }

/** A recipe function's properties: `recipeRuntime`, the `handler` export, and the settings' timeout and memory. */
export function recipeFunctionProperties(fn: { readonly timeoutSeconds: number; readonly memoryMb: number }) {
  return { ...recipeRuntime, Handler: 'index.handler', Timeout: fn.timeoutSeconds, MemorySize: fn.memoryMb }
}

/** A recipe function's `Environment`: `variables`, plus the Powertools service name, INFO logs and source maps. */
export function recipeEnvironment(service: string, variables: Record<string, unknown>) {
  return {
    Variables: {
      ...variables,
      POWERTOOLS_SERVICE_NAME: service,
      LOG_LEVEL: 'INFO',
      NODE_OPTIONS: '--enable-source-maps',
    },
  }
}

/** The managed policies of every recipe role: AWS's basic Lambda execution policy (CloudWatch Logs) alone. */
export const basicExecutionPolicyArns = [
  {
    'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/service-role/AWSLambdaBasicExecutionRole']],
  },
]

/** The IAM statement that lets a function send X-Ray traces (the only one with a wildcard resource). */
export const xrayStatement = {
  Effect: 'Allow',
  Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
  Resource: '*',
}

/** The IAM statement an event source mapping's on-failure destination `queueId` adds. */
export const sendToQueueStatement = (queueId: string) => ({
  Effect: 'Allow',
  Action: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
  Resource: arnOf(queueId),
})

/** The IAM statement an event source mapping reading the stream `streamId` adds. */
export const readStreamStatement = (streamId: string) => ({
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
  Resource: arnOf(streamId),
})

/** The Kinesis mapping properties both stream recipes share: `fn` reads `input` with `source`, failures go to `queue`. */
export function kinesisMappingProperties(
  source: KinesisEventSourceSettings,
  ids: { fn: string; input: string; queue: string },
) {
  return {
    EventSourceArn: arnOf(ids.input),
    FunctionName: { Ref: ids.fn },
    StartingPosition: source.startingPosition,
    BatchSize: source.batchSize,
    MaximumBatchingWindowInSeconds: source.maximumBatchingWindowInSeconds,
    ParallelizationFactor: source.parallelizationFactor,
    BisectBatchOnFunctionError: source.bisectBatchOnFunctionError,
    MaximumRetryAttempts: source.maximumRetryAttempts,
    MaximumRecordAgeInSeconds: source.maximumRecordAgeInSeconds,
    DestinationConfig: { OnFailure: { Destination: arnOf(ids.queue) } },
  }
}

/** Asserts that the only event source mapping, with `functionId`'s limits, is what the local emulator runs. */
export function expectDeployedAsEmulated(template: Template, functionId: string, settings: RecipeEventSourceSettings) {
  const mapping = logicalIdOf(template, 'AWS::Lambda::EventSourceMapping')
  expect(deployedAsEmulatorOptions(template, mapping, functionId)).toEqual(eventSourceParameters(settings))
}

/** Asserts a stream recipe's four alarms: errors, throttles, iterator age at half the record age, on-failure queue. */
export function expectStreamRecipeAlarms(
  template: Template,
  ids: { fn: string; queue: string },
  maximumRecordAgeInSeconds: number,
) {
  template.resourceCountIs('AWS::CloudWatch::Alarm', 4)
  const lambdaAlarm = (metric: string, statistic: string, threshold: number) => ({
    Namespace: 'AWS/Lambda',
    MetricName: metric,
    Dimensions: [{ Name: 'FunctionName', Value: { Ref: ids.fn } }],
    Statistic: statistic,
    Period: 300,
    Threshold: threshold,
    EvaluationPeriods: 1,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    TreatMissingData: 'notBreaching',
  })
  template.hasResourceProperties('AWS::CloudWatch::Alarm', lambdaAlarm('Errors', 'Sum', 1))
  template.hasResourceProperties('AWS::CloudWatch::Alarm', lambdaAlarm('Throttles', 'Sum', 1))
  const iteratorAgeMs = (maximumRecordAgeInSeconds * 1000) / 2
  template.hasResourceProperties('AWS::CloudWatch::Alarm', lambdaAlarm('IteratorAge', 'Maximum', iteratorAgeMs))
  template.hasResourceProperties('AWS::CloudWatch::Alarm', {
    Namespace: 'AWS/SQS',
    MetricName: 'ApproximateNumberOfMessagesVisible',
    Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [ids.queue, 'QueueName'] } }],
    Statistic: 'Maximum',
    Threshold: 1,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
  })
}

/**
 * How long a `beforeAll` that synthesizes may take: bundling and CloudFormation validation take seconds on an idle
 * machine, and several times that when the whole suite shares two cores.
 */
export const synthTimeoutMs = 180_000
