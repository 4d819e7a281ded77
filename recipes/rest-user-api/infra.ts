import { fileURLToPath } from 'node:url'
import { Duration, RemovalPolicy } from 'aws-cdk-lib'
import { LambdaIntegration, RestApi, LogGroupLogDestination as RestLogDestination } from 'aws-cdk-lib/aws-apigateway'
import { HttpApi, HttpMethod, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2'
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations'
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch'
import { AttributeType, BillingMode, StreamViewType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb'
import { Rule, RuleTargetInput, Schedule } from 'aws-cdk-lib/aws-events'
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets'
import { Policy, PolicyStatement } from 'aws-cdk-lib/aws-iam'
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs'
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs'
import { Construct } from 'constructs'
import { alarmPeriod, functionAlarms, thresholdAlarm } from '../deploy/alarms.js'
import { suppressNag } from '../deploy/nag.js'
import { type RecipeLogLevel, recipeFunction } from '../deploy/recipe-function.js'
import {
  accessLogFormat,
  checkAuth,
  httpRouteAuthorizer,
  iamMethodSuppressions,
  restMethodOptions,
  restNagSuppressions,
  stageThrottle,
  type UserApiAuth,
} from './infra-security.js'
import { userApiSettings } from './settings.js'

export { UserAudit, type UserAuditProps } from './infra-audit.js'
export { publicApiAuthType, type UserApiAuth } from './infra-security.js'

/** Every endpoint of the user API, deployed as one route each (no catch-all proxy). */
export const userApiRoutes = [
  { method: 'POST', path: '/users' },
  { method: 'GET', path: '/users' },
  { method: 'GET', path: '/users/{id}' },
  { method: 'PUT', path: '/users/{id}' },
  { method: 'DELETE', path: '/users/{id}' },
] as const

/** Options of {@link UserApi}; every runtime parameter comes from `settings.ts`. */
export interface UserApiProps {
  /**
   * Who may call the API (required: see {@link UserApiAuth}). The recipe's own issuer and audience placeholders are
   * `userApiSettings.auth`: `{ type: 'jwt', ...userApiSettings.auth }`.
   */
  readonly auth: UserApiAuth
  /**
   * Stage throttling: steady requests per second and the burst above it, for the whole API; excess requests get 429.
   * @defaultValue `userApiSettings.throttle` (50 per second, bursts of 100)
   */
  readonly throttle?: { readonly rateLimit?: number | undefined; readonly burstLimit?: number | undefined } | undefined
  /**
   * Concurrent executions reserved for the function (and its ceiling), or `'unreserved'` to share the account's pool
   * (an account whose concurrency limit is still the new-account 10 cannot reserve any).
   * @defaultValue `userApiSettings.function.reservedConcurrency` (20)
   */
  readonly reservedConcurrency?: number | 'unreserved' | undefined
  /** How long the API's access log (one JSON line per request) is kept. @defaultValue one year */
  readonly accessLogRetention?: RetentionDays | undefined
  /**
   * REST API only: create the account-wide role API Gateway writes CloudWatch logs with (`AWS::ApiGateway::Account`).
   * A REST API's access log needs it once per account and region; it is an account setting, so it is off unless asked.
   * @defaultValue `false`: set it once (`aws apigateway update-account`), or pass `true` here
   */
  readonly restApiAccountLogRole?: boolean | undefined
  /**
   * `'http'`: an API Gateway HTTP API, payload format 2.0 (cheaper, lower latency). `'rest'`: a REST API, payload 1.0,
   * for what only REST APIs have (usage plans, API keys, WAF, X-Ray traces through the gateway).
   * @defaultValue `'http'`, as `userApiSettings.payloadFormat` says
   */
  readonly apiKind?: 'http' | 'rest' | undefined
  /**
   * Instances each warm-up ping keeps warm (the lambda-warmer `concurrency`).
   * @defaultValue `userApiSettings.warmup.concurrency`
   */
  readonly warmupConcurrency?: number | undefined
  /** `LOG_LEVEL` of the function. @defaultValue `'INFO'` */
  readonly logLevel?: RecipeLogLevel | undefined
  /** What `cdk destroy` does to the users table. @defaultValue `RemovalPolicy.RETAIN` (it holds user data) */
  readonly tableRemovalPolicy?: RemovalPolicy | undefined
}

/**
 * The REST user API on AWS: the users table (string `id`), the function, an HTTP API (or a REST API) with one route
 * per endpoint, a warm-up rule that pings the function every few minutes with the lambda-warmer payload, and alarms.
 * Secure by default: every route behind the authorizer `auth` names (required), stage throttling, an access log kept
 * when the stack goes, and reserved concurrency for the function.
 *
 * @example
 * ```ts
 * const api = new UserApi(stack, 'UserApi', {
 *   auth: { type: 'jwt', issuer: 'https://login.example.com/', audience: ['user-api'] },
 *   throttle: { rateLimit: 20, burstLimit: 40 },
 * })
 * new CfnOutput(stack, 'UsersUrl', { value: api.usersUrl })
 * ```
 */
export class UserApi extends Construct {
  readonly table: Table
  readonly function: NodejsFunction
  /** The URL of the `/users` collection (`POST` to create, `GET` to list; `/{id}` appended for one user). */
  readonly usersUrl: string
  /** The schedule that keeps instances warm. */
  readonly warmupRule: Rule
  /** Errors and throttles of the function, 5xx answers of the API. */
  readonly alarms: readonly Alarm[]
  /** The API's access log: one JSON line per request (caller, route, status, latency), kept when the stack goes. */
  readonly accessLogs: LogGroup

  constructor(scope: Construct, id: string, props: UserApiProps) {
    super(scope, id)
    const settings = userApiSettings
    const apiKind = props?.apiKind ?? (settings.payloadFormat === '2.0' ? 'http' : 'rest')
    checkAuth(props?.auth, apiKind)
    const reserved = props.reservedConcurrency ?? settings.function.reservedConcurrency
    if (reserved !== 'unreserved' && !(Number.isInteger(reserved) && reserved > 0)) {
      throw new Error("UserApi: reservedConcurrency must be a positive integer or 'unreserved'")
    }
    this.table = new Table(this, 'UsersTable', {
      partitionKey: { name: 'id', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: props.tableRemovalPolicy ?? RemovalPolicy.RETAIN,
      stream: StreamViewType.NEW_AND_OLD_IMAGES, // read by `UserAudit` (infra-audit.ts)
    })

    this.function = recipeFunction(this, 'Handler', {
      entry: fileURLToPath(new URL('./handler.ts', import.meta.url)),
      serviceName: 'rest-user-api',
      description: 'serverless-done-right: the REST user API (every route)',
      settings: settings.function,
      logLevel: props.logLevel,
      environment: { TABLE_NAME: this.table.tableName },
      reservedConcurrency: reserved === 'unreserved' ? undefined : reserved,
    })
    // What the store sends (Get, conditional Put/Update/Delete, Scan for paging); no Query: the table has no sort key
    // or index to query.
    this.table.grant(
      this.function,
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'dynamodb:Scan',
    )
    this.grantInvokeSelf()

    const concurrency = props.warmupConcurrency ?? settings.warmup.concurrency
    this.warmupRule = new Rule(this, 'WarmupRule', {
      description: `Keeps ${concurrency} instance(s) of the user API warm (lambda-warmer payload)`,
      schedule: Schedule.rate(Duration.minutes(settings.warmup.rateMinutes)),
      targets: [
        new LambdaFunction(this.function, {
          event: RuleTargetInput.fromObject({ warmer: true, concurrency }),
          // A missed ping is replaced by the next one; retrying a stale one only adds invocations.
          retryAttempts: 0,
        }),
      ],
    })

    this.accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.accessLogRetention ?? RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    })
    const { usersUrl, serverErrors } = apiKind === 'http' ? this.httpApi(props) : this.restApi(props)
    this.usersUrl = usersUrl
    this.alarms = [
      ...functionAlarms(this, this.function),
      thresholdAlarm(this, 'ServerErrorsAlarm', serverErrors, 1, 'The API answered 5xx.'),
    ]
  }

  /**
   * The lambda-warmer fan-out: the pinged instance invokes its own function N-1 times, by its unqualified name
   * (`AWS_LAMBDA_FUNCTION_NAME`), which the unqualified ARN covers; a `name:$LATEST` invoke would need `<arn>:*` too,
   * and is not granted. The statement goes into a
   * policy of its own, not the role's default policy, which the function depends on: that policy naming the function's
   * ARN would be a dependency cycle.
   */
  private grantInvokeSelf(): void {
    const role = this.function.role
    if (!role) throw new Error('UserApi: the function has no execution role')
    new Policy(this, 'InvokeSelfPolicy', {
      roles: [role],
      statements: [new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.function.functionArn] })],
    })
  }

  private httpApi(props: UserApiProps) {
    const api = new HttpApi(this, 'HttpApi', {
      description: 'serverless-done-right user API (payload 2.0)',
      createDefaultStage: false,
    })
    new HttpStage(this, 'HttpStage', {
      httpApi: api,
      stageName: '$default',
      autoDeploy: true,
      throttle: stageThrottle(props.throttle),
      accessLogSettings: { destination: new LogGroupLogDestination(this.accessLogs), format: accessLogFormat() },
    })
    const integration = new HttpLambdaIntegration('Users', this.function)
    const authorizer = httpRouteAuthorizer(props.auth)
    for (const route of userApiRoutes) {
      api.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration,
        ...(authorizer === undefined ? {} : { authorizer }),
      })
    }
    return {
      usersUrl: `${api.apiEndpoint}/users`,
      serverErrors: api.metricServerError({ period: alarmPeriod, statistic: 'Sum' }),
    }
  }

  private restApi(props: UserApiProps) {
    const { rateLimit, burstLimit } = stageThrottle(props.throttle)
    const api = new RestApi(this, 'RestApi', {
      description: 'serverless-done-right user API (payload 1.0)',
      // The account-wide API Gateway logging role is an account setting: only created when asked for.
      cloudWatchRole: props.restApiAccountLogRole === true,
      deployOptions: {
        stageName: 'prod',
        tracingEnabled: true,
        throttlingRateLimit: rateLimit,
        throttlingBurstLimit: burstLimit,
        accessLogDestination: new RestLogDestination(this.accessLogs),
        accessLogFormat: accessLogFormat(),
      },
    })
    // Proxy integrations hand the function the payload 1.0 event; no test-invoke permission from the console.
    const integration = new LambdaIntegration(this.function, { allowTestInvoke: false })
    const methodOptions = restMethodOptions(this, props.auth)
    for (const route of userApiRoutes) {
      const method = api.root.resourceForPath(route.path).addMethod(route.method, integration, methodOptions)
      if (props.auth.type === 'iam') suppressNag(method, iamMethodSuppressions)
    }
    suppressNag(api, restNagSuppressions, true)
    return {
      // Not `${api.url}users`-style joins: `url` ends with a slash, and a double slash is a 403 at a REST API.
      usersUrl: api.urlForPath('/users'),
      serverErrors: api.metricServerError({ period: alarmPeriod, statistic: 'Sum' }),
    }
  }
}
