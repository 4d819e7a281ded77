import { execFileSync, spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, dirname, join } from 'node:path'

// The package as a new user gets it: `npm pack`, then a fresh project that runs only the README's install lines.
// npm uses the machine's shared cache with --prefer-offline, so a warm run installs from disk.
const root = new URL('../..', import.meta.url).pathname
const readme = readFileSync(join(root, 'README.md'), 'utf8')
const run = (cmd: string, args: string[], cwd: string) =>
  execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: process.env })
// Warnings kept: a test reads them (npm ≥ 11.16 warns of install scripts not covered by the project's allowScripts).
const npmFlags = ['--no-audit', '--no-fund', '--prefer-offline', '--loglevel=warn']

/** `npm args` in `cwd`: its stdout and stderr, or an error carrying both. */
function npm(args: string[], cwd: string): string {
  const { status, stdout, stderr } = spawnSync('npm', args, { cwd, encoding: 'utf8', env: process.env })
  if (status !== 0) throw Object.assign(new Error(`npm ${args.join(' ')} exited ${status}:\n${stderr}`), { stderr })
  return `${stdout}${stderr}`
}

/**
 * `npm install args` in `cwd`, returning what npm printed. `--prefer-offline` trusts npm's cached package metadata,
 * which can be older than a package just published that needs it (the AWS SDK publishes hundreds of packages together:
 * "No matching version found for @aws-sdk/…", ETARGET, seen twice in CI): then once more with the metadata revalidated.
 */
function npmInstall(args: string[], cwd: string): string {
  try {
    return npm(['install', ...args, ...npmFlags], cwd)
  } catch (error) {
    if (!/ETARGET/.test(String((error as { stderr?: unknown }).stderr))) throw error
    const online = npmFlags.map((flag) => (flag === '--prefer-offline' ? '--prefer-online' : flag))
    return npm(['install', ...args, ...online], cwd)
  }
}

/** The packages npm's install-script warning names, as `name@version (event: command)`. */
const flaggedInstallScripts = (output: string) =>
  [...output.matchAll(/^npm warn install-scripts +(\S+@\S+ \(.*\))$/gm)].map((match) => match[1] ?? '')

/** The `npm install …` lines of the README section that starts with `heading`, comments and `#` lines dropped. */
function installLines(heading: string): string[][] {
  const start = readme.indexOf(heading)
  const section = readme.slice(start, readme.indexOf('\n## ', start + heading.length))
  return [...section.matchAll(/^npm install .*$/gm)].map((match) =>
    (match[0].split('#')[0] ?? '').trim().split(/\s+/).slice(2),
  )
}

/** Names a module exports, from its `export { … }` lists (types included). */
function exportedNames(declarations: string): string[] {
  const names = [...declarations.matchAll(/export (?:type )?\{([^}]*)\}/g)].flatMap((match) =>
    (match[1] ?? '').split(','),
  )
  return names.map((name) => name.replace(/^\s*type\s+/, '').trim()).filter((name) => name !== '')
}

const localProbe = `
import middy from '@middy/core'
import { validate } from 'serverless-done-right'
import { httpGateway, invoke, LocalCloudError, startLocalCloud } from 'serverless-done-right/local'
import { z } from 'zod'

const handler = middy().use(validate({ event: z.object({ n: z.coerce.number() }) })).handler(async (event) => event.n * 2)
const invoked = await invoke(handler, { n: '21' })
const gateway = await httpGateway({ payloadFormat: '2.0', routes: { 'GET /hi/{name}': async (event) => ({ hi: event.pathParameters.name }) } })
const response = await fetch(gateway.url + '/hi/ada')
const body = await response.json()
await gateway.close()
let cloudError
try {
  const cloud = await startLocalCloud()
  await cloud.stop()
} catch (error) {
  cloudError = { local: error instanceof LocalCloudError, message: error.message }
}
console.log(JSON.stringify({ invoked: invoked.result, status: response.status, body, cloudError }))
`

const cloudProbe = `
import { putRecords } from 'serverless-done-right'
import { kinesisEventSource, startLocalCloud } from 'serverless-done-right/local'
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb'

const cloud = await startLocalCloud()
try {
  await cloud.createStream('events', 2)
  await cloud.createTable({
    TableName: 'users',
    KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
    BillingMode: 'PAY_PER_REQUEST',
  })
  const seen = []
  const source = kinesisEventSource({
    cloud, streamName: 'events', pollIntervalMs: 20,
    handler: async (event) => { for (const r of event.Records) seen.push(Buffer.from(r.kinesis.data, 'base64').toString()) },
  })
  await source.start()
  const put = await putRecords(cloud.kinesis, 'events', ['a', 'b', 'c'].map((data) => ({ partitionKey: data, data })))
  await source.drain()
  await source.stop()
  await cloud.documentClient.send(new PutCommand({ TableName: 'users', Item: { id: 'u1', name: 'Ada' } }))
  const { Item } = await cloud.documentClient.send(new GetCommand({ TableName: 'users', Key: { id: 'u1' } }))
  console.log(JSON.stringify({ failed: put.failedCount, seen: seen.sort(), item: Item }))
} finally {
  await cloud.stop()
}
`

const consumerTsconfig = {
  compilerOptions: {
    target: 'ES2023',
    lib: ['ES2023'],
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    skipLibCheck: false,
    noEmit: true,
  },
  files: ['main-entry.ts', 'middy-durable.d.ts'],
}

describe('the packed package installed into a fresh project with the README install lines', () => {
  // `npm pack` (prepack and postpack included, as a user runs it) is done once for the run by jest.package.config.js.
  const packed = process.env.SDR_PACKED_TARBALL ?? ''
  const dir = dirname(packed)
  const tarball = basename(packed)
  const has = (name: string) => existsSync(join(dir, 'node_modules', name, 'package.json'))
  const installOutput: string[] = []

  beforeAll(() => {
    if (!existsSync(packed)) throw new Error('no tarball: run through `npm run test:package` (jest.package.config.js)')
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', type: 'module', private: true }))
  })

  afterAll(() => {
    if (packed !== '') rmSync(dir, { recursive: true, force: true })
  })

  it('installs with the README lines, pulling no AWS SDK, emulator or Middy 6', () => {
    // Before publication the README installs the tarball; its other lines are the ones for after publication.
    const [fromTarball] = installLines('## Install').filter((args) => args[0]?.endsWith('.tgz'))
    const others = installLines('## Install').filter((args) => !args.some((arg) => /serverless-done-right/.test(arg)))
    expect(fromTarball).toBeDefined()
    expect(others).toContainEqual(['@middy/http-json-body-parser@^7'])
    expect(others).toContainEqual(['-D', 'typescript@^5', '@types/node@^22'])
    for (const args of [fromTarball ?? [], ...others]) {
      const resolved = args.map((arg) => (arg.endsWith('.tgz') ? `./${tarball}` : arg))
      installOutput.push(npmInstall(resolved, dir))
    }
    const version = (name: string) =>
      (JSON.parse(readFileSync(join(dir, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version
    expect(version('@middy/core')).toMatch(/^7\./)
    expect(version('@middy/http-json-body-parser')).toMatch(/^7\./)
    for (const absent of [
      '@aws-sdk/client-dynamodb',
      '@aws-sdk/util-dynamodb',
      '@aws-sdk/client-kinesis',
      '@smithy/node-http-handler',
      'kinesalite',
      'dynalite',
    ]) {
      expect([absent, has(absent)]).toEqual([absent, false])
    }
    // Source maps carry their sources: the package does not ship src/.
    const map = JSON.parse(readFileSync(join(dir, 'node_modules/serverless-done-right/dist/index.js.map'), 'utf8'))
    expect(map.sourcesContent?.[0]).toContain('export')
    for (const unshipped of ['src', 'test', 'recipes/demo.ts', 'recipes/demo'])
      expect(existsSync(join(dir, 'node_modules/serverless-done-right', unshipped))).toBe(false)
    expect(existsSync(join(dir, 'node_modules/serverless-done-right/dist/local/index.d.ts'))).toBe(true)
  }, 180_000)

  it('type-checks a file using every export of the main entry (strict, NodeNext, skipLibCheck: false)', () => {
    copyFileSync(join(root, 'test/integration/consumer/main-entry.ts'), join(dir, 'main-entry.ts'))
    const install = readme.slice(readme.indexOf('## Install'))
    const shim = /```typescript\n(\s*declare module '@aws\/durable-execution-sdk-js'[^`]*)```/.exec(install)?.[1]
    expect(shim).toBeDefined()
    writeFileSync(join(dir, 'middy-durable.d.ts'), shim ?? '')
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(consumerTsconfig))
    const declarations = readFileSync(join(dir, 'node_modules/serverless-done-right/dist/index.d.ts'), 'utf8')
    const consumer = readFileSync(join(dir, 'main-entry.ts'), 'utf8')
    const imported = consumer.slice(consumer.indexOf('import {\n'), consumer.indexOf("} from 'serverless-done-right'"))
    expect(exportedNames(`${imported.replace('import {', 'export {')}}`).sort()).toEqual(
      exportedNames(declarations).sort(),
    )
    const tsc = join(dir, 'node_modules/typescript/bin/tsc') // the README's TypeScript line installed it
    const checked = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: dir, encoding: 'utf8' })
    expect(`${checked.stdout}${checked.stderr}`).toBe('') // tsc's diagnostics, if any
    expect(checked.status).toBe(0)
  }, 120_000)

  it('imports /local and runs invoke() and httpGateway() with no emulator; startLocalCloud() names the install line', () => {
    writeFileSync(join(dir, 'local-probe.mjs'), localProbe)
    const out = JSON.parse(run(process.execPath, ['local-probe.mjs'], dir))
    const [localLine] = installLines('## Run locally')
    expect(localLine?.[0]).toBe('-D')
    expect(out).toEqual({
      invoked: 42,
      status: 200,
      body: { hi: 'ada' },
      cloudError: { local: true, message: expect.stringContaining(`npm install ${localLine?.join(' ')}`) },
    })
    expect(out.cloudError.message).toMatch(/needs kinesalite, dynalite, @aws-sdk\/client-kinesis/)
  }, 60_000)

  it('runs the local cloud end to end after the README /local install line', () => {
    const [localLine] = installLines('## Run locally')
    installOutput.push(npmInstall(localLine ?? [], dir))
    writeFileSync(join(dir, 'cloud-probe.mjs'), cloudProbe)
    expect(JSON.parse(run(process.execPath, ['cloud-probe.mjs'], dir))).toEqual({
      failed: 0,
      seen: ['a', 'b', 'c'],
      item: { id: 'u1', name: 'Ada' },
    })
  }, 180_000)

  // npm publishes package.json as it is: a `prepare` the clone needs (patch-package, the build) would reach every user,
  // and npm ≥ 11.16 names a tarball's or a git dependency's prepare, and any package's preinstall/install/postinstall,
  // in an install-scripts warning. The package must need no script on a user's machine, and carry none.
  it('prints no install-script warning for it, and its package.json carries no install script', () => {
    expect(installOutput.length).toBeGreaterThanOrEqual(4) // the README's three lines and the /local one
    expect(
      installOutput.flatMap(flaggedInstallScripts).filter((line) => line.includes('serverless-done-right')),
    ).toEqual([])
    const manifest = JSON.parse(run('tar', ['-xzOf', packed, 'package/package.json'], dir)) as {
      scripts?: Record<string, string>
    }
    const lifecycle = ['preinstall', 'install', 'postinstall', 'prepare', 'preprepare', 'postprepare']
    expect(Object.keys(manifest.scripts ?? {}).filter((name) => lifecycle.includes(name))).toEqual([])
    // The clone keeps its own: postpack put package.json back as it was.
    expect(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts.prepare).toMatch(/patch-package/)
    expect(existsSync(join(root, 'package.json.backup'))).toBe(false)
  })

  it('control: this npm names a tarball with a prepare script in its install-script warning', () => {
    const control = mkdtempSync(join(tmpdir(), 'sdr-install-script-control-'))
    try {
      const pkg = join(control, 'pkg')
      mkdirSync(pkg)
      const scripts = { prepare: 'node -e 0' }
      writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'sdr-control', version: '1.0.0', scripts }))
      npm(['pack', '--silent', '--ignore-scripts', '--pack-destination', control], pkg)
      writeFileSync(join(control, 'package.json'), JSON.stringify({ name: 'consumer', private: true }))
      const output = npmInstall(['./sdr-control-1.0.0.tgz'], control)
      const npmVersion = npm(['--version'], control).trim()
      expect([npmVersion, flaggedInstallScripts(output)]).toEqual([
        npmVersion,
        ['sdr-control@1.0.0 (prepare: node -e 0)'],
      ])
    } finally {
      rmSync(control, { recursive: true, force: true })
    }
  }, 60_000)
})
