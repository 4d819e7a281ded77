/**
 * The recipes' schemas are zod/mini; the cold-start baselines keep the same schemas in classic zod
 * (bench/cold-start/baselines/classic-zod/), what users write. Both must accept, transform and refuse alike, with the
 * same issues (code, path, message): the problem+json answers and dead letters of the recipes are built from them, and
 * the benchmark compares like with like.
 */
import { describe, expect, it } from '@jest/globals'
import * as classicLog from '../../bench/cold-start/baselines/classic-zod/kinesis-log-processor.js'
import * as classicApi from '../../bench/cold-start/baselines/classic-zod/rest-user-api.js'
import * as classicReducer from '../../bench/cold-start/baselines/classic-zod/stream-reducer.js'
import * as log from '../../recipes/kinesis-log-processor/schema.js'
import { encodeCursor } from '../../recipes/rest-user-api/cursor.js'
import * as api from '../../recipes/rest-user-api/schema.js'
import * as reducer from '../../recipes/stream-reducer/schema.js'

interface Parser {
  safeParse(input: unknown): { success: boolean; data?: unknown; error?: { issues: unknown[] } }
}

const outcome = (schema: Parser, input: unknown) => {
  const result = schema.safeParse(input)
  return result.success ? { data: result.data } : { issues: result.error?.issues }
}

function same(mini: Parser, classic: Parser, inputs: readonly unknown[]): void {
  for (const input of inputs) expect([input, outcome(mini, input)]).toEqual([input, outcome(classic, input)])
}

const event = {
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
const badFields: Record<string, unknown[]> = {
  timestamp: ['2026-03-01 12:00:00', '2026-03-01T13:00:00+01:00', 5],
  level: ['warn', 'LOUD', 3],
  service: ['', 'x'.repeat(129)],
  ip: ['999.1.1.1', 'example.com', '2001:db8::17'],
  method: ['post', 'BREW'],
  path: ['', `/${'a'.repeat(8192)}`],
  status: ['200', 1000, 99, 200.5, Number.NaN],
  userAgent: ['x'.repeat(2049), 1],
  message: ['x'.repeat(16_385)],
}
const id = '0b7f4c1e-7a57-4d55-9a43-8f6f3d2c1b00'
const user = {
  id,
  email: 'a@b.co',
  name: 'A',
  version: 1,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
}

describe('zod/mini recipe schemas against their classic-zod copies', () => {
  it('the log event', () => {
    const inputs: unknown[] = [event, { ...event, extra: 1 }, null, 42, [], {}, { ...event, ip: 1, status: 'x' }]
    for (const [field, values] of Object.entries(badFields)) {
      inputs.push(Object.fromEntries(Object.entries(event).filter(([key]) => key !== field)))
      for (const value of values) inputs.push({ ...event, [field]: value })
    }
    same(log.logEventSchema, classicLog.logEventSchema, inputs)
  })

  it('the user API: body, path, query, If-Match, answers', () => {
    const ada = { email: 'ada@example.com', name: '  Ada ' }
    same(api.userInput, classicApi.userInput, [
      ada,
      { ...ada, admin: true },
      { email: 'ada' },
      { ...ada, name: ' ' },
      { ...ada, name: 'a'.repeat(101) },
      { ...ada, name: 'Ada\u0000' },
      { ...ada, email: `${'a'.repeat(250)}@x.io` },
      ['x'],
      null,
    ])
    same(api.userPath, classicApi.userPath, [{ id }, { id: id.toUpperCase() }, { id: 'u1' }, {}, { id, x: 1 }])
    same(api.usersQuery, classicApi.usersQuery, [
      { limit: '5', cursor: encodeCursor({ id }) },
      {},
      { id },
      { limit: '0' },
      { limit: '1001' },
      { limit: '1e2' },
      { limit: ' 5' },
      { cursor: 'eyJ4IjoxfQ' },
      { limt: '5' },
      { id, limit: '5' },
      { id: 'nope', limit: 'x', cursor: 'y' },
      { cursor: 'x'.repeat(5000) },
    ])
    same(api.preconditionHeaders, classicApi.preconditionHeaders, [
      { 'if-match': 'W/"2"', accept: '*/*' },
      {},
      { 'if-match': '"v2"' },
      { 'if-match': 'v2' },
      { 'if-match': '*' },
      { 'if-match': 'x'.repeat(600) },
    ])
    const answers = [
      user,
      { ...user, version: 0 },
      { ...user, createdAt: 'x' },
      { ...user, extra: 1 },
      { items: [user] },
      { items: [user], nextCursor: 'c' },
      { items: [{ ...user, version: -1 }] },
      null,
    ]
    same(api.userOutput, classicApi.userOutput, answers)
    same(api.userPage, classicApi.userPage, answers)
  })

  it('the reducer key, by the default, a field and a function', () => {
    const inputs = [
      { message: 'ERROR x' },
      { message: '' },
      { message: 5 },
      {},
      null,
      'x',
      [],
      { level: true },
      { level: {} },
    ]
    same(reducer.countKeySchema(), classicReducer.countKeySchema(), inputs)
    same(reducer.countKeySchema('level'), classicReducer.countKeySchema('level'), inputs)
    const select = (e: Record<string, unknown>) => (e.level === true ? undefined : String(e.message))
    same(reducer.countKeySchema(select), classicReducer.countKeySchema(select), inputs)
  })
})
