import { execFileSync } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

// Every ```ts example in the README and in the guides (docs/guides/*.md) must compile against the library as it is
// (strict settings, real types).
// Examples that import the reader's own `./handler.js` get a stand-in handler, the one thing only the reader has.
const root = new URL('..', import.meta.url).pathname
const dir = join(root, 'test', '.readme-examples')

describe('README examples', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('type-check', () => {
    const examplesOf = (file: string) =>
      [...readFileSync(join(root, file), 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1] as string)
    const guides = readdirSync(join(root, 'docs', 'guides')).filter((file) => file.endsWith('.md'))
    const readmeBlocks = examplesOf('README.md')
    const guideBlocks = guides.flatMap((guide) => examplesOf(join('docs', 'guides', guide)))
    expect(readmeBlocks.length).toBeGreaterThanOrEqual(8)
    expect(guideBlocks.length).toBeGreaterThanOrEqual(guides.length)
    const blocks = [...readmeBlocks, ...guideBlocks]
    rmSync(dir, { recursive: true, force: true })
    mkdirSync(dir, { recursive: true })
    for (const [index, code] of blocks.entries())
      writeFileSync(join(dir, `example-${index}.ts`), `${code}\nexport {}\n`)
    writeFileSync(
      join(dir, 'handler.ts'),
      `import type { Context } from 'aws-lambda'\nexport const handler = async (_event: unknown, _context: Context): Promise<unknown> => ({})\n`,
    )
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        extends: '../../tsconfig.json',
        compilerOptions: { noEmit: true, noUnusedLocals: false },
        include: ['./*.ts'],
        exclude: [],
      }),
    )
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc')
    let output = ''
    try {
      // Incremental, as `npm run typecheck` is: examples and library unchanged since the last run are not checked again.
      const buildInfo = join(root, 'node_modules', '.cache', 'tsc', 'readme-examples.tsbuildinfo')
      const args = [tsc, '-p', join(dir, 'tsconfig.json'), '--incremental', '--tsBuildInfoFile', buildInfo]
      execFileSync(process.execPath, args, { encoding: 'utf8', stdio: 'pipe' })
    } catch (error) {
      output = String((error as { stdout?: string }).stdout ?? error)
    }
    expect(output).toBe('')
  }, 120_000)
})
