/**
 * The guards the user API is built with, against real components: the timeout guard's answer when DynamoDB does not
 * answer (a real socket that never replies, behind the real SDK), and warm-up pings.
 */
import { createServer, type Server, type Socket } from 'node:net'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { httpGateway, invoke } from 'serverless-done-right/local'
import { createUserApi } from '../../../recipes/rest-user-api/app.js'
import { fixture } from '../../helpers/fixtures.js'
import { client, silentLogger, testMemoryMb } from './helpers.js'

/** A TCP server that accepts connections and never answers: a DynamoDB endpoint that hangs. */
let blackHole: Server
const sockets = new Set<Socket>()
let documentClient: DynamoDBDocumentClient

beforeAll(async () => {
  blackHole = createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve))
  const address = blackHole.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  documentClient = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: `http://127.0.0.1:${address.port}`,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    }),
  )
})

afterAll(async () => {
  documentClient?.destroy()
  for (const socket of sockets) socket.destroy()
  await new Promise((resolve) => blackHole?.close(resolve))
})

describe('the timeout guard of the user API', () => {
  it.each(['1.0', '2.0'] as const)(
    'answers 504 problem+json before the function times out when DynamoDB hangs (payload %s)',
    async (payloadFormat) => {
      const handler = createUserApi({ documentClient, tableName: 'users', logger: silentLogger() })
      const invocations: { status: string | undefined; statusCode: number }[] = []
      const gateway = await httpGateway({
        routes: handler,
        payloadFormat,
        invokeOptions: { timeoutMs: 1500, memoryMb: testMemoryMb },
        onInvoke: ({ invocation, statusCode }) => invocations.push({ status: invocation?.status, statusCode }),
      })
      try {
        const answer = await client(gateway.url)('GET', '/users/00000000-0000-4000-8000-000000000000')
        expect(answer.status).toBe(504)
        expect(answer.headers.get('content-type')).toBe('application/problem+json')
        expect(answer.json).toMatchObject({ status: 504, title: 'Gateway Timeout' })
        // The function answered: it was not killed by its timeout (which API Gateway would turn into a bare 502).
        expect(invocations).toEqual([{ status: 'ok', statusCode: 504 }])
      } finally {
        await gateway.close()
      }
    },
  )
})

describe('warm-up pings', () => {
  it('answers a lambda-warmer ping without reaching a route or DynamoDB', async () => {
    const handler = createUserApi({ documentClient, tableName: 'users', logger: silentLogger() })
    // DynamoDB here never answers: a ping that reached it would time out instead of answering.
    const outcome = await invoke(handler, fixture('warmer-lambda-warmer') as never, {
      timeoutMs: 3000,
      memoryMb: testMemoryMb,
    })
    expect(outcome.status).toBe('ok')
    expect(outcome.result).toMatchObject({ warmup: true })
  })

  it('fans a lambda-warmer ping out to copies 2…N through warmupInvoke', async () => {
    // The function re-invoking itself is Lambda's Invoke API, which cannot run here: the copies are recorded instead.
    const copies: unknown[] = []
    const handler = createUserApi({
      documentClient,
      tableName: 'users',
      logger: silentLogger(),
      warmupInvoke: async (payload, index) => {
        copies.push({ ...payload, index })
      },
    })
    const outcome = await invoke(handler, fixture('warmer-lambda-warmer') as never, {
      timeoutMs: 3000,
      memoryMb: testMemoryMb,
    })
    expect(outcome.status).toBe('ok')
    expect(copies).toEqual([
      expect.objectContaining({ warmer: true, __WARMER_INVOCATION__: 2, __WARMER_CONCURRENCY__: 3, index: 2 }),
      expect.objectContaining({ warmer: true, __WARMER_INVOCATION__: 3, __WARMER_CONCURRENCY__: 3, index: 3 }),
    ])
  })
})
