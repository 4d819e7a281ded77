/**
 * The API Gateway emulator's JWT authorizer: the checks an HTTP API's JWT authorizer (or a REST API's Cognito user
 * pool authorizer) makes, on a token signed with a local key, so that tests exercise the deployed authorizer path.
 * Signatures are verified by `jose`, loaded only when an authorizer is configured. Internal to
 * `serverless-done-right/local`.
 *
 * @module
 */
import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto'
import { LocalOptionsError } from '../options-error.js'
import { type GatewayRequest, headerValue } from './request.js'

/**
 * A JWT authorizer for `httpGateway`: who issues the tokens, for whom, and the key that verifies them. Use the
 * deployed authorizer's issuer and audience, and a local key to sign test tokens with.
 *
 * @example
 * ```ts
 * import { randomBytes } from 'node:crypto'
 * import { SignJWT } from 'jose'
 * import { httpGateway } from 'serverless-done-right/local'
 *
 * const secret = randomBytes(32)
 * const authorizer = { key: secret, issuer: 'https://issuer.example.com', audience: 'user-api' }
 * const gateway = await httpGateway({ payloadFormat: '2.0', authorizer, routes: async () => ({ ok: true }) })
 * const token = await new SignJWT({ sub: 'u1' })
 *   .setProtectedHeader({ alg: 'HS256' })
 *   .setIssuer(authorizer.issuer)
 *   .setAudience(authorizer.audience)
 *   .setExpirationTime('5m')
 *   .sign(secret)
 * console.log((await fetch(gateway.url)).status) // 401
 * console.log((await fetch(gateway.url, { headers: { authorization: `Bearer ${token}` } })).status) // 200
 * await gateway.close()
 * ```
 */
export interface GatewayJwtAuthorizer {
  /**
   * The key that verifies the token's signature: a shared secret for HS256 (a `Uint8Array`, at least 32 bytes), or
   * a public key for RS256 or ES256 (a `KeyObject`, or a PEM `-----BEGIN PUBLIC KEY-----` string).
   */
  readonly key: Uint8Array | KeyObject | string
  /** The `iss` the token must carry: the deployed authorizer's issuer. */
  readonly issuer: string
  /** The token's `aud` (or `client_id`, as API Gateway also accepts) must name one of these. */
  readonly audience: string | readonly string[]
}

/** Claims as API Gateway hands them to the function: every value a string (`exp: "1700000000"`, arrays `"[a b]"`). */
export type AuthorizerClaims = Record<string, string>

/** Checks one request's token: its claims when the token is valid, `undefined` for an answer of 401. */
export type RequestAuthorizer = (request: GatewayRequest) => Promise<AuthorizerClaims | undefined>

const algorithmsByKeyType: Record<string, string[]> = { secret: ['HS256'], rsa: ['RS256'], ec: ['ES256'] }

function keyObjectOf(key: GatewayJwtAuthorizer['key']): KeyObject {
  const fail = (why: string): never => {
    throw new LocalOptionsError(`httpGateway: authorizer.key ${why}`)
  }
  if (typeof key === 'string') {
    if (!key.includes('-----BEGIN PUBLIC KEY-----')) fail('as a string must be a PEM public key')
    try {
      return createPublicKey(key)
    } catch {
      return fail('is not a readable PEM public key')
    }
  }
  if (key instanceof Uint8Array) {
    if (key.byteLength < 32) fail('as a shared secret must be at least 32 bytes (HS256)')
    return createSecretKey(key)
  }
  if (typeof key === 'object' && key !== null && 'type' in key && (key.type === 'secret' || key.type === 'public')) {
    return key
  }
  return fail('must be a Uint8Array secret, a public KeyObject or a PEM public key')
}

/** API Gateway's claim values: strings as they are, arrays as `[a b]`, anything else as JSON. */
function stringifyClaims(payload: Record<string, unknown>): AuthorizerClaims {
  // Through entries and `Object.fromEntries`, so that a claim named `__proto__` is a plain key.
  return Object.fromEntries(
    Object.entries(payload).map(([name, value]) => {
      if (typeof value === 'string') return [name, value]
      if (Array.isArray(value)) return [name, `[${value.map(String).join(' ')}]`]
      return [name, typeof value === 'object' ? JSON.stringify(value) : String(value)]
    }),
  )
}

/**
 * Builds the check of {@link GatewayJwtAuthorizer}: a token in `Authorization` (with or without `Bearer `), signed
 * with the key's algorithm, with the issuer, one of the audiences in `aud` or `client_id`, an `exp` in the future and
 * no `nbf` in the future. Anything else is `undefined` (401).
 *
 * @throws LocalOptionsError for a malformed option, or when `jose` is not installed
 */
export async function jwtAuthorizer(options: GatewayJwtAuthorizer): Promise<RequestAuthorizer> {
  if (typeof options.issuer !== 'string' || options.issuer === '') {
    throw new LocalOptionsError('httpGateway: authorizer.issuer must be a non-empty string')
  }
  const audience = [options.audience].flat()
  if (audience.length === 0 || !audience.every((entry) => typeof entry === 'string' && entry !== '')) {
    throw new LocalOptionsError('httpGateway: authorizer.audience must name at least one audience')
  }
  const key = keyObjectOf(options.key)
  const algorithms = algorithmsByKeyType[key.type === 'secret' ? 'secret' : (key.asymmetricKeyType ?? '')]
  if (algorithms === undefined) {
    throw new LocalOptionsError(`httpGateway: authorizer.key of type ${key.asymmetricKeyType} is not RSA or EC`)
  }
  const jose = await import('jose').catch(() => {
    throw new LocalOptionsError('httpGateway: the authorizer option needs the `jose` package: npm install -D jose@^6')
  })
  return async (request) => {
    const header = headerValue(request, 'authorization')?.trim()
    if (header === undefined || header === '') return undefined
    const token = header.replace(/^bearer\s+/i, '')
    try {
      const { payload } = await jose.jwtVerify(token, key, {
        issuer: options.issuer,
        algorithms,
        requiredClaims: ['exp'],
      })
      const audiences = [payload.aud ?? [], typeof payload.client_id === 'string' ? payload.client_id : []].flat()
      if (!audiences.some((entry) => audience.includes(entry))) return undefined
      return stringifyClaims(payload)
    } catch {
      return undefined
    }
  }
}
