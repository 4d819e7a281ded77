/**
 * `serverless-done-right/cdk` from the built package, for users who deploy a recipe as it is: the three constructs
 * import by the package's name, synthesize, and bundle their handlers (the compiled `dist/recipes/<name>/handler.js`,
 * there being no TypeScript source beside the compiled construct). And what `npm pack` ships for `init`.
 * Slow (tsc, three esbuild bundles), so it has long timeouts.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../..', import.meta.url))
const run = (cmd: string, args: string[]) => {
  const env = { ...process.env }
  delete env.NODE_OPTIONS
  return execFileSync(cmd, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env })
}

// Imports by self-reference, as a project that installed the package does, and reports each function's bundle.
const probe = `
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
new UserApi(stack, 'Users')
const template = app.synth().getStackByName('AsIs').template
const functions = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function')
const assets = functions.map((f) => join(outdir, 'asset.' + f.Properties.Code.S3Key.replace(/\\.zip$/, '')))
console.log(JSON.stringify({ outdir, handlers: functions.map((f) => f.Properties.Handler), assets }))
`

describe('the serverless-done-right/cdk export', () => {
  beforeAll(() => {
    run('npm', ['run', 'build', '--silent'])
  }, 240_000)

  it('synthesizes the three constructs from the built package, each function bundled', () => {
    const file = join(root, 'dist', '.cdk-export-probe.mjs')
    writeFileSync(file, probe)
    let outdir: string | undefined
    try {
      const result = JSON.parse(run(process.execPath, [file]).trim().split('\n').at(-1) as string) as {
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
    const packed = JSON.parse(run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'])) as Array<{
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
