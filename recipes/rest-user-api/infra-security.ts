/**
 * The deployed user API's protections: who may call it (the `auth` prop of `UserApi`, and how each choice becomes an
 * API Gateway authorizer on an HTTP API or a REST API), stage throttling, the access log's format, and the cdk-nag
 * rules a REST API does not follow, with the reasons.
 *
 * @module
 */
import { Token } from 'aws-cdk-lib'
import {
  AccessLogFormat,
  AuthorizationType,
  CognitoUserPoolsAuthorizer,
  type MethodOptions,
} from 'aws-cdk-lib/aws-apigateway'
import type { IHttpRouteAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2'
import { HttpIamAuthorizer, HttpJwtAuthorizer, HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers'
import type { IUserPool, IUserPoolClient } from 'aws-cdk-lib/aws-cognito'
import type { Construct } from 'constructs'
import type { NagSuppression } from '../deploy/nag.js'
import { userApiSettings } from './settings.js'

/** The only way to deploy the API without authentication: a name nobody types by accident. */
export const publicApiAuthType = 'none-i-understand-this-is-public'

/**
 * Who may call the API. There is no default: a public API over personal data has to be asked for by name.
 *
 * - `jwt`: tokens from your OpenID Connect / OAuth 2.0 provider (Auth0, Okta, Entra ID, Cognito…), checked by API
 *   Gateway before the function runs: signature (from the issuer's JWKS), `iss`, `aud` or `client_id`, `exp`. HTTP API
 *   only (a REST API has no JWT authorizer: use `cognito` or `iam` there).
 * - `cognito`: an Amazon Cognito user pool's tokens, for the given app clients (HTTP API: a JWT authorizer on the pool;
 *   REST API: a Cognito user pool authorizer, which takes the pool's ID tokens).
 * - `iam`: SigV4-signed requests from IAM principals you grant `execute-api:Invoke` (service-to-service callers).
 * - `none-i-understand-this-is-public`: no authorizer at all. Anyone on the internet may list, change and delete users.
 */
export type UserApiAuth =
  | { readonly type: 'jwt'; readonly issuer: string; readonly audience: readonly string[] }
  | {
      readonly type: 'cognito'
      readonly userPool: IUserPool
      /** The app clients whose tokens are accepted (HTTP API: their ids are the audience). */
      readonly userPoolClients: readonly IUserPoolClient[]
    }
  | { readonly type: 'iam' }
  | { readonly type: typeof publicApiAuthType }

/** Throws an error naming the `auth` prop when it is missing or malformed. */
export function checkAuth(auth: UserApiAuth | undefined, apiKind: 'http' | 'rest'): asserts auth is UserApiAuth {
  const fail = (message: string): never => {
    throw new Error(`UserApi: auth ${message}`)
  }
  if (auth === undefined || auth === null || typeof auth !== 'object') {
    return fail(
      `is required: { type: 'jwt', issuer, audience }, { type: 'cognito', userPool, userPoolClients }, { type: 'iam' }, or { type: '${publicApiAuthType}' } for a public API`,
    )
  }
  switch (auth.type) {
    case 'jwt': {
      if (apiKind === 'rest')
        fail("type 'jwt' needs an HTTP API (a REST API has no JWT authorizer): use 'cognito' or 'iam'")
      if (
        typeof auth.issuer !== 'string' ||
        (!Token.isUnresolved(auth.issuer) && !/^https:\/\/\S+$/.test(auth.issuer))
      ) {
        fail(`issuer must be an https:// URL, not ${JSON.stringify(auth.issuer)}`)
      }
      if (!Array.isArray(auth.audience) || auth.audience.length === 0 || !auth.audience.every((a) => a !== '')) {
        fail('audience must list at least one audience (the client ids or API identifiers your tokens carry)')
      }
      return
    }
    case 'cognito':
      if (auth.userPool === undefined) fail("type 'cognito' needs userPool")
      if (!Array.isArray(auth.userPoolClients) || auth.userPoolClients.length === 0) {
        fail("type 'cognito' needs at least one of userPoolClients")
      }
      return
    case 'iam':
    case publicApiAuthType:
      return
    default:
      fail(
        `type must be 'jwt', 'cognito', 'iam' or '${publicApiAuthType}', not ${JSON.stringify((auth as { type: unknown }).type)}`,
      )
  }
}

/** The authorizer every route of an HTTP API gets; `undefined` for a public API. */
export function httpRouteAuthorizer(auth: UserApiAuth): IHttpRouteAuthorizer | undefined {
  switch (auth.type) {
    case 'jwt':
      return new HttpJwtAuthorizer('JwtAuthorizer', auth.issuer, { jwtAudience: [...auth.audience] })
    case 'cognito':
      return new HttpUserPoolAuthorizer('UserPoolAuthorizer', auth.userPool, {
        userPoolClients: [...auth.userPoolClients],
      })
    case 'iam':
      return new HttpIamAuthorizer()
    default:
      return undefined
  }
}

/** The method options every method of a REST API gets; `{}` for a public API. */
export function restMethodOptions(scope: Construct, auth: UserApiAuth): MethodOptions {
  switch (auth.type) {
    case 'cognito':
      return {
        authorizationType: AuthorizationType.COGNITO,
        authorizer: new CognitoUserPoolsAuthorizer(scope, 'UserPoolAuthorizer', { cognitoUserPools: [auth.userPool] }),
      }
    case 'iam':
      return { authorizationType: AuthorizationType.IAM }
    default:
      return {}
  }
}

/** The cdk-nag AwsSolutions rules a REST API of this recipe does not follow, and why. */
export const restNagSuppressions: readonly NagSuppression[] = [
  {
    id: 'AwsSolutions-APIG2',
    reason:
      'The function validates every request part itself (strict zod schemas, bounded sizes) and answers problem+json; a gateway request model would duplicate it and answer in another format.',
  },
  {
    id: 'AwsSolutions-APIG3',
    reason:
      'A WAF web ACL is a paid, account-specific choice (managed rule groups, rate rules); the stage has an authorizer and throttling, and a web ACL can be associated with the stage ARN where required.',
  },
  {
    id: 'AwsSolutions-APIG6',
    reason:
      'Execution logging repeats what the access log (every request, JSON) and the function logs already record, and needs the account-wide API Gateway CloudWatch role; see restApiAccountLogRole.',
  },
]

/** REST API methods behind IAM auth: cdk-nag's COG4 wants a Cognito authorizer, and IAM was chosen instead. */
export const iamMethodSuppressions: readonly NagSuppression[] = [
  {
    id: 'AwsSolutions-COG4',
    reason:
      'IAM (SigV4) authorization was chosen explicitly (auth type iam): callers are IAM principals granted execute-api:Invoke, not Cognito users.',
  },
]

/** Stage throttling from the `throttle` prop, then `userApiSettings.throttle`; each limit a positive whole number. */
export function stageThrottle(
  throttle: { readonly rateLimit?: number | undefined; readonly burstLimit?: number | undefined } | undefined,
): { rateLimit: number; burstLimit: number } {
  const limits = {
    rateLimit: throttle?.rateLimit ?? userApiSettings.throttle.rateLimit,
    burstLimit: throttle?.burstLimit ?? userApiSettings.throttle.burstLimit,
  }
  for (const [name, value] of Object.entries(limits)) {
    if (!(Number.isInteger(value) && value > 0)) throw new Error(`UserApi: throttle.${name} must be a positive integer`)
  }
  return limits
}

/**
 * One JSON line per request: who (source IP; the token's subject, or the IAM caller), what (method, route, status),
 * how long, and why a request was refused (the authorizer's or the integration's error). Variables a request does
 * not have are logged as `-`.
 */
export function accessLogFormat(): AccessLogFormat {
  return AccessLogFormat.custom(
    JSON.stringify({
      requestId: '$context.requestId',
      time: '$context.requestTime',
      ip: '$context.identity.sourceIp',
      subject: '$context.authorizer.claims.sub',
      caller: '$context.identity.caller',
      method: '$context.httpMethod',
      path: '$context.path',
      status: '$context.status',
      responseLength: '$context.responseLength',
      latencyMs: '$context.responseLatency',
      authorizerError: '$context.authorizer.error',
      integrationError: '$context.integrationErrorMessage',
    }),
  )
}
