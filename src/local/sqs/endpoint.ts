/**
 * The SQS endpoint of a local cloud: the emulator, a fault proxy in front of it when asked, and a ready client; and
 * the whole-request errors DynamoDB and SQS send. Internal to `serverless-done-right/local`.
 *
 * @module
 */
import type { SQSClient } from '@aws-sdk/client-sqs'
import type { FaultController } from '../faults.js'
import { jsonError, type ServiceErrors, type ServiceFaults, startServiceProxy } from '../service-proxy.js'
import { loadSqsClient, startSqsServer } from './server.js'

/** DynamoDB's throttling and internal errors (AWS JSON 1.0). */
export const dynamodbErrors: ServiceErrors = {
  throttled: (operation) =>
    ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query', 'Scan', 'BatchGetItem', 'BatchWriteItem'].includes(
      operation,
    )
      ? jsonError(
          400,
          'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
          'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.',
        )
      : jsonError(
          400,
          'com.amazonaws.dynamodb.v20120810#ThrottlingException',
          'Rate of requests exceeds the allowed throughput.',
        ),
  internal: () => jsonError(500, 'com.amazonaws.dynamodb.v20120810#InternalServerError', 'Internal server error'),
}

/** SQS's common throttling and internal errors (AWS JSON 1.0). */
export const sqsErrors: ServiceErrors = {
  throttled: () => jsonError(400, 'ThrottlingException', 'Rate exceeded'),
  internal: () => jsonError(500, 'InternalFailure', 'Internal service failure.'),
}

/** A running SQS endpoint. */
export interface LocalSqs {
  /** What clients point at: the proxy's URL with faults, else the emulator's. */
  readonly url: string
  readonly client: SQSClient
  readonly faults: FaultController | undefined
  createQueue(name: string, attributes?: Record<string, string>): Promise<string>
  stop(): Promise<void>
}

/** Starts the emulator (and a fault proxy in front when `faults` is given) and a client on it. */
export async function startLocalSqs(
  http: typeof import('@smithy/node-http-handler'),
  region: string,
  port: number,
  faults: ServiceFaults | undefined,
): Promise<LocalSqs> {
  const sdk = await loadSqsClient()
  const server = await startSqsServer(region, port)
  const proxy =
    faults === undefined
      ? undefined
      : await startServiceProxy({ upstream: server.url, faults, errors: sqsErrors }).catch(async (error: unknown) => {
          await server.stop()
          throw error
        })
  const url = proxy?.server.url ?? server.url
  const config = (endpoint: string) => ({
    endpoint,
    region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    requestHandler: new http.NodeHttpHandler(),
  })
  const client = new sdk.SQSClient(config(url))
  // Setup calls bypass injected faults.
  const setup = proxy === undefined ? client : new sdk.SQSClient(config(proxy.setupUrl))
  return {
    url,
    client,
    faults: proxy?.controller,
    async createQueue(name, attributes) {
      await setup.send(new sdk.CreateQueueCommand({ QueueName: name, Attributes: attributes }))
      // The URL a client of `url` uses (fauxqs names the host it was called on).
      const { QueueUrl } = await client.send(new sdk.GetQueueUrlCommand({ QueueName: name }))
      return QueueUrl ?? `${url}/000000000000/${name}`
    },
    async stop() {
      for (const each of new Set([client, setup])) each.destroy()
      await proxy?.stop()
      await server.stop()
    },
  }
}
