import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

// Imports the built package (jest.package.config.js packs, and so builds, it once for the run: `npm run test:package`) by
// self-reference from inside the package. The installed tarball is installed-package.test.ts.
const root = new URL('../..', import.meta.url).pathname
const run = (cmd: string, args: string[], cwd: string) =>
  execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: process.env })

const probe = `
import { budgetOf, HttpError } from 'serverless-done-right'
const budget = budgetOf({ getRemainingTimeInMillis: () => 1000 })
const error = new HttpError(404, { detail: 'no user u1' })
console.log(JSON.stringify({ remaining: budget.remainingMs() > 0, status: error.status, code: error.code }))
`

// Imports by self-reference, as a project that installed the package does, and reports each function's bundle.
const cdkProbe = `
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { App, Stack } from 'aws-cdk-lib'
import { LogProcessor, StreamReducer, UserApi } from 'serverless-done-right/cdk'
const outdir = mkdtempSync(join(tmpdir(), 'sdr-cdk-export-'))
const app = new App({ outdir })
const stack = new Stack(app, 'AsIs')
const logs = new LogProcessor(stack, 'Logs')
new StreamReducer(stack, 'Counts', { inputStream: logs.inputStream })
new UserApi(stack, 'Users', { auth: { type: 'jwt', issuer: 'https://issuer.example.com/', audience: ['users'] } })
const template = app.synth().getStackByName('AsIs').template
const functions = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function')
const assets = functions.map((f) => join(outdir, 'asset.' + f.Properties.Code.S3Key.replace(/\\.zip$/, '')))
console.log(JSON.stringify({ outdir, handlers: functions.map((f) => f.Properties.Handler), assets }))
`

describe('the published package', () => {
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

  // serverless-done-right/cdk, for users who deploy a recipe as it is: the constructs bundle the compiled
  // dist/recipes/<name>/handler.js (no TypeScript source sits beside the compiled construct).
  it('synthesizes the three constructs from the built package, each function bundled', () => {
    const file = join(root, 'dist', '.cdk-export-probe.mjs')
    writeFileSync(file, cdkProbe)
    let outdir: string | undefined
    try {
      const result = JSON.parse(run(process.execPath, [file], root).trim().split('\n').at(-1) as string) as {
        outdir: string
        handlers: string[]
        assets: string[]
      }
      outdir = result.outdir
      expect(result.handlers).toEqual(['index.handler', 'index.handler', 'index.handler'])
      for (const asset of result.assets) {
        expect(statSync(join(asset, 'index.mjs')).size).toBeGreaterThan(50_000)
      }
    } finally {
      rmSync(file)
      if (outdir) rmSync(outdir, { recursive: true, force: true })
    }
  }, 240_000)

  it('ships the bin, the cdk entry, the compiled handlers and the recipe sources; not the demo', () => {
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
    expect(existsSync(join(root, manifest.bin['serverless-done-right']))).toBe(true)
    expect(existsSync(join(root, manifest.exports['./cdk'].default))).toBe(true)
    expect(existsSync(join(root, manifest.exports['./cdk'].types))).toBe(true)
    const packed = JSON.parse(run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], root)) as Array<{
      files: Array<{ path: string }>
    }>
    const paths = new Set(packed[0]?.files.map((f) => f.path))
    for (const recipe of ['kinesis-log-processor', 'rest-user-api', 'stream-reducer']) {
      for (const file of ['handler.ts', 'app.ts', 'settings.ts', 'infra.ts', 'local.test.ts', 'README.md']) {
        expect(paths).toContain(`recipes/${recipe}/${file}`)
      }
      expect(paths).toContain(`dist/recipes/${recipe}/handler.js`)
    }
    expect(paths).toContain('dist/cli/bin.js')
    expect(paths).toContain('dist/recipes/deploy/index.d.ts')
    expect([...paths].filter((path) => /^recipes\/(demo|deploy)|tsbuildinfo|^test\//.test(path))).toEqual([])
  }, 60_000)
})
