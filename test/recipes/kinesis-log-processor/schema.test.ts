import { logEventSchema } from '../../../recipes/kinesis-log-processor/schema.js'

const valid = {
  timestamp: '2026-03-01T12:00:00.123Z',
  level: 'INFO',
  service: 'storefront',
  ip: '203.0.113.7',
  method: 'GET',
  path: '/search?q=select+a+plan',
  status: 200,
  userAgent: 'Mozilla/5.0',
  message: 'GET /search 200',
}

const issuesOf = (input: unknown) =>
  logEventSchema.safeParse(input).error?.issues.map((issue) => `/${issue.path.join('/')}`) ?? []

describe('logEventSchema', () => {
  it('accepts a web-access log event and keeps unknown fields', () => {
    const parsed = logEventSchema.parse({ ...valid, requestId: 'r-1', latencyMs: 12 })
    expect(parsed).toEqual({ ...valid, requestId: 'r-1', latencyMs: 12 })
  })

  it('accepts IPv6, a zone offset, an empty user agent, and normalises level and method case', () => {
    const parsed = logEventSchema.parse({
      ...valid,
      ip: '2001:db8::17',
      timestamp: '2026-03-01T13:00:00+01:00',
      userAgent: '',
      level: 'warn',
      method: 'post',
    })
    expect(parsed).toMatchObject({ ip: '2001:db8::17', level: 'WARN', method: 'POST', userAgent: '' })
  })

  it('keeps attacks valid: detecting them is the point', () => {
    expect(logEventSchema.safeParse({ ...valid, path: "/login?user=admin'--", userAgent: 'sqlmap/1.8' }).success).toBe(
      true,
    )
  })

  it.each([
    ['a missing field', { ...valid, ip: undefined }, ['/ip']],
    ['an IP that is not one', { ...valid, ip: '999.1.1.1' }, ['/ip']],
    ['a hostname for an IP', { ...valid, ip: 'example.com' }, ['/ip']],
    ['a timestamp without a zone', { ...valid, timestamp: '2026-03-01 12:00:00' }, ['/timestamp']],
    ['a status as a string', { ...valid, status: '200' }, ['/status']],
    ['a status out of range', { ...valid, status: 1000 }, ['/status']],
    ['an unknown method', { ...valid, method: 'BREW' }, ['/method']],
    ['an unknown level', { ...valid, level: 'LOUD' }, ['/level']],
    ['an empty path', { ...valid, path: '' }, ['/path']],
    ['an oversized path', { ...valid, path: `/${'a'.repeat(8192)}` }, ['/path']],
    ['an oversized user agent', { ...valid, userAgent: 'x'.repeat(2049) }, ['/userAgent']],
    ['an empty service', { ...valid, service: '' }, ['/service']],
  ])('rejects %s', (_label, input, pointers) => {
    expect(issuesOf(input)).toEqual(pointers)
  })

  it('rejects what is no object at all', () => {
    for (const input of [null, 42, 'text', []]) expect(logEventSchema.safeParse(input).success).toBe(false)
  })
})
