import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { App, type CfnElement, Stack } from 'aws-cdk-lib'
import { Template } from 'aws-cdk-lib/assertions'
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda'
import type { CloudAssembly } from 'aws-cdk-lib/cx-api'
import { deployRecipes, type RecipeStacks } from '../../../recipes/deploy/stacks.js'
import { basicExecutionPolicyArns, type CfnResource, recipeRuntime, synthTimeoutMs, xrayStatement } from './synth.js'

const env = { account: '123456789012', region: 'eu-west-1' }
const outdir = mkdtempSync(join(tmpdir(), 'sdr-cdk-app-'))
let stacks: RecipeStacks
let assembly: CloudAssembly
let templates: Record<string, Template>

beforeAll(() => {
  // The construct tests bundle the handlers; here the app is checked as CloudFormation sees it, so bundling is
  // skipped and CDK's built-in CloudFormation validation (on by default, as in `npm run synth`) runs once.
  const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } })
  stacks = deployRecipes(app, { env })
  assembly = app.synth()
  templates = Object.fromEntries(
    Object.values(stacks).map((stack: Stack) => [stack.stackName, Template.fromStack(stack)]),
  )
}, synthTimeoutMs)

afterAll(() => rmSync(outdir, { recursive: true, force: true }))

const allResources = () =>
  Object.values(templates).flatMap((template) =>
    Object.values(template.toJSON().Resources as Record<string, CfnResource>),
  )

describe('the deploy app', () => {
  it('puts the three recipes in three stacks of the given environment', () => {
    expect(assembly.stacks.map((stack) => stack.stackName).sort()).toEqual([
      'SdrLogProcessor',
      'SdrStreamReducer',
      'SdrUserApi',
    ])
    for (const stack of assembly.stacks) expect(stack.environment).toMatchObject(env)
  })

  it('needs no context lookup (synthesis never asks AWS anything)', () => {
    expect(assembly.manifest.missing ?? []).toEqual([])
  })

  it('passes CDK’s CloudFormation validation with nothing to report', () => {
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8'))
    const violations = (report.pluginReports ?? []).flatMap(
      (plugin: { violations?: unknown[] }) => plugin.violations ?? [],
    )
    expect(violations).toEqual([])
  })

  it('feeds the reducer from the log processor’s input stream', () => {
    const logs = templates.SdrLogProcessor as Template
    const reducer = templates.SdrStreamReducer as Template
    const outputs = logs.toJSON().Outputs as Record<string, { Value: unknown; Export?: { Name: string } }>
    const inputStream = Object.keys(logs.findResources('AWS::Kinesis::Stream')).find((id) => id.includes('Input'))
    const exported = Object.values(outputs).find(
      (output) => JSON.stringify(output.Value) === JSON.stringify({ 'Fn::GetAtt': [inputStream, 'Arn'] }),
    )
    expect(exported?.Export?.Name).toBeDefined()
    reducer.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::ImportValue': exported?.Export?.Name },
    })
    expect(stacks.streamReducer.dependencies).toContain(stacks.logProcessor)
  })

  it('grants no wildcard action, and a wildcard resource only for X-Ray and dynamodb:ListStreams', () => {
    const statements = allResources()
      .filter((resource) => resource.Type === 'AWS::IAM::Policy')
      .flatMap((policy) => (policy.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement)
    expect(statements.length).toBeGreaterThan(0)
    for (const statement of statements) {
      const actions = [statement.Action].flat() as string[]
      expect(actions.filter((action) => action.includes('*'))).toEqual([])
      // Neither supports resource-level permissions (the audit's stream mapping needs ListStreams).
      if ([statement.Resource].flat().includes('*')) {
        expect([xrayStatement.Action, ['dynamodb:ListStreams']]).toContainEqual(actions)
      }
    }
  })

  it('attaches no managed policy but AWS’s basic Lambda execution policy (CloudWatch Logs)', () => {
    const roles = allResources().filter((resource) => resource.Type === 'AWS::IAM::Role')
    expect(roles).toHaveLength(4)
    for (const role of roles) {
      expect(JSON.stringify(role.Properties.ManagedPolicyArns)).toBe(JSON.stringify(basicExecutionPolicyArns))
    }
  })

  it('deploys no function of its own beyond the recipes’ four (no CDK helper Lambdas)', () => {
    const functions = allResources().filter((resource) => resource.Type === 'AWS::Lambda::Function')
    // The log processor, the reducer, the user API and its audit trail.
    expect(functions).toHaveLength(4)
    for (const fn of functions) {
      expect(fn.Properties).toMatchObject(recipeRuntime)
    }
  })

  it('has no dependency cycle in any stack', () => {
    for (const template of Object.values(templates)) {
      expect(() => Template.fromJSON(template.toJSON())).not.toThrow()
    }
  })
})

describe('the dependency-cycle check the template tests rely on', () => {
  it('catches the cycle a function granting itself invoke through its default policy makes', () => {
    const stack = new Stack(new App({ builtinCloudFormationValidation: false }), 'Cycle')
    const fn = new LambdaFunction(stack, 'Fn', {
      runtime: Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: Code.fromInline('export const handler = async () => 1'),
    })
    fn.grantInvoke(fn)
    const functionId = stack.getLogicalId(fn.node.defaultChild as CfnElement)
    expect(() => Template.fromStack(stack)).toThrow(new RegExp(`cycl[\\s\\S]*${functionId}`, 'i'))
  })
})
