import { execFileSync } from 'node:child_process'
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

// Builds the package and imports it by self-reference from inside the package. The installed tarball is
// installed-package.test.ts.
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
})
