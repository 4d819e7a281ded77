import { request as httpRequest } from 'node:http'
import { connect } from 'node:net'
import type {
  APIGatewayProxyEvent,
  APIGatewayProxyEventV2,
  APIGatewayProxyResult,
  APIGatewayProxyStructuredResultV2,
} from 'aws-lambda'
import fc from 'fast-check'
import { type GatewayInvocation, type HttpGateway, httpGateway, LocalOptionsError } from 'serverless-done-right/local'
import { fixture } from '../helpers/fixtures.js'

/** The keys of a value at every level, with the JSON type of each leaf; headers are free-form, so only their type. */
function shape(value: unknown, freeForm: ReadonlySet<string> = new Set(['headers', 'multiValueHeaders'])): unknown {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  if (typeof value !== 'object') return typeof value
  const result: Record<string, unknown> = {}
  for (const key of Object.keys(value).sort()) {
    const member = (value as Record<string, unknown>)[key]
    result[key] = freeForm.has(key) ? shape(member === null ? null : {}, freeForm) : shape(member, freeForm)
  }
  return result
}

const gateways: HttpGateway[] = []
afterEach(async () => {
  await Promise.all(gateways.splice(0).map((gateway) => gateway.close()))
})

async function start(options: Parameters<typeof httpGateway>[0]): Promise<HttpGateway> {
  const gateway = await httpGateway(options)
  gateways.push(gateway)
  return gateway
}

/** A GET with repeated header lines (`fetch` would fold them into one), resolving to the status. */
function getWithHeaders(url: string, headers: Record<string, string | string[]>): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { headers }, (response) => {
      response.resume()
      response.on('end', () => resolve(response.statusCode ?? 0))
    })
    request.on('error', reject)
    request.end()
  })
}

/** A gateway whose handler hands back the event it got, and the event itself for inspection. */
async function echo(payloadFormat: '1.0' | '2.0', routes: string[]) {
  const seen: Array<APIGatewayProxyEvent & APIGatewayProxyEventV2> = []
  const handler = async (event: APIGatewayProxyEvent & APIGatewayProxyEventV2) => {
    seen.push(event)
    return { statusCode: 200, body: 'ok' }
  }
  const gateway = await start({ payloadFormat, routes: Object.fromEntries(routes.map((key) => [key, handler])) })
  return { gateway, seen }
}

describe('httpGateway events', () => {
  it('sends a 1.0 event with exactly the keys of a real REST API event', async () => {
    const { gateway, seen } = await echo('1.0', ['POST /no-auth'])
    const response = await fetch(`${gateway.url}/no-auth`, {
      method: 'POST',
      headers: { 'User-Agent': 'HTTPie/3.2.2' },
    })
    expect(response.status).toBe(200)
    const event = seen[0]
    expect(shape(event)).toEqual(shape(fixture('apigw-rest-v1')))
    expect(event).toMatchObject({
      resource: '/no-auth',
      path: '/no-auth',
      httpMethod: 'POST',
      body: null,
      isBase64Encoded: false,
      queryStringParameters: null,
      pathParameters: null,
      requestContext: { resourcePath: '/no-auth', httpMethod: 'POST', protocol: 'HTTP/1.1', stage: '$default' },
    })
    expect(event?.requestContext.identity).toMatchObject({ sourceIp: '127.0.0.1', userAgent: 'HTTPie/3.2.2' })
    expect(event?.requestContext.requestTime).toMatch(/^\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d \+0000$/)
    expect(Math.abs((event?.requestContext.requestTimeEpoch ?? 0) - Date.now())).toBeLessThan(60_000)
  })

  it('sends a 2.0 event with exactly the keys of a real HTTP API event', async () => {
    const { gateway, seen } = await echo('2.0', ['POST /lambda'])
    await fetch(`${gateway.url}/lambda`, { method: 'POST', headers: { authorization: 'Bearer foo' } })
    const event = seen[0]
    expect(shape(event)).toEqual(shape(fixture('apigw-http-v2')))
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'POST /lambda',
      rawPath: '/lambda',
      rawQueryString: '',
      isBase64Encoded: false,
      requestContext: { routeKey: 'POST /lambda', http: { method: 'POST', path: '/lambda', protocol: 'HTTP/1.1' } },
    })
    expect(event?.headers).toMatchObject({ authorization: 'Bearer foo', 'x-forwarded-proto': 'http' })
    expect(event?.requestContext.domainName).toBe('127.0.0.1')
  })

  it('fills 1.0 path parameters, last-value and multi-value query strings and headers', async () => {
    const { gateway, seen } = await echo('1.0', ['GET /users/{id}/files/{path+}'])
    await getWithHeaders(`${gateway.url}/users/u%201/files/a/b%2Fc.txt?tag=x&tag=y&q=caf%C3%A9&flag`, {
      'X-Multi': ['one', 'two'],
    })
    const event = seen[0]
    expect(event?.resource).toBe('/users/{id}/files/{path+}')
    expect(event?.pathParameters).toEqual({ id: 'u 1', path: 'a/b/c.txt' })
    expect(event?.queryStringParameters).toEqual({ tag: 'y', q: 'café', flag: '' })
    expect(event?.multiValueQueryStringParameters).toEqual({ tag: ['x', 'y'], q: ['café'], flag: [''] })
    const multi = Object.entries(event?.multiValueHeaders ?? {}).find(([name]) => name.toLowerCase() === 'x-multi')
    expect(multi?.[1]).toEqual(['one', 'two'])
  })

  it('joins repeated 2.0 headers and query values with commas and moves cookies to `cookies`', async () => {
    const { gateway, seen } = await echo('2.0', ['GET /items/{id}'])
    await getWithHeaders(`${gateway.url}/items/42?tag=x&tag=y&__proto__=p&valueOf=v`, {
      'X-Multi': ['one', 'two'],
      Cookie: 'session=abc; theme=dark',
    })
    const event = seen[0]
    expect(event?.pathParameters).toEqual({ id: '42' })
    expect(event?.queryStringParameters).toEqual(
      Object.fromEntries([
        ['tag', 'x,y'],
        ['__proto__', 'p'],
        ['valueOf', 'v'],
      ]),
    )
    expect(Object.getPrototypeOf(event?.queryStringParameters)).toBe(Object.prototype)
    expect(event?.rawQueryString).toBe('tag=x&tag=y&__proto__=p&valueOf=v')
    expect(event?.headers['x-multi']).toBe('one,two')
    expect(event?.cookies).toEqual(['session=abc', 'theme=dark'])
    expect(event?.headers.cookie).toBeUndefined()
  })

  it('passes text bodies as strings and binary bodies base64-encoded, in both formats', async () => {
    for (const payloadFormat of ['1.0', '2.0'] as const) {
      const { gateway, seen } = await echo(payloadFormat, ['POST /upload'])
      const bytes = Uint8Array.from([0, 255, 128, 10, 13, 1])
      await fetch(`${gateway.url}/upload`, { method: 'POST', body: bytes, headers: { 'content-type': 'image/png' } })
      await fetch(`${gateway.url}/upload`, {
        method: 'POST',
        body: JSON.stringify({ name: 'Zoë' }),
        headers: { 'content-type': 'application/json; charset=utf-8' },
      })
      const [binary, text] = seen
      expect(binary?.isBase64Encoded).toBe(true)
      expect(Buffer.from(binary?.body ?? '', 'base64')).toEqual(Buffer.from(bytes))
      expect(text?.isBase64Encoded).toBe(false)
      expect(text?.body).toBe('{"name":"Zoë"}')
    }
  })
})

describe('httpGateway routing', () => {
  it('picks the most specific route, an exact method over ANY, and $default last', async () => {
    const routeOf = (name: string) => async () => ({ statusCode: 200, body: name })
    const gateway = await start({
      payloadFormat: '2.0',
      routes: {
        'ANY /{proxy+}': routeOf('greedy'),
        'GET /users/{id}': routeOf('get-param'),
        'ANY /users/{id}': routeOf('any-param'),
        'GET /users/me': routeOf('literal'),
        $default: routeOf('default'),
      },
    })
    const bodyOf = async (method: string, path: string): Promise<string> =>
      (await fetch(`${gateway.url}${path}`, { method })).text()
    expect(await bodyOf('GET', '/users/me')).toBe('literal')
    expect(await bodyOf('GET', '/users/u1')).toBe('get-param')
    expect(await bodyOf('DELETE', '/users/u1')).toBe('any-param')
    expect(await bodyOf('GET', '/users/u1/orders')).toBe('greedy')
    expect(await bodyOf('GET', '/')).toBe('default')
  })

  it('answers an unknown route with 404 {"message":"Not Found"}', async () => {
    const gateway = await start({
      payloadFormat: '1.0',
      routes: { 'GET /users': async () => ({ statusCode: 200, body: '' }) },
    })
    const response = await fetch(`${gateway.url}/nope`, { method: 'POST', body: 'x' })
    expect(response.status).toBe(404)
    expect(await response.json()).toEqual({ message: 'Not Found' })
    expect((await fetch(`${gateway.url}/users`, { method: 'PUT' })).status).toBe(404)
  })

  it('sends every request to a lone handler as $default (1.0 sees a {proxy+} resource)', async () => {
    const seen: APIGatewayProxyEvent[] = []
    const gateway = await start({
      payloadFormat: '1.0',
      routes: async (event: APIGatewayProxyEvent) => {
        seen.push(event)
        return { statusCode: 204, body: '' }
      },
    })
    expect((await fetch(`${gateway.url}/a/b`)).status).toBe(204)
    expect((await fetch(`${gateway.url}/`)).status).toBe(204)
    expect(seen[0]).toMatchObject({ resource: '/{proxy+}', pathParameters: { proxy: 'a/b' } })
    expect(seen[1]).toMatchObject({ resource: '/{proxy+}', pathParameters: null })
  })

  it('rejects malformed route keys and options with LocalOptionsError', async () => {
    const handler = async () => 1
    const bad: Array<Parameters<typeof httpGateway>[0]> = [
      { payloadFormat: '2.0', routes: { 'GET users': handler } },
      { payloadFormat: '2.0', routes: { 'get /users': handler } },
      { payloadFormat: '2.0', routes: { 'GET /{a+}/b': handler } },
      { payloadFormat: '2.0', routes: { 'GET /a{b}': handler } },
      { payloadFormat: '3.0' as '2.0', routes: handler },
      { payloadFormat: '1.0', routes: handler, port: 70_000 },
      { payloadFormat: '1.0', routes: handler, timeoutMs: 0 },
    ]
    for (const options of bad) await expect(httpGateway(options)).rejects.toThrow(LocalOptionsError)
    await expect(httpGateway({ payloadFormat: '2.0', routes: { 'GET users': handler } })).rejects.toThrow(
      /route key "GET users"/,
    )
  })

  it('survives odd bytes and malformed escapes in the path, passing them on undecoded', async () => {
    const { gateway, seen } = await echo('2.0', ['GET /users/{id}'])
    const response = await fetch(`${gateway.url}/users/%E0%A4%`)
    expect(response.status).toBe(200)
    expect(seen[0]?.pathParameters).toEqual({ id: '%E0%A4%' })
    // Raw bytes that are not valid UTF-8, sent on a bare socket: Node or the gateway answers, nothing crashes.
    const status = await new Promise<string>((resolve, reject) => {
      const socket = connect(gateway.port, '127.0.0.1', () => {
        socket.end(
          Buffer.concat([
            Buffer.from('GET /users/'),
            Buffer.from([0xff, 0xfe]),
            Buffer.from(' HTTP/1.1\r\nHost: x\r\n\r\n'),
          ]),
        )
      })
      let text = ''
      socket.on('data', (chunk) => {
        text += chunk.toString('latin1')
      })
      socket.on('end', () => resolve(text.split('\r\n')[0] ?? ''))
      socket.on('error', reject)
    })
    expect(status).toMatch(/^HTTP\/1\.1 (200|400)/)
    expect((await fetch(`${gateway.url}/users/ok`)).status).toBe(200)
  })

  it('never crashes on arbitrary paths and query strings', async () => {
    const { gateway } = await echo('1.0', ['ANY /{proxy+}'])
    const segment = fc.stringMatching(/^[A-Za-z0-9%._~!$&'()*+,;=:@-]{0,12}$/)
    await fc.assert(
      fc.asyncProperty(fc.array(segment, { maxLength: 4 }), segment, async (segments, query) => {
        const response: Response = await fetch(`${gateway.url}/x/${segments.join('/')}?${query}`)
        expect([200, 404]).toContain(response.status)
        await response.arrayBuffer()
      }),
      { numRuns: 60 },
    )
  })
})

describe('httpGateway responses', () => {
  it('translates a 1.0 result: status, merged headers, multi-value Set-Cookie, base64 body', async () => {
    const gateway = await start({
      payloadFormat: '1.0',
      routes: {
        'GET /file': async (): Promise<APIGatewayProxyResult> => ({
          statusCode: 201,
          headers: { 'Content-Type': 'application/octet-stream', 'X-Both': 'from-headers', 'X-Count': 3 },
          multiValueHeaders: { 'Set-Cookie': ['a=1', 'b=2'], 'X-Both': ['from-multi'] },
          body: Buffer.from([1, 2, 250]).toString('base64'),
          isBase64Encoded: true,
        }),
        'GET /plain': async () => ({ statusCode: 200, body: '{"ok":true}' }),
      },
    })
    const response = await fetch(`${gateway.url}/file`)
    expect(response.status).toBe(201)
    expect(response.headers.get('content-type')).toBe('application/octet-stream')
    expect(response.headers.get('x-both')).toBe('from-multi')
    expect(response.headers.get('x-count')).toBe('3')
    expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2'])
    expect(Buffer.from(await response.arrayBuffer())).toEqual(Buffer.from([1, 2, 250]))
    const plain = await fetch(`${gateway.url}/plain`)
    expect(plain.headers.get('content-type')).toBe('application/json')
  })

  it('translates a 2.0 result: cookies, and plain JSON meaning 200 application/json', async () => {
    const gateway = await start({
      payloadFormat: '2.0',
      routes: {
        'GET /structured': async (): Promise<APIGatewayProxyStructuredResultV2> => ({
          statusCode: 418,
          headers: { 'content-type': 'text/plain' },
          cookies: ['a=1; Path=/', 'b=2'],
          body: 'teapot',
        }),
        'GET /object': async () => ({ message: 'hello', count: 2 }),
        'GET /string': async () => 'just text',
        'GET /nothing': async () => undefined,
      },
    })
    const structured = await fetch(`${gateway.url}/structured`)
    expect(structured.status).toBe(418)
    expect(structured.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2'])
    expect(await structured.text()).toBe('teapot')
    const object = await fetch(`${gateway.url}/object`)
    expect(object.status).toBe(200)
    expect(object.headers.get('content-type')).toBe('application/json')
    expect(await object.json()).toEqual({ message: 'hello', count: 2 })
    expect(await (await fetch(`${gateway.url}/string`)).text()).toBe('just text')
    const nothing = await fetch(`${gateway.url}/nothing`)
    expect(nothing.status).toBe(200)
    expect(await nothing.text()).toBe('')
  })

  const malformed: Array<[payloadFormat: '1.0' | '2.0', what: string, handler: () => Promise<unknown>]> = [
    ['1.0', 'a result without statusCode', async () => ({ body: 'hi' })],
    ['1.0', 'a plain string', async () => 'hi'],
    ['1.0', 'a non-string body', async () => ({ statusCode: 200, body: { not: 'a string' } })],
    ['2.0', 'a statusCode that is not a status', async () => ({ statusCode: 'two hundred' })],
    ['2.0', 'a header value with a newline', async () => ({ statusCode: 200, headers: { 'x-a': 'a\r\nb: c' } })],
    ['2.0', 'cookies that are not strings', async () => ({ statusCode: 200, cookies: [1] })],
    ['1.0', 'a thrown error', async () => Promise.reject(new Error('db is down at 10.0.0.7'))],
    ['2.0', 'a thrown error', async () => Promise.reject(new Error('db is down at 10.0.0.7'))],
  ]
  it.each(malformed)(
    'answers %s %s with 502 {"message":"Internal server error"}',
    async (payloadFormat, _what, handler) => {
      const reports: GatewayInvocation[] = []
      const gateway = await start({
        payloadFormat,
        routes: { 'GET /x': handler },
        onInvoke: (report) => reports.push(report),
      })
      const response = await fetch(`${gateway.url}/x`)
      expect(response.status).toBe(502)
      const text = await response.text()
      expect(JSON.parse(text)).toEqual({ message: 'Internal server error' })
      expect(text).not.toContain('10.0.0.7')
      expect(reports).toHaveLength(1)
      expect(reports[0]?.statusCode).toBe(502)
    },
  )

  it('answers 504 when the handler outlives the integration timeout, and 502 when the function times out first', async () => {
    const reports: GatewayInvocation[] = []
    const never = () => new Promise<never>(() => undefined)
    const gateway = await start({
      payloadFormat: '1.0',
      timeoutMs: 150,
      routes: { 'GET /slow': never },
      onInvoke: (report) => reports.push(report),
    })
    const response = await fetch(`${gateway.url}/slow`)
    expect(response.status).toBe(504)
    expect(await response.json()).toEqual({ message: 'Endpoint request timed out' })

    const shortFunction = await start({
      payloadFormat: '2.0',
      timeoutMs: 5000,
      invokeOptions: { timeoutMs: 100 },
      routes: { 'GET /slow': never },
      onInvoke: (report) => reports.push(report),
    })
    const failed = await fetch(`${shortFunction.url}/slow`)
    expect(failed.status).toBe(502)
    expect(reports.map((report) => report.statusCode)).toEqual([504, 502])
    expect(reports[1]?.invocation).toMatchObject({ status: 'timeout', errorType: 'Sandbox.Timedout' })
  })

  it('refuses a body over 10 MB with 413, declared or streamed, and keeps serving', async () => {
    let invoked = 0
    const gateway = await start({
      payloadFormat: '2.0',
      routes: {
        'POST /upload': async () => {
          invoked++
          return { ok: true }
        },
      },
    })
    const declared = await fetch(`${gateway.url}/upload`, {
      method: 'POST',
      body: new Uint8Array(10 * 1024 * 1024 + 1),
    })
    expect(declared.status).toBe(413)
    expect(await declared.json()).toEqual({ message: 'Request Too Long' })
    const chunks = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 11; i++) controller.enqueue(new Uint8Array(1024 * 1024))
        controller.close()
      },
    })
    const streamed = await fetch(`${gateway.url}/upload`, {
      method: 'POST',
      body: chunks,
      duplex: 'half',
    } as RequestInit)
    expect(streamed.status).toBe(413)
    await streamed.arrayBuffer()
    expect(invoked).toBe(0)
    const exactly = await fetch(`${gateway.url}/upload`, { method: 'POST', body: new Uint8Array(1024) })
    expect(exactly.status).toBe(200)
    expect(invoked).toBe(1)
  })

  it('closes idle keep-alive connections on close()', async () => {
    const gateway = await httpGateway({ payloadFormat: '2.0', routes: async () => ({ ok: true }) })
    const response = await fetch(`${gateway.url}/`)
    expect(response.headers.get('connection')).toBe('keep-alive')
    await response.text()
    await gateway.close()
    await expect(fetch(`${gateway.url}/`)).rejects.toThrow()
  })
})
