/**
 * A leading UTF-8 byte order mark reaches the handler as API Gateway passes it on: kept in the text body. The decoder
 * used to drop it, so a request the function refuses on AWS (the JSON parser does not skip a BOM) was accepted here.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2 } from 'aws-lambda'
import { type HttpGateway, httpGateway, type LocalCloud, startLocalCloud } from 'serverless-done-right/local'
import { serveUserApi } from '../recipes/rest-user-api/helpers.js'

const bom = Buffer.from([0xef, 0xbb, 0xbf])
const json = Buffer.from('{"email":"ada@example.com","name":"Ada"}')

describe.each(['1.0', '2.0'] as const)('httpGateway over payload %s', (payloadFormat) => {
  let gateway: HttpGateway | undefined
  afterEach(async () => {
    await gateway?.close()
  })

  it('keeps a leading BOM in a text body, byte for byte', async () => {
    const bodies: Array<string | null | undefined> = []
    gateway = await httpGateway({
      payloadFormat,
      routes: async (event: APIGatewayProxyEvent | APIGatewayProxyEventV2) => {
        bodies.push(event.body)
        expect(event.isBase64Encoded).toBe(false)
        return { statusCode: 200, body: '' }
      },
    })
    const body = Buffer.concat([bom, json])
    const response = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
    expect(response.status).toBe(200)
    expect(bodies).toHaveLength(1)
    expect(bodies[0]?.charCodeAt(0)).toBe(0xfeff)
    expect(Buffer.from(bodies[0] ?? '')).toEqual(body)
  })
})

describe('the user API behind httpGateway', () => {
  let cloud: LocalCloud
  beforeAll(async () => {
    cloud = await startLocalCloud()
  })
  afterAll(async () => {
    await cloud?.stop()
  })

  it.each(['1.0', '2.0'] as const)(
    'refuses a JSON body with a BOM over payload %s, as it does on AWS',
    async (format) => {
      const served = await serveUserApi(cloud, `bom-${format.replace('.', '')}`, format)
      try {
        const body = Buffer.concat([bom, json])
        const answer = await served.call('POST', '/users', { body, headers: { 'content-type': 'application/json' } })
        expect(answer.status).toBe(422)
        const without = await served.call('POST', '/users', {
          body: json,
          headers: { 'content-type': 'application/json' },
        })
        expect(without.status).toBe(201)
      } finally {
        await served.gateway.close()
      }
    },
  )
})
