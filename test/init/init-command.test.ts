/**
 * `serverless-done-right init` as a person at a terminal runs it: the real bin (through tsx, from the sources the
 * package compiles), its exit codes, what it prints, and what it writes.
 */
import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../..', import.meta.url))
const recipes = ['kinesis-log-processor', 'rest-user-api', 'stream-reducer']
const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version

/** Runs the bin with `args` in `cwd`; never rejects: the exit code is part of the answer. */
function init(
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env, ...options.env }
  delete env.NODE_OPTIONS
  return new Promise((resolve) => {
    execFile(
      join(root, 'node_modules', '.bin', 'tsx'),
      [join(root, 'src', 'cli', 'bin.ts'), ...args],
      { cwd: options.cwd ?? root, env, encoding: 'utf8' },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    )
  })
}

let work: string
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'sdr-init-'))
})
afterAll(() => {
  rmSync(work, { recursive: true, force: true })
})

describe('serverless-done-right init', () => {
  it('--list prints every recipe on one line with what it does', async () => {
    const { code, stdout, stderr } = await init(['init', '--list'])
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' })
    const lines = stdout.trim().split('\n')
    expect(lines.map((line) => line.split(/\s+/)[0])).toEqual(recipes)
    for (const line of lines) expect(line.split(/\s{2,}/)[1]?.length).toBeGreaterThan(10)
  })

  it('--help prints the usage and exits 0', async () => {
    const { code, stdout } = await init(['--help'])
    expect(code).toBe(0)
    expect(stdout).toMatch(/init <recipe> \[dir\]/)
    expect(stdout).toMatch(/--force/)
    expect(stdout).toMatch(/--package-spec/)
  })

  it('names the recipes when asked for one that does not exist, and writes nothing', async () => {
    const dir = join(work, 'unknown')
    const { code, stdout, stderr } = await init(['init', 'kafka-thing', dir])
    expect({ code, stdout }).toEqual({ code: 2, stdout: '' })
    expect(stderr).toContain('unknown recipe "kafka-thing"; the recipes are: kinesis-log-processor, rest-user-api')
    expect(existsSync(dir)).toBe(false)
  })

  it('rejects an unknown option and a missing recipe with the usage', async () => {
    expect(await init(['init', 'stream-reducer', '--frobnicate'])).toMatchObject({ code: 2, stdout: '' })
    expect((await init(['init'])).stderr).toContain('init needs a recipe')
    expect((await init([])).code).toBe(2)
  })

  it('refuses a folder that is not empty, and writes into it with --force', async () => {
    const dir = join(work, 'taken')
    mkdirSync(dir)
    writeFileSync(join(dir, 'notes.txt'), 'mine')
    const refused = await init(['init', 'stream-reducer', dir])
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain('is not empty')
    expect(readdirSync(dir)).toEqual(['notes.txt'])

    const forced = await init(['init', 'stream-reducer', dir, '--force'])
    expect(forced.code).toBe(0)
    expect(readFileSync(join(dir, 'notes.txt'), 'utf8')).toBe('mine')
    expect(existsSync(join(dir, 'src', 'handler.ts'))).toBe(true)
  })

  it('writes the project into ./<recipe> by default, depending on ^<version>, and says what to type next', async () => {
    const { code, stdout, stderr } = await init(['init', 'rest-user-api'], { cwd: work })
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' })
    expect(stdout).toContain(`Created rest-user-api from the rest-user-api recipe (serverless-done-right ${version})`)
    expect(stdout).toMatch(/cd rest-user-api\n {2}npm install\n {2}npm test/)
    const manifest = JSON.parse(readFileSync(join(work, 'rest-user-api', 'package.json'), 'utf8'))
    expect(manifest.name).toBe('rest-user-api')
    expect(manifest.dependencies['serverless-done-right']).toBe(`^${version}`)
  })

  it('depends on the spec given by --package-spec or SDR_PACKAGE_SPEC (a tarball for CI)', async () => {
    const byOption = join(work, 'My Logs!')
    await init(['init', 'kinesis-log-processor', byOption, '--package-spec', 'file:/tmp/sdr.tgz'])
    const manifest = JSON.parse(readFileSync(join(byOption, 'package.json'), 'utf8'))
    expect(manifest.name).toBe('my-logs')
    expect(manifest.dependencies['serverless-done-right']).toBe('file:/tmp/sdr.tgz')
    expect(readFileSync(join(byOption, 'infra', 'app.ts'), 'utf8')).toContain("new Stack(app, 'MyLogs',")

    const byEnv = join(work, 'by-env')
    await init(['init', 'kinesis-log-processor', byEnv], { env: { SDR_PACKAGE_SPEC: 'file:/tmp/other.tgz' } })
    const fromEnv = JSON.parse(readFileSync(join(byEnv, 'package.json'), 'utf8'))
    expect(fromEnv.dependencies['serverless-done-right']).toBe('file:/tmp/other.tgz')
  })
})
