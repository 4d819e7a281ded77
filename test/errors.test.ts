import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  HttpError,
  MemoryPressureError,
  PermanentError,
  ServerlessDoneRightError,
  TimeoutApproachingError,
  ValidationError,
} from 'serverless-done-right'

const root = new URL('..', import.meta.url).pathname

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sourceFiles(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : [],
  )
}

describe('error hierarchy', () => {
  it('documents every code used in src/ in docs/errors.md', () => {
    const table = readFileSync(join(root, 'docs/errors.md'), 'utf8')
    const codes = new Set(
      sourceFiles(join(root, 'src')).flatMap((file) =>
        [...readFileSync(file, 'utf8').matchAll(/code = '(SDR_[A-Z_]+)'/g)].map((match) => match[1] as string),
      ),
    )
    expect(codes.size).toBeGreaterThanOrEqual(4)
    const missing = [...codes].filter((code) => !table.includes(`\`${code}\``))
    expect(missing).toEqual([])
  })

  it('builds an HttpError with a default title, keeps cause and sets name', () => {
    const cause = new Error('db down')
    const error = new HttpError(404, { detail: 'no user u1', cause })
    expect(error).toBeInstanceOf(ServerlessDoneRightError)
    expect(error).toBeInstanceOf(Error)
    expect(error.status).toBe(404)
    expect(error.title).toBe('Not Found')
    expect(error.detail).toBe('no user u1')
    expect(error.type).toBe('about:blank')
    expect(error.code).toBe('SDR_HTTP')
    expect(error.name).toBe('HttpError')
    expect(error.cause).toBe(cause)
    expect(new HttpError(412, { title: 'Version mismatch' }).title).toBe('Version mismatch')
  })

  it('turns a status outside 400-599 into 500', () => {
    expect(new HttpError(200).status).toBe(500)
    expect(new HttpError(Number.NaN).status).toBe(500)
  })

  it('gives each class its own stable code and name', () => {
    const validation = new ValidationError([
      { pointer: '/body/email', message: 'Invalid email' },
      { pointer: '/query/limit', message: 'Too big' },
    ])
    expect([validation.code, validation.name]).toEqual(['SDR_VALIDATION', 'ValidationError'])
    expect(validation.message).toBe('/body/email: Invalid email (and 1 more)')
    const timeout = new TimeoutApproachingError({ phase: 'hard', remainingMs: 250 })
    expect([timeout.code, timeout.name, timeout.phase]).toEqual([
      'SDR_TIMEOUT_APPROACHING',
      'TimeoutApproachingError',
      'hard',
    ])
    const memory = new MemoryPressureError(
      { kind: 'heap', ratio: 0.91, rssMb: 100, limitMb: 128, heapUsedMb: 91, heapLimitMb: 100 },
      { cause: 'x' },
    )
    expect([memory.code, memory.name, memory.cause]).toEqual(['SDR_MEMORY_PRESSURE', 'MemoryPressureError', 'x'])
  })

  it('builds a PermanentError that carries its reason and cause, with a reason even when given none', () => {
    const cause = new Error('404 from the accounts service')
    const permanent = new PermanentError('account a-1 was deleted', { cause })
    expect(permanent).toBeInstanceOf(ServerlessDoneRightError)
    expect([permanent.code, permanent.name, permanent.reason, permanent.message, permanent.cause]).toEqual([
      'SDR_PERMANENT',
      'PermanentError',
      'account a-1 was deleted',
      'account a-1 was deleted',
      cause,
    ])
    expect(new PermanentError('').reason).toBe('Permanent failure')
    expect(new PermanentError(undefined as unknown as string).reason).toBe('Permanent failure')
  })
})
