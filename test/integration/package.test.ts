import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

// Builds the package and imports it the two ways users do: by self-reference from inside the package, and from a
// project that installed the `npm pack` tarball. Slow (tsc + npm install), so it has a long timeout.
const root = new URL('../..', import.meta.url).pathname
const run = (cmd: string, args: string[], cwd: string) =>
  execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: process.env })

const probe = `
import { budgetOf, HttpError } from 'serverless-done-right'
const budget = budgetOf({ getRemainingTimeInMillis: () => 1000 })
const error = new HttpError(404, { detail: 'no user u1' })
console.log(JSON.stringify({ remaining: budget.remainingMs() > 0, status: error.status, code: error.code }))
`

describe('the published package', () => {
  beforeAll(() => {
    run('npm', ['run', 'build', '--silent'], root)
  }, 120_000)

  it('imports by self-reference from a file inside the package', () => {
    const file = join(root, 'dist', '.self-reference-probe.mjs')
    writeFileSync(file, probe)
    try {
      expect(JSON.parse(run(process.execPath, [file], root))).toEqual({
        remaining: true,
        status: 404,
        code: 'SDR_HTTP',
      })
    } finally {
      rmSync(file)
    }
  })

  it('imports from a project that installed the npm pack tarball', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sdr-pack-'))
    try {
      run('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', dir], root)
      const tarball = readdirSync(dir).find((name) => name.endsWith('.tgz'))
      expect(tarball).toBeDefined()
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', type: 'module', private: true }))
      run('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--prefer-offline', `./${tarball}`], dir)
      writeFileSync(join(dir, 'probe.mjs'), probe)
      expect(JSON.parse(run(process.execPath, ['probe.mjs'], dir))).toEqual({
        remaining: true,
        status: 404,
        code: 'SDR_HTTP',
      })
      const files = run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], root)
      const packed = (JSON.parse(files) as Array<{ files: Array<{ path: string }> }>)[0]?.files.map((f) => f.path) ?? []
      expect(packed).toContain('dist/index.js')
      expect(packed).toContain('dist/index.d.ts')
      expect(packed.some((path) => path.startsWith('test/') || path.startsWith('src/'))).toBe(false)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 180_000)
})
