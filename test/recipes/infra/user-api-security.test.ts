/**
 * The user API is secure by default: an authorizer on every route (required, and only turned off by its long name),
 * stage throttling, a retained access log and reserved concurrency, in both API kinds. Templates only (no bundling).
 */
import { App, Stack } from 'aws-cdk-lib'
import type { Template } from 'aws-cdk-lib/assertions'
import { UserPool } from 'aws-cdk-lib/aws-cognito'
import { UserApi, type UserApiProps } from '../../../recipes/rest-user-api/infra.js'
import { userApiSettings as settings } from '../../../recipes/rest-user-api/settings.js'
import { arnOf, type CfnResource, logicalIdOf, synthesize } from './synth.js'

const disposals: Array<() => void> = []
afterAll(() => {
  for (const dispose of disposals) dispose()
})

/** A stack with the user API built from `props` (which may add what it needs to the stack), as a template. */
function template(props: (stack: Stack) => UserApiProps): Template {
  const synthesized = synthesize(
    (stack) => {
      new UserApi(stack, 'UserApi', props(stack))
    },
    { bundle: false },
  )
  disposals.push(synthesized.dispose)
  return synthesized.template
}

const jwt = { type: 'jwt', ...settings.auth } as const
const resourcesOf = (built: Template, type: string) => Object.values(built.findResources(type)) as CfnResource[]

describe('UserApi on an HTTP API', () => {
  const built = template(() => ({ auth: jwt }))

  it('puts a JWT authorizer for the settings issuer and audience on every route', () => {
    const authorizer = logicalIdOf(built, 'AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: { Issuer: settings.auth.issuer, Audience: [...settings.auth.audience] },
    })
    const routes = resourcesOf(built, 'AWS::ApiGatewayV2::Route')
    expect(routes).toHaveLength(5)
    for (const route of routes) {
      expect(route.Properties).toMatchObject({ AuthorizationType: 'JWT', AuthorizerId: { Ref: authorizer } })
    }
  })

  it('throttles the stage and writes its access log to a log group kept when the stack goes', () => {
    const logGroup = logicalIdOf(built, 'AWS::Logs::LogGroup', { RetentionInDays: 365 })
    expect(built.toJSON().Resources[logGroup].DeletionPolicy).toBe('Retain')
    const [stage] = resourcesOf(built, 'AWS::ApiGatewayV2::Stage')
    expect(stage?.Properties).toMatchObject({
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: {
        ThrottlingRateLimit: settings.throttle.rateLimit,
        ThrottlingBurstLimit: settings.throttle.burstLimit,
      },
      AccessLogSettings: { DestinationArn: arnOf(logGroup) },
    })
    expect(JSON.stringify(stage?.Properties.AccessLogSettings)).toContain('$context.requestId')
  })

  it('reserves the settings concurrency for the function', () => {
    const [fn] = resourcesOf(built, 'AWS::Lambda::Function')
    expect(fn?.Properties.ReservedConcurrentExecutions).toBe(settings.function.reservedConcurrency)
  })

  it('takes other limits from its props, and can leave the function unreserved', () => {
    const custom = template(() => ({
      auth: jwt,
      throttle: { rateLimit: 5 },
      reservedConcurrency: 'unreserved',
    }))
    const [stage] = resourcesOf(custom, 'AWS::ApiGatewayV2::Stage')
    expect(stage?.Properties.DefaultRouteSettings).toEqual({
      ThrottlingRateLimit: 5,
      ThrottlingBurstLimit: settings.throttle.burstLimit,
    })
    const [fn] = resourcesOf(custom, 'AWS::Lambda::Function')
    expect(fn?.Properties.ReservedConcurrentExecutions).toBeUndefined()
  })

  it('takes a Cognito user pool: a JWT authorizer on the pool for its app clients', () => {
    const cognito = template((stack) => {
      const userPool = new UserPool(stack, 'Pool')
      return { auth: { type: 'cognito', userPool, userPoolClients: [userPool.addClient('App')] } }
    })
    const [authorizer] = resourcesOf(cognito, 'AWS::ApiGatewayV2::Authorizer')
    expect(authorizer?.Properties.AuthorizerType).toBe('JWT')
    expect(JSON.stringify(authorizer?.Properties.JwtConfiguration)).toContain('cognito-idp')
    for (const route of resourcesOf(cognito, 'AWS::ApiGatewayV2::Route')) {
      expect(route.Properties.AuthorizationType).toBe('JWT')
    }
  })

  it('takes IAM auth: every route needs a SigV4 signature', () => {
    for (const route of resourcesOf(
      template(() => ({ auth: { type: 'iam' } })),
      'AWS::ApiGatewayV2::Route',
    )) {
      expect(route.Properties.AuthorizationType).toBe('AWS_IAM')
    }
  })

  it('is public only when asked by name: no authorizer at all', () => {
    const open = template(() => ({ auth: { type: 'none-i-understand-this-is-public' } }))
    expect(resourcesOf(open, 'AWS::ApiGatewayV2::Authorizer')).toEqual([])
    for (const route of resourcesOf(open, 'AWS::ApiGatewayV2::Route')) {
      expect(route.Properties.AuthorizationType ?? 'NONE').toBe('NONE')
    }
  })
})

describe('UserApi on a REST API', () => {
  const built = template(() => ({ apiKind: 'rest', auth: { type: 'iam' } }))

  it('needs IAM auth on every method, and throttles and logs the stage', () => {
    for (const method of resourcesOf(built, 'AWS::ApiGateway::Method')) {
      expect(method.Properties.AuthorizationType).toBe('AWS_IAM')
    }
    const logGroup = logicalIdOf(built, 'AWS::Logs::LogGroup', { RetentionInDays: 365 })
    const [stage] = resourcesOf(built, 'AWS::ApiGateway::Stage')
    expect(stage?.Properties).toMatchObject({
      StageName: 'prod',
      AccessLogSetting: { DestinationArn: arnOf(logGroup) },
      MethodSettings: [
        {
          HttpMethod: '*',
          ResourcePath: '/*',
          ThrottlingRateLimit: settings.throttle.rateLimit,
          ThrottlingBurstLimit: settings.throttle.burstLimit,
        },
      ],
    })
    built.resourceCountIs('AWS::ApiGateway::Account', 0)
  })

  it('takes a Cognito user pool authorizer', () => {
    const cognito = template((stack) => {
      const userPool = new UserPool(stack, 'Pool')
      return { apiKind: 'rest', auth: { type: 'cognito', userPool, userPoolClients: [userPool.addClient('App')] } }
    })
    const authorizer = logicalIdOf(cognito, 'AWS::ApiGateway::Authorizer', { Type: 'COGNITO_USER_POOLS' })
    for (const method of resourcesOf(cognito, 'AWS::ApiGateway::Method')) {
      expect(method.Properties).toMatchObject({
        AuthorizationType: 'COGNITO_USER_POOLS',
        AuthorizerId: { Ref: authorizer },
      })
    }
  })

  it('creates the account-wide logging role only when asked', () => {
    const withRole = template(() => ({ apiKind: 'rest', auth: { type: 'iam' }, restApiAccountLogRole: true }))
    withRole.resourceCountIs('AWS::ApiGateway::Account', 1)
  })
})

describe('UserApi refuses unsafe or unusable props', () => {
  const construct = (props: unknown) => () =>
    new UserApi(new Stack(new App(), 'Refused'), 'UserApi', props as UserApiProps)

  it.each([
    ['no props', undefined, /auth is required/],
    ['no auth', {}, /auth is required/],
    ['an unknown auth type', { auth: { type: 'public' } }, /auth type must be/],
    ['a JWT issuer that is not https', { auth: { ...jwt, issuer: 'http://issuer.example.com' } }, /issuer/],
    ['a JWT authorizer without an audience', { auth: { ...jwt, audience: [] } }, /audience/],
    ['a JWT authorizer on a REST API', { apiKind: 'rest', auth: jwt }, /REST API has no JWT authorizer/],
    [
      'Cognito without app clients',
      { auth: { type: 'cognito', userPool: {}, userPoolClients: [] } },
      /userPoolClients/,
    ],
    ['a throttle of 0', { auth: jwt, throttle: { rateLimit: 0 } }, /throttle\.rateLimit/],
    [
      'a reserved concurrency of 0 (the function would never run)',
      { auth: jwt, reservedConcurrency: 0 },
      /reservedConcurrency/,
    ],
  ])('%s', (_label, props, message) => {
    expect(construct(props)).toThrow(message)
  })
})
