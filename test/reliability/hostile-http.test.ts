/**
 * Suite 3 — hostile HTTP. The real user API (`createUserApi`) behind the API Gateway emulator, payload 1.0 and 2.0,
 * over real sockets, gets 10,000 fast-check cases (each drawing its payload format) and a corpus of hand-picked
 * hostile inputs (`helpers/hostile-corpus.ts`, each sent to both formats). For every answer:
 *
 * - no 5xx, except a deliberate 504 (a DynamoDB call held back past the function timeout, answered by the timeout
 *   guard) and the gateway's own refusal of an event over Lambda's 6 MB invoke limit (the function never runs);
 * - no stack trace, internal or SDK error message, or file path in the body;
 * - `Object.prototype` untouched;
 * - no DynamoDB write from invalid input: each answer is matched with the writes DynamoDB acknowledged at the wire
 *   while it was computed (a 4xx: none; a 201, a 200 to PUT, a 204: exactly one);
 * - and in the end the tables hold exactly the users the answers say exist (none lost, none added behind a 4xx).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb'
import { NodeHttpHandler } from '@smithy/node-http-handler'
import fc from 'fast-check'
import { type HttpGateway, httpGateway, type LocalCloud, startLocalCloud } from 'serverless-done-right/local'
import { createUserApi } from '../../recipes/rest-user-api/app.js'
import { createUsersTable, silentLogger } from '../recipes/rest-user-api/helpers.js'
import { printFigures } from './helpers/figures.js'
import { hostileCorpus, nested, percentEncode } from './helpers/hostile-corpus.js'
import { type Answer, type HostileRequest, httpClient, rawBytes, sendRaw } from './helpers/http-client.js'
import { startWireProxy, type WireProxy } from './helpers/wire-proxy.js'

const numRuns = Number(process.env.HOSTILE_HTTP_RUNS ?? 10_000)
const seed = 20_260_903
const formats = ['1.0', '2.0'] as const
type Format = (typeof formats)[number]
const writeOperations = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems'])

/** What must never appear in a body: stack frames, file paths, runtime and SDK error texts. */
const leaks: readonly RegExp[] = [
  /\n\s+at\s/,
  /\bat [\w$.<>[\]]+ \(/,
  /(?:\/[\w.@-]+){2,}\.(?:[cm]?[jt]s)\b/,
  /node_modules|file:\/\/|\/work\//,
  /\b(?:TypeError|ReferenceError|SyntaxError|RangeError|URIError)\b/,
  /Cannot read propert|is not a function|is not defined|Unexpected token|in JSON at position|Unexpected end of JSON/,
  /Exception\b|dynalite|ECONNREFUSED|ECONNRESET|\$metadata/,
]

/** One API behind one gateway, with its own table and a wire tap counting the writes DynamoDB acknowledged. */
interface Api {
  readonly format: Format
  readonly gateway: HttpGateway
  readonly tableName: string
  readonly client: ReturnType<typeof httpClient>
  readonly tap: WireProxy
  readonly dynamodb: DynamoDBClient
  /** Users the answers say exist. */
  readonly users: Set<string>
  /** Writes DynamoDB acknowledged so far, and whether the last request reached the function. */
  readonly seen: { acknowledgedWrites: number; lastInvoked: boolean }
}

let cloud: LocalCloud
const apis: Api[] = []
let slow: { gateways: HttpGateway[]; proxy: WireProxy; dynamodb: DynamoDBClient } | undefined

async function startApi(format: Format): Promise<Api> {
  const tableName = `hostile-users-${format.replace('.', '')}`
  await createUsersTable(cloud, tableName)
  const seen = { acknowledgedWrites: 0, lastInvoked: false }
  const tap = await startWireProxy(
    cloud.endpoints.dynamodb,
    () => ({ kind: 'forward' }),
    (request, status) => {
      if (status === 200 && writeOperations.has(request.operation)) seen.acknowledgedWrites++
    },
  )
  const dynamodb = documentClientFor(tap.url)
  const gateway = await httpGateway({
    routes: createUserApi({
      documentClient: DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } }),
      tableName,
      logger: silentLogger(),
    }),
    payloadFormat: format,
    invokeOptions: { timeoutMs: 10_000, memoryMb: 4096, functionName: `hostile-api-${format}` },
    onInvoke: (report) => {
      seen.lastInvoked = report.invocation !== undefined
    },
  })
  return { format, gateway, tableName, client: httpClient(gateway.url), tap, dynamodb, users: new Set(), seen }
}

function documentClientFor(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    requestHandler: new NodeHttpHandler(),
  })
}

beforeAll(async () => {
  cloud = await startLocalCloud()
  for (const format of formats) apis.push(await startApi(format))
})

afterAll(async () => {
  for (const api of apis) {
    api.client.close()
    await api.gateway.close()
    await api.tap.stop()
    api.dynamodb.destroy()
  }
  if (slow !== undefined) {
    for (const gateway of slow.gateways) await gateway.close()
    await slow.proxy.stop()
    slow.dynamodb.destroy()
  }
  await cloud?.stop()
})

const prototypeNames = Object.getOwnPropertyNames(Object.prototype).sort().join(',')
/** True while nothing has been added to (or removed from) `Object.prototype`. */
function prototypeIntact(): boolean {
  const probe = {} as Record<string, unknown>
  return (
    probe.polluted === undefined &&
    probe.isAdmin === undefined &&
    Object.getOwnPropertyNames(Object.prototype).sort().join(',') === prototypeNames
  )
}

/** The tally of the whole suite. */
const tally = {
  requests: 0,
  statuses: new Map<number, number>(),
  unexpected5xx: [] as string[],
  deliberate504: 0,
  gatewayRefused: 0,
  leaks: [] as string[],
  polluted: 0,
  invalidWrites: [] as string[],
}

/** Sends one request to one API and checks the answer; returns a description of what went wrong, if anything. */
async function exchange(api: Api, request: HostileRequest, transport: 'client' | 'raw', label: string) {
  const writesBefore = api.seen.acknowledgedWrites
  api.seen.lastInvoked = false
  let answer: Answer
  try {
    answer =
      transport === 'raw'
        ? await sendRaw(api.gateway.port, rawBytes(request, `127.0.0.1:${api.gateway.port}`))
        : await api.client.send(request)
  } catch (error) {
    // Node's client refuses to send a few things (it validates what it writes): nothing reached the gateway.
    if (error instanceof TypeError || (error as NodeJS.ErrnoException).code?.startsWith('ERR_')) return
    throw error
  }
  const writes = api.seen.acknowledgedWrites - writesBefore
  if (process.env.HOSTILE_HTTP_DEBUG && label !== 'fast-check')
    console.log(`${api.format} ${answer.status} ${label} ${answer.body.slice(0, 100)}`)
  tally.requests++
  tally.statuses.set(answer.status, (tally.statuses.get(answer.status) ?? 0) + 1)
  const where = `${api.format} ${label}: ${request.method} ${request.target.slice(0, 80)}`
  if (answer.status >= 500) {
    if (answer.status === 502 && !api.seen.lastInvoked) tally.gatewayRefused++
    else tally.unexpected5xx.push(`${where} → ${answer.status} ${answer.body.slice(0, 200)}`)
  }
  for (const pattern of leaks) {
    if (pattern.test(answer.body)) tally.leaks.push(`${where} → ${pattern}: ${answer.body.slice(0, 200)}`)
  }
  if (!prototypeIntact()) tally.polluted++
  const method = request.method.toUpperCase()
  const expected =
    (answer.status === 201 && method === 'POST') ||
    (answer.status === 200 && method === 'PUT') ||
    (answer.status === 204 && method === 'DELETE')
      ? 1
      : 0
  if (writes !== expected) tally.invalidWrites.push(`${where} → ${answer.status} with ${writes} writes`)
  if (answer.status === 201) api.users.add(String((JSON.parse(answer.body) as { id: string }).id))
  if (answer.status === 204) api.users.delete(request.target.split('/')[2]?.split('?')[0] ?? '')
}

/** Users created before the run, so that reads, replaces and deletes find someone. */
const seeded: Record<Format, string[]> = { '1.0': [], '2.0': [] }

async function seedUsers(api: Api): Promise<{ id: string; etag: string }> {
  let first: { id: string; etag: string } | undefined
  for (let i = 0; i < 10; i++) {
    const answer = await api.client.send({
      method: 'POST',
      target: '/users',
      headers: [['Content-Type', 'application/json']],
      body: JSON.stringify({ email: `seed${i}@example.com`, name: `Seed ${i}` }),
    })
    expect(`${answer.status} ${answer.body}`).toMatch(/^201 /)
    const id = (JSON.parse(answer.body) as { id: string }).id
    api.users.add(id)
    seeded[api.format].push(id)
    first ??= { id, etag: String(answer.headers.etag) }
  }
  return first as { id: string; etag: string }
}

// The fast-check requests: mostly hostile, with enough well-formed ones that users are created, replaced and deleted.
const hostileText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom("' OR '1'='1", '<script>alert(1)</script>', '__proto__', 'constructor', '../..', '\u0000', '💩'),
)
const seededIndex = fc.nat(9)
const userId = fc.oneof(
  { arbitrary: seededIndex.map((index) => ({ seeded: index })), weight: 3 },
  { arbitrary: fc.uuid().map((id) => id.toLowerCase()), weight: 2 },
  { arbitrary: hostileText.map(percentEncode), weight: 2 },
  { arbitrary: fc.uint8Array({ maxLength: 12 }).map((bytes) => percentEncode(Buffer.from(bytes))), weight: 1 },
)
type PathPart = string | { seeded: number }
const path = fc.oneof(
  { arbitrary: fc.constantFrom<PathPart[]>(['/users'], ['/users/']), weight: 3 },
  { arbitrary: userId.map((id): PathPart[] => ['/users/', id]), weight: 5 },
  {
    arbitrary: fc
      .array(fc.oneof(hostileText.map(percentEncode), fc.constantFrom('users', '__proto__', '%2e%2e')), {
        maxLength: 4,
      })
      .map((segments): PathPart[] => [`/${segments.join('/')}`]),
    weight: 1,
  },
)
const queryName = fc.oneof(
  fc.constantFrom('id', 'limit', 'cursor', '__proto__', 'constructor', 'prototype', 'a[b]', '__proto__[x]'),
  hostileText.map(percentEncode),
)
const queryValue = fc.oneof(
  fc.integer({ min: -5, max: 500 }).map(String),
  fc.uuid(),
  fc.base64String({ maxLength: 80 }),
  hostileText.map(percentEncode),
)
const query = fc.oneof(
  { arbitrary: fc.constant(''), weight: 3 },
  {
    arbitrary: fc
      .array(fc.tuple(queryName, queryValue), { maxLength: 4 })
      .map((pairs) => (pairs.length === 0 ? '' : `?${pairs.map(([name, value]) => `${name}=${value}`).join('&')}`)),
    weight: 2,
  },
  { arbitrary: fc.integer({ min: 1, max: 4000 }).map((size) => `?x=${'a'.repeat(size)}`), weight: 1 },
)
/** Header values Node's client will put on the wire: visible latin1 and spaces (bytes over 0x7f are not UTF-8). */
const headerValue = fc
  .array(
    fc.integer({ min: 0x20, max: 0xff }).filter((code) => code !== 0x7f),
    { maxLength: 60 },
  )
  .map((codes) => String.fromCharCode(...codes).trim())
const framing = new Set(['content-length', 'transfer-encoding', 'host', 'connection', 'expect', 'upgrade', 'te'])
const headerName = fc
  .stringMatching(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,20}$/)
  .filter((name) => !framing.has(name.toLowerCase()))
const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/xml',
  'application/octet-stream',
  'application/x-www-form-urlencoded',
  'APPLICATION/JSON',
  'application/json, text/html',
  '',
)
const ifMatch = fc.oneof(
  fc.constant('*'),
  fc.integer({ min: 0, max: 5 }).map((version) => `"${version}"`),
  fc.integer({ min: 1, max: 5 }).map((version) => `W/"${version}"`),
  headerValue,
)
const headers = fc
  .tuple(
    fc.array(contentType, { maxLength: 2 }),
    fc.array(ifMatch, { maxLength: 2 }),
    fc.array(fc.tuple(headerName, headerValue), { maxLength: 4 }),
  )
  .map(([types, matches, others]) => [
    ...types.map((type): [string, string] => ['Content-Type', type]),
    ...matches.map((match): [string, string] => ['If-Match', match]),
    ...others,
  ])
const email = fc.oneof(
  fc
    .tuple(fc.stringMatching(/^[a-z0-9]{1,12}$/), fc.constantFrom('example.com', 'test.org'))
    .map(([local, domain]) => `${local}@${domain}`),
  fc.emailAddress(),
  hostileText,
)
const body = fc.oneof(
  { arbitrary: fc.constant(undefined), weight: 2 },
  {
    arbitrary: fc
      .record({ email, name: fc.oneof(fc.string({ minLength: 1, maxLength: 30 }), hostileText) })
      .map((user) => JSON.stringify(user)),
    weight: 4,
  },
  {
    arbitrary: fc
      .tuple(email, fc.constantFrom('__proto__', 'constructor', 'prototype'), fc.jsonValue({ maxDepth: 2 }))
      .map(
        ([address, key, value]) => `{"email":${JSON.stringify(address)},"name":"x","${key}":${JSON.stringify(value)}}`,
      ),
    weight: 1,
  },
  { arbitrary: fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)), weight: 1 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 100 }), weight: 1 },
  { arbitrary: fc.uint8Array({ maxLength: 100 }).map((bytes) => Buffer.from(bytes)), weight: 1 },
  {
    arbitrary: fc
      .tuple(fc.integer({ min: 1, max: 6000 }), fc.constantFrom('array', 'object') as fc.Arbitrary<'array' | 'object'>)
      .map(([depth, kind]) => nested(depth, kind)),
    weight: 1,
  },
)
const method = fc.oneof(
  { arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'), weight: 6 },
  { arbitrary: fc.constantFrom('PATCH', 'HEAD', 'OPTIONS', 'TRACE'), weight: 1 },
)
const userBody = fc
  .record({ email, name: fc.oneof(fc.string({ minLength: 1, maxLength: 30 }), hostileText) })
  .map((user) => JSON.stringify(user))
const jsonType: fc.Arbitrary<Array<[string, string]>> = fc.oneof(
  { arbitrary: fc.constant<Array<[string, string]>>([['Content-Type', 'application/json']]), weight: 4 },
  { arbitrary: headers, weight: 1 },
)
const withIfMatch = (base: fc.Arbitrary<Array<[string, string]>>) =>
  fc
    .tuple(base, fc.option(ifMatch, { nil: undefined }))
    .map(([list, match]): Array<[string, string]> => (match === undefined ? list : [...list, ['If-Match', match]]))
/** Any request at all, and requests shaped like each route's, with the parts most likely to be wrong still hostile. */
const generated = fc.oneof(
  { arbitrary: fc.record({ method, path, query, headers, body }), weight: 3 },
  {
    arbitrary: fc.record({
      method: fc.constant('POST'),
      path: fc.constant<PathPart[]>(['/users']),
      query,
      headers: jsonType,
      body: fc.oneof({ arbitrary: userBody, weight: 3 }, { arbitrary: body, weight: 1 }),
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      method: fc.constant('PUT'),
      path: userId.map((id): PathPart[] => ['/users/', id]),
      query,
      headers: withIfMatch(jsonType),
      body: fc.oneof({ arbitrary: userBody, weight: 3 }, { arbitrary: body, weight: 1 }),
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      method: fc.constantFrom('GET', 'DELETE'),
      path: userId.map((id): PathPart[] => ['/users/', id]),
      query,
      headers: withIfMatch(fc.constant([])),
      body: fc.constant(undefined),
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      method: fc.constant('GET'),
      path: fc.constant<PathPart[]>(['/users']),
      query,
      headers: fc.constant([]),
      body: fc.constant(undefined),
    }),
    weight: 1,
  },
)
type Generated = typeof generated extends fc.Arbitrary<infer T> ? T : never

function concrete(api: Api, request: Generated): HostileRequest {
  const target = request.path
    .map((part) => (typeof part === 'string' ? part : (seeded[api.format][part.seeded] as string)))
    .join('')
  return { method: request.method, target: `${target}${request.query}`, headers: request.headers, body: request.body }
}

async function tableIds(api: Api): Promise<Set<string>> {
  const ids = new Set<string>()
  let startKey: Record<string, unknown> | undefined
  const client = DynamoDBDocumentClient.from(cloud.dynamodb)
  do {
    const page = await client.send(
      new ScanCommand({ TableName: api.tableName, ConsistentRead: true, ExclusiveStartKey: startKey }),
    )
    for (const item of page.Items ?? []) ids.add(String(item.id))
    startKey = page.LastEvaluatedKey
  } while (startKey !== undefined)
  return ids
}

describe('suite 3: hostile HTTP against the user API', () => {
  it('answers every hostile request without a 5xx, a leak, a polluted prototype or a write it did not answer', async () => {
    const known = await Promise.all(apis.map((api) => seedUsers(api)))

    // The corpus, to both formats, one request at a time.
    const corpusSize = hostileCorpus('id', 'etag', 'unknown').length
    for (const [index, api] of apis.entries()) {
      const { id, etag } = known[index] as { id: string; etag: string }
      for (const entry of hostileCorpus(id, etag, '0c9f1d1e-7e3b-4f7a-9a43-1f1f1f1f1f1f')) {
        await exchange(api, entry.request, entry.transport, entry.name)
      }
    }

    // The deliberate 504: a read DynamoDB holds back past the function timeout, in both formats.
    const hold = await startWireProxy(cloud.endpoints.dynamodb, (request) =>
      request.operation === 'GetItem' ? { kind: 'forward', delayMs: 2500 } : { kind: 'forward' },
    )
    const slowDynamodb = documentClientFor(hold.url)
    slow = { gateways: [], proxy: hold, dynamodb: slowDynamodb }
    for (const [index, format] of formats.entries()) {
      const gateway = await httpGateway({
        routes: createUserApi({
          documentClient: DynamoDBDocumentClient.from(slowDynamodb),
          tableName: (apis[index] as Api).tableName,
          logger: silentLogger(),
        }),
        payloadFormat: format,
        invokeOptions: { timeoutMs: 1500, memoryMb: 4096 },
      })
      slow.gateways.push(gateway)
      const client = httpClient(gateway.url)
      const answer = await client.send({
        method: 'GET',
        target: `/users/${(known[index] as { id: string }).id}`,
        headers: [],
      })
      client.close()
      expect(answer.status).toBe(504)
      expect(answer.headers['content-type']).toBe('application/problem+json')
      expect(JSON.parse(answer.body)).toMatchObject({ status: 504 })
      for (const pattern of leaks) expect(answer.body).not.toMatch(pattern)
      tally.deliberate504++
    }

    // The fast-check cases, each to the payload format it draws (each format has its own table and wire tap).
    await fc.assert(
      fc.asyncProperty(generated, fc.constantFrom(0, 1), async (request, format) => {
        const api = apis[format] as Api
        await exchange(api, concrete(api, request), 'client', 'fast-check')
        return tally.unexpected5xx.length + tally.leaks.length + tally.polluted + tally.invalidWrites.length === 0
      }),
      { numRuns, seed, endOnFailure: true },
    )

    // The tables hold exactly the users the answers say exist.
    let lost = 0
    let phantom = 0
    for (const api of apis) {
      const ids = await tableIds(api)
      lost += [...api.users].filter((id) => !ids.has(id)).length
      phantom += [...ids].filter((id) => !api.users.has(id)).length
    }

    const statuses = Object.fromEntries([...tally.statuses].sort(([a], [b]) => a - b))
    printFigures('hostile-http', {
      events: tally.requests,
      faults: { fastCheckCases: numRuns, corpus: corpusSize, formats: formats.length },
      lost,
      duplicated: phantom,
      orderViolations: 'n/a',
      unexpected5xx: tally.unexpected5xx.length,
      deliberate504: tally.deliberate504,
      gatewayRefused: tally.gatewayRefused,
      leaks: tally.leaks.length,
      prototypePolluted: tally.polluted,
      invalidWrites: tally.invalidWrites.length,
      statuses,
    })

    expect(corpusSize).toBeGreaterThanOrEqual(100)
    expect(tally.unexpected5xx).toEqual([])
    expect(tally.leaks).toEqual([])
    expect(tally.polluted).toBe(0)
    expect(prototypeIntact()).toBe(true)
    expect(tally.invalidWrites).toEqual([])
    expect({ lost, phantom }).toEqual({ lost: 0, phantom: 0 })
    // Only the 10 MiB body (one per format) is an event over Lambda's 6 MB: the gateway refuses it, the function never runs.
    expect(tally.gatewayRefused).toBe(formats.length)
    // The run reached the table, not only the validators.
    for (const status of [200, 201, 204, 400, 404, 405, 412, 413, 415, 428]) {
      expect({ status, seen: tally.statuses.has(status) }).toEqual({ status, seen: true })
    }
  })
})
