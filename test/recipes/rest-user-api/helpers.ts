import { Logger } from '@aws-lambda-powertools/logger'
import { ScanCommand } from '@aws-sdk/lib-dynamodb'
import type { Context } from 'aws-lambda'
import { type GatewayJwtAuthorizer, type HttpGateway, httpGateway, type LocalCloud } from 'serverless-done-right/local'
import { createUserApi } from '../../../recipes/rest-user-api/app.js'
import type { ApiEvent } from '../../../recipes/rest-user-api/request.js'
import { userApiSettings } from '../../../recipes/rest-user-api/settings.js'

/** A logger that writes nothing: the tests assert on answers, not on log lines. */
export const silentLogger = () => new Logger({ serviceName: 'rest-user-api-test', logLevel: 'SILENT' })

/**
 * The memory the functions report. The memory watchdog measures this whole test process (jest, dynalite, the
 * gateway), far above a real function's footprint, so the emulated function gets room for all of it.
 */
export const testMemoryMb = 8192

/** Creates a users table as the deployment does: string partition key `id`. */
export async function createUsersTable(cloud: LocalCloud, tableName: string): Promise<void> {
  await cloud.createTable({
    TableName: tableName,
    KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
    BillingMode: 'PAY_PER_REQUEST',
  })
}

/** Every item of a table, read straight from DynamoDB (not through the API). */
export async function tableItems(cloud: LocalCloud, tableName: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = []
  let startKey: Record<string, unknown> | undefined
  do {
    const page = await cloud.documentClient.send(
      new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey: startKey }),
    )
    items.push(...(page.Items ?? []))
    startKey = page.LastEvaluatedKey
  } while (startKey !== undefined)
  return items
}

/** An answer read with `fetch`. */
export interface Answer {
  status: number
  headers: Headers
  text: string
  /** The body parsed as JSON; `undefined` when empty. */
  json: unknown
}

/** A small `fetch` wrapper for one gateway. */
export function client(baseUrl: string) {
  return async (
    method: string,
    path: string,
    options: { json?: unknown; body?: string | Uint8Array; headers?: Record<string, string> } = {},
  ): Promise<Answer> => {
    const headers: Record<string, string> = { ...options.headers }
    let body = options.body
    if (options.json !== undefined) {
      body = JSON.stringify(options.json)
      headers['content-type'] ??= 'application/json'
    }
    const response = await fetch(`${baseUrl}${path}`, { method, headers, ...(body === undefined ? {} : { body }) })
    const text = await response.text()
    return {
      status: response.status,
      headers: response.headers,
      text,
      json: text === '' ? undefined : JSON.parse(text),
    }
  }
}

/** The user API behind the gateway in a test: its gateway, a client for it, and the 5xx statuses it answered. */
export interface ServedUserApi {
  readonly gateway: HttpGateway
  readonly call: ReturnType<typeof client>
  readonly serverErrors: number[]
}

/**
 * Serves the user API on a new table `tableName` through `httpGateway` in `payloadFormat`, with the recipe's timeout;
 * `observe` sees each event the gateway built before the handler does; `authorizer` guards every route with a JWT
 * authorizer, as the deployment does.
 */
export async function serveUserApi(
  cloud: LocalCloud,
  tableName: string,
  payloadFormat: '1.0' | '2.0',
  observe?: (event: ApiEvent) => void,
  authorizer?: GatewayJwtAuthorizer,
): Promise<ServedUserApi> {
  await createUsersTable(cloud, tableName)
  const handler = createUserApi({ documentClient: cloud.documentClient, tableName, logger: silentLogger() })
  const serverErrors: number[] = []
  const gateway = await httpGateway({
    routes:
      observe === undefined
        ? handler
        : (event: ApiEvent, context: Context) => {
            observe(event)
            return handler(event, context)
          },
    payloadFormat,
    ...(authorizer === undefined ? {} : { authorizer }),
    invokeOptions: { memoryMb: testMemoryMb, timeoutMs: userApiSettings.function.timeoutSeconds * 1000 },
    onInvoke: ({ statusCode }) => {
      if (statusCode >= 500) serverErrors.push(statusCode)
    },
  })
  return { gateway, call: client(gateway.url), serverErrors }
}
