/**
 * The gateway's JWT authorizer, with real tokens signed by `jose` (HS256 with a local secret, RS256 with a local key
 * pair): 401 without or with a bad token, the handler never called; the claims in `requestContext.authorizer` as API
 * Gateway puts them (2.0: `jwt.claims`, 1.0: `claims`), every value a string.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2 } from 'aws-lambda'
import { type JWTPayload, SignJWT } from 'jose'
import { type HttpGateway, httpGateway, LocalOptionsError } from 'serverless-done-right/local'

const issuer = 'https://issuer.example.com/'
const audience = 'user-api'
const secret = randomBytes(32)
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
const otherRsa = generateKeyPairSync('rsa', { modulusLength: 2048 })

interface TokenOptions {
  claims?: JWTPayload
  alg?: string
  key?: Parameters<SignJWT['sign']>[0]
  issuer?: string
  audience?: string | string[] | undefined
  expiresIn?: string | number | undefined
}

function sign(options: TokenOptions = {}): Promise<string> {
  const jwt = new SignJWT({
    sub: 'user-1',
    scope: 'users/read',
    'cognito:groups': ['admins', 'ops'],
    ...options.claims,
  })
    .setProtectedHeader({ alg: options.alg ?? 'HS256' })
    .setIssuer(options.issuer ?? issuer)
    .setIssuedAt()
  if (!('audience' in options) || options.audience !== undefined) jwt.setAudience(options.audience ?? audience)
  if (!('expiresIn' in options) || options.expiresIn !== undefined) jwt.setExpirationTime(options.expiresIn ?? '5m')
  return jwt.sign(options.key ?? secret)
}

type AnyEvent = APIGatewayProxyEvent & APIGatewayProxyEventV2
const gateways: HttpGateway[] = []
afterEach(async () => {
  await Promise.all(gateways.splice(0).map((gateway) => gateway.close()))
})

async function guarded(payloadFormat: '1.0' | '2.0', key: Uint8Array | string = secret) {
  const seen: AnyEvent[] = []
  const gateway = await httpGateway({
    payloadFormat,
    authorizer: { key, issuer, audience: [audience, 'other-client'] },
    routes: {
      'GET /users': async (event: AnyEvent) => {
        seen.push(event)
        return { statusCode: 200, body: 'ok' }
      },
    },
  })
  gateways.push(gateway)
  const get = async (authorization?: string) => {
    const response = await fetch(`${gateway.url}/users`, {
      headers: authorization === undefined ? {} : { authorization },
    })
    return { status: response.status, body: await response.text() }
  }
  return { seen, get }
}

describe.each(['1.0', '2.0'] as const)('httpGateway with a JWT authorizer, payload %s', (payloadFormat) => {
  it('answers 401 {"message":"Unauthorized"} without a token, or with one it must not accept', async () => {
    const { seen, get } = await guarded(payloadFormat)
    const refused = [
      undefined,
      '',
      'Bearer',
      'Bearer not.a.jwt',
      `Bearer ${await sign({ key: randomBytes(32) })}`, // another secret
      `Bearer ${await sign({ issuer: 'https://evil.example/' })}`,
      `Bearer ${await sign({ audience: 'someone-else' })}`,
      `Bearer ${await sign({ audience: undefined })}`,
      `Bearer ${await sign({ expiresIn: '-1m' })}`,
      `Bearer ${await sign({ expiresIn: undefined })}`, // API Gateway requires exp
      `Bearer ${await sign({ claims: { nbf: Math.floor(Date.now() / 1000) + 600 } })}`,
      `Bearer ${await sign({ alg: 'RS256', key: rsa.privateKey })}`, // not the configured algorithm
    ]
    for (const authorization of refused) {
      expect(await get(authorization)).toEqual({ status: 401, body: '{"message":"Unauthorized"}' })
    }
    // an unsigned token (alg none), hand-made
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(
      JSON.stringify({ iss: issuer, aud: audience, exp: Math.floor(Date.now() / 1000) + 60 }),
    ).toString('base64url')}.`
    expect((await get(`Bearer ${none}`)).status).toBe(401)
    expect(seen).toEqual([])
  })

  it('passes a valid token, with or without "Bearer", and hands the claims over as strings', async () => {
    const { seen, get } = await guarded(payloadFormat)
    expect((await get(`Bearer ${await sign()}`)).status).toBe(200)
    expect((await get(await sign({ claims: { sub: 'user-2' } }))).status).toBe(200)
    // `client_id` instead of `aud`, as Cognito access tokens carry it
    expect(
      (await get(`Bearer ${await sign({ audience: undefined, claims: { client_id: 'other-client' } })}`)).status,
    ).toBe(200)
    expect(seen).toHaveLength(3)
    const authorizer = seen[0]?.requestContext.authorizer as Record<string, unknown>
    const claims = (
      payloadFormat === '2.0' ? (authorizer.jwt as { claims: unknown }).claims : authorizer.claims
    ) as Record<string, unknown>
    expect(claims).toMatchObject({
      sub: 'user-1',
      iss: issuer,
      aud: audience,
      scope: 'users/read',
      'cognito:groups': '[admins ops]',
    })
    expect(claims.exp).toMatch(/^\d+$/)
    if (payloadFormat === '2.0') expect(authorizer.jwt).toEqual({ claims, scopes: null })
  })
})

describe('httpGateway with an RS256 authorizer', () => {
  it('verifies with the public key: its own private key passes, another key pair does not', async () => {
    const pem = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString()
    const { get } = await guarded('2.0', pem)
    expect((await get(`Bearer ${await sign({ alg: 'RS256', key: rsa.privateKey })}`)).status).toBe(200)
    expect((await get(`Bearer ${await sign({ alg: 'RS256', key: otherRsa.privateKey })}`)).status).toBe(401)
    expect((await get(`Bearer ${await sign()}`)).status).toBe(401) // HS256 with a public key as secret
  })
})

describe('httpGateway authorizer options', () => {
  it.each([
    ['a short secret', { key: randomBytes(16), issuer, audience }],
    ['a string that is no PEM public key', { key: 'secret', issuer, audience }],
    ['a private key', { key: rsa.privateKey, issuer, audience }],
    ['no issuer', { key: secret, issuer: '', audience }],
    ['no audience', { key: secret, issuer, audience: [] }],
  ])('refuses %s with LocalOptionsError', async (_label, authorizer) => {
    await expect(httpGateway({ payloadFormat: '2.0', routes: async () => 1, authorizer })).rejects.toThrow(
      LocalOptionsError,
    )
  })
})
