import { Match, Template } from 'aws-cdk-lib/assertions'
import { UserApi } from '../../../recipes/rest-user-api/infra.js'
import { userApiSettings as settings } from '../../../recipes/rest-user-api/settings.js'
import {
  arnOf,
  type CfnResource,
  exportsOfFunction,
  logicalIdOf,
  logicalIdsOf,
  recipeEnvironment,
  recipeFunctionProperties,
  roleOfFunction,
  type Synthesized,
  statementsOfRole,
  synthesize,
  synthTimeoutMs,
  xrayStatement,
} from './synth.js'

/** The endpoints the user API serves (the list, written out: not read from the construct). */
const endpoints = ['DELETE /users/{id}', 'GET /users', 'GET /users/{id}', 'POST /users', 'PUT /users/{id}']

interface Built {
  synthesized: Synthesized
  api: UserApi
  ids: { fn: string; table: string; rule: string }
}

function build(props: ConstructorParameters<typeof UserApi>[2], bundle = true): Built {
  let api: UserApi | undefined
  const synthesized = synthesize(
    (stack) => {
      api = new UserApi(stack, 'UserApi', props)
    },
    { bundle },
  )
  const built = api as UserApi
  return {
    synthesized,
    api: built,
    ids: logicalIdsOf(synthesized, { fn: built.function, table: built.table, rule: built.warmupRule }),
  }
}

let http: Built
let rest: Built

const jwtAuth = { type: 'jwt', ...settings.auth } as const

beforeAll(() => {
  http = build({ auth: jwtAuth })
  rest = build({ apiKind: 'rest', warmupConcurrency: 7, auth: { type: 'iam' } })
}, synthTimeoutMs)

afterAll(() => {
  http.synthesized.dispose()
  rest.synthesized.dispose()
})

/** A resolved `Fn::Join` URL as text, every reference (API id, region, stage) shown as `<token>`. */
function renderUrl(resolved: unknown): string {
  const join = (resolved as { 'Fn::Join': [string, unknown[]] })['Fn::Join']
  return join[1].map((part) => (typeof part === 'string' ? part : '<token>')).join(join[0])
}
const resources = (built: Built) => built.synthesized.template.toJSON().Resources as Record<string, CfnResource>

describe('UserApi (HTTP API, the default)', () => {
  it('has the users table: string id, on demand, kept on stack deletion', () => {
    const table = http.synthesized.template.toJSON().Resources[http.ids.table]
    expect(table.DeletionPolicy).toBe('Retain')
    expect(table.Properties).toMatchObject({
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    })
  })

  it('routes every endpoint, and only those, to the function with payload 2.0', () => {
    const { template } = http.synthesized
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1)
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' })
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route')) as CfnResource[]
    expect(routes.map((route) => route.Properties.RouteKey).sort()).toEqual(endpoints)
    const integration = logicalIdOf(template, 'AWS::ApiGatewayV2::Integration')
    expect(template.toJSON().Resources[integration].Properties).toMatchObject({
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
      IntegrationUri: arnOf(http.ids.fn),
    })
    for (const route of routes) {
      expect(route.Properties.Target).toEqual({
        'Fn::Join': ['', ['integrations/', { Ref: integration }]],
      })
    }
  })

  it('lets API Gateway invoke the function only through this API’s routes', () => {
    const { template } = http.synthesized
    const api = logicalIdOf(template, 'AWS::ApiGatewayV2::Api')
    const permissions = Object.values(
      template.findResources('AWS::Lambda::Permission', {
        Properties: { Principal: 'apigateway.amazonaws.com' },
      }),
    ) as CfnResource[]
    expect(permissions).toHaveLength(endpoints.length)
    for (const permission of permissions) {
      expect(permission.Properties.FunctionName).toEqual(arnOf(http.ids.fn))
      expect(JSON.stringify(permission.Properties.SourceArn)).toContain(`{"Ref":"${api}"}`)
    }
  })

  it('runs on Node.js 22 arm64 with tracing, the settings timeout and memory, and the table name', () => {
    const fn = resources(http)[http.ids.fn] as CfnResource
    expect(fn.Properties).toMatchObject(recipeFunctionProperties(settings.function))
    expect(fn.Properties.Environment).toEqual(
      recipeEnvironment('rest-user-api', { TABLE_NAME: { Ref: http.ids.table } }),
    )
  })

  it('pings the function every few minutes with the lambda-warmer payload and the settings concurrency', () => {
    const rule = resources(http)[http.ids.rule] as CfnResource
    expect(rule.Properties).toMatchObject({
      ScheduleExpression: `rate(${settings.warmup.rateMinutes} minutes)`,
      State: 'ENABLED',
      Targets: [
        {
          Arn: arnOf(http.ids.fn),
          Input: JSON.stringify({ warmer: true, concurrency: settings.warmup.concurrency }),
          RetryPolicy: { MaximumRetryAttempts: 0 },
        },
      ],
    })
    http.synthesized.template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      FunctionName: arnOf(http.ids.fn),
      SourceArn: arnOf(http.ids.rule),
    })
  })

  it('may only Get/Put/Update/Delete/Scan the users table (what its store sends) and invoke itself', () => {
    const { template } = http.synthesized
    expect(statementsOfRole(template, roleOfFunction(template, http.ids.fn))).toEqual([
      xrayStatement,
      {
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Scan'],
        Resource: [arnOf(http.ids.table)],
      },
      { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: arnOf(http.ids.fn) },
    ])
  })

  it('grants the self-invoke without a dependency cycle (the function depends on its role’s default policy)', () => {
    // Template checks for cycles when it is built (the app test shows it catching the one `fn.grantInvoke(fn)` makes).
    expect(() => Template.fromJSON(http.synthesized.template.toJSON())).not.toThrow()
  })

  it('alarms on errors, throttles and 5xx answers of the API', () => {
    const { template } = http.synthesized
    template.resourceCountIs('AWS::CloudWatch::Alarm', 3)
    expect(http.api.alarms).toHaveLength(3)
    for (const metric of ['Errors', 'Throttles']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Lambda',
        MetricName: metric,
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: http.ids.fn } }],
        Threshold: 1,
      })
    }
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/ApiGateway',
      MetricName: '5xx',
      Dimensions: [{ Name: 'ApiId', Value: { Ref: logicalIdOf(template, 'AWS::ApiGatewayV2::Api') } }],
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    })
  })

  it('gives the /users URL of the API: its endpoint (no trailing slash) and /users', () => {
    const api = logicalIdOf(http.synthesized.template, 'AWS::ApiGatewayV2::Api')
    expect(http.synthesized.stack.resolve(http.api.usersUrl)).toEqual({
      'Fn::Join': ['', [{ 'Fn::GetAtt': [api, 'ApiEndpoint'] }, '/users']],
    })
  })

  it('bundles a handler that loads on Node.js 22 with only the runtime-provided modules outside the bundle', async () => {
    const exports = await exportsOfFunction(http.synthesized, http.ids.fn)
    expect(exports.handler).toBe('function')
  })
})

describe('UserApi (REST API option)', () => {
  /** `METHOD /path` for every API Gateway method, the path rebuilt from the resources' PathParts. */
  function restEndpoints(): string[] {
    const all = resources(rest)
    const pathOf = (ref: unknown): string => {
      const id = (ref as { Ref?: string }).Ref
      const resource = id === undefined ? undefined : all[id]
      if (resource?.Type !== 'AWS::ApiGateway::Resource') return '' // the root resource
      return `${pathOf(resource.Properties.ParentId)}/${resource.Properties.PathPart}`
    }
    return Object.values(all)
      .filter((resource) => resource.Type === 'AWS::ApiGateway::Method')
      .map((method) => `${method.Properties.HttpMethod} ${pathOf(method.Properties.ResourceId)}`)
      .sort()
  }

  it('routes every endpoint, and only those, through Lambda proxy integrations (payload 1.0)', () => {
    const { template } = rest.synthesized
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 0)
    template.resourceCountIs('AWS::ApiGateway::RestApi', 1)
    expect(restEndpoints()).toEqual(endpoints)
    template.allResourcesProperties('AWS::ApiGateway::Method', {
      Integration: Match.objectLike({ Type: 'AWS_PROXY', IntegrationHttpMethod: 'POST' }),
    })
  })

  it('traces the stage with X-Ray and leaves the account-wide API Gateway logging role alone', () => {
    const { template } = rest.synthesized
    template.hasResourceProperties('AWS::ApiGateway::Stage', { StageName: 'prod', TracingEnabled: true })
    template.resourceCountIs('AWS::ApiGateway::Account', 0)
  })

  it('lets API Gateway invoke the function once per method, never from the console test', () => {
    const permissions = Object.values(
      rest.synthesized.template.findResources('AWS::Lambda::Permission', {
        Properties: { Principal: 'apigateway.amazonaws.com' },
      }),
    ) as CfnResource[]
    expect(permissions).toHaveLength(endpoints.length)
    for (const permission of permissions) {
      expect(JSON.stringify(permission.Properties.SourceArn)).not.toContain('test-invoke-stage')
    }
  })

  it('gives the /users URL of the prod stage, with no double slash', () => {
    expect(renderUrl(rest.synthesized.stack.resolve(rest.api.usersUrl))).toBe(
      'https://<token>.execute-api.<token>.<token>/<token>/users',
    )
  })

  it('sends the warm-up concurrency it was given', () => {
    const rule = resources(rest)[rest.ids.rule] as CfnResource
    const targets = rule.Properties.Targets as { Input: string }[]
    expect(targets.map((target) => JSON.parse(target.Input))).toEqual([{ warmer: true, concurrency: 7 }])
  })

  it('alarms on the REST API’s 5XXError', () => {
    rest.synthesized.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/ApiGateway',
      MetricName: '5XXError',
      Dimensions: [{ Name: 'ApiName', Value: Match.anyValue() }],
      Threshold: 1,
    })
  })
})
