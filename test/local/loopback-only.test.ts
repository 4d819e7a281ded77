/**
 * The local cloud answers programs on this machine, never a web page: kinesalite and dynalite allow any browser origin
 * (`Access-Control-Allow-Origin: *`) and any `Host`, so a page that found the port (or rebound its own name to
 * 127.0.0.1) could read the local tables. Raw HTTP here, as a browser would send it.
 */
import { request as httpRequest } from 'node:http'
import { ListTablesCommand } from '@aws-sdk/client-dynamodb'
import { ListStreamsCommand } from '@aws-sdk/client-kinesis'
import { type LocalCloud, startLocalCloud } from 'serverless-done-right/local'
import { foreignRequestReason } from '../../src/local/loopback-only.js'

interface RawAnswer {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

/** A request with exactly these headers (`fetch` would not let a test set `Host` or `Origin`). */
function send(url: string, method: string, headers: Record<string, string>, body = ''): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method, headers, setHost: headers.Host === undefined }, (response) => {
      const chunks: Buffer[] = []
      response.on('data', (chunk: Buffer) => chunks.push(chunk))
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: Buffer.concat(chunks).toString(),
        }),
      )
    })
    request.on('error', reject)
    request.end(body)
  })
}

/** kinesalite and dynalite check that a signature is there, not that it is right. */
const signed = {
  Authorization:
    'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/service/aws4_request, SignedHeaders=host, Signature=0',
  'X-Amz-Date': '20260101T000000Z',
}
const listTables = {
  ...signed,
  'Content-Type': 'application/x-amz-json-1.0',
  'X-Amz-Target': 'DynamoDB_20120810.ListTables',
}
const listStreams = {
  ...signed,
  'Content-Type': 'application/x-amz-json-1.1',
  'X-Amz-Target': 'Kinesis_20131202.ListStreams',
}

describe.each([
  ['without faults', {}],
  ['with the Kinesis fault proxy in front', { faults: {} }],
])('the local cloud %s', (_label, options) => {
  let cloud: LocalCloud
  beforeAll(async () => {
    cloud = await startLocalCloud(options)
  })
  afterAll(async () => {
    await cloud?.stop()
  })

  const services = () =>
    [
      ['dynamodb', cloud.endpoints.dynamodb, listTables],
      ['kinesis', cloud.endpoints.kinesis, listStreams],
    ] as const

  it('refuses a request from a web page (any Origin), the CORS preflight included, with 403 and no CORS grant', async () => {
    for (const [, url, headers] of services()) {
      for (const origin of ['https://evil.example', 'null', 'http://127.0.0.1:8080']) {
        const post = await send(url, 'POST', { ...headers, Origin: origin }, '{}')
        expect(post.status).toBe(403)
        expect(post.headers['access-control-allow-origin']).toBeUndefined()
        expect(JSON.parse(post.body)).toMatchObject({ __type: 'AccessDeniedException' })
        const preflight = await send(url, 'OPTIONS', {
          Origin: origin,
          'Access-Control-Request-Method': 'POST',
          'Access-Control-Request-Headers': 'x-amz-target,content-type',
        })
        expect(preflight.status).toBe(403)
        expect(preflight.headers['access-control-allow-origin']).toBeUndefined()
      }
    }
  })

  it('refuses a Host that is not loopback (DNS rebinding), and serves a loopback one', async () => {
    for (const [, url, headers] of services()) {
      const port = new URL(url).port
      expect((await send(url, 'POST', { ...headers, Host: `rebind.evil.example:${port}` }, '{}')).status).toBe(403)
      expect((await send(url, 'POST', { ...headers, Host: '10.0.0.5' }, '{}')).status).toBe(403)
      for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, 'LOCALHOST']) {
        expect((await send(url, 'POST', { ...headers, Host: host }, '{}')).status).toBe(200)
      }
    }
  })

  it('still serves the AWS SDK clients', async () => {
    await expect(cloud.dynamodb.send(new ListTablesCommand({}))).resolves.toHaveProperty('TableNames')
    await expect(cloud.kinesis.send(new ListStreamsCommand({}))).resolves.toHaveProperty('StreamNames')
  })
})

describe('foreignRequestReason', () => {
  it.each([
    [{ host: '127.0.0.1:4567' }, false],
    [{ host: '127.1.2.3' }, false],
    [{ host: 'localhost' }, false],
    [{ host: 'api.localhost:80' }, false],
    [{ host: '[::1]:1' }, false],
    [{}, false],
    [{ host: 'localhost.evil.example' }, true],
    [{ host: '127.0.0.1.nip.io' }, true],
    [{ host: '0.0.0.0:4567' }, true],
    [{ host: 'localhost', origin: 'http://localhost:3000' }, true],
  ])('%j refused: %s', (headers, refused) => {
    expect(foreignRequestReason(headers) !== undefined).toBe(refused)
  })
})
