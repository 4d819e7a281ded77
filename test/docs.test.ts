import { execFile } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { promisify } from 'node:util'
import { inflateSync } from 'node:zlib'

// Builds the docs site once, the way `npm run docs` does (typedoc.json, warnings are errors), into a scratch folder,
// and checks what a reader gets: rendered pages instead of raw markdown, the sidebar grouped by capability, every
// guide, recipe and reference page present, one title on the index.
const root = new URL('..', import.meta.url).pathname
const out = mkdtempSync(join(tmpdir(), 'sdr-docs-'))

interface NavNode {
  readonly text: string
  readonly path?: string
  readonly children?: readonly NavNode[]
}

let build = { stdout: '', stderr: '' }
let pages: string[] = []
let navigation: NavNode[] = []

const read = (page: string) => readFileSync(join(out, page), 'utf8')
const find = (nodes: readonly NavNode[], text: string) => nodes.find((node) => node.text === text)
const childTexts = (node: NavNode | undefined) => (node?.children ?? []).map((child) => child.text)
const titleOf = (markdown: string) => /^title: (.+)$/m.exec(markdown)?.[1]?.trim()

function htmlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return htmlFiles(path)
    return entry.name.endsWith('.html') ? [relative(out, path)] : []
  })
}

beforeAll(async () => {
  const typedoc = join(root, 'node_modules', 'typedoc', 'bin', 'typedoc')
  const env = { ...process.env, NODE_OPTIONS: '' } // jest's --experimental-vm-modules is not TypeDoc's business
  build = await promisify(execFile)(process.execPath, [typedoc, '--out', out], { cwd: root, env, maxBuffer: 1 << 24 })
  pages = htmlFiles(out)
  // TypeDoc ships the sidebar as base64 of deflated JSON, which its script inflates in the browser.
  const script = read('assets/navigation.js')
  const data = /window\.navigationData = "([^"]+)"/.exec(script)?.[1] ?? ''
  navigation = JSON.parse(inflateSync(Buffer.from(data, 'base64')).toString('utf8')) as NavNode[]
}, 240_000)

afterAll(() => rmSync(out, { recursive: true, force: true }))

describe('docs site', () => {
  it('builds without a warning', () => {
    expect(`${build.stdout}${build.stderr}`).not.toMatch(/\[(warning|error)\]/)
    expect(pages).toContain('index.html')
  })

  it('links no raw markdown: no media/*.md and no relative .md link on any page', () => {
    const rawLinks = pages.flatMap((page) =>
      [...read(page).matchAll(/href="([^"#]+\.md)(#[^"]*)?"/g)]
        .map((match) => `${page} -> ${match[1]}`)
        .filter((link) => !/-> https?:/.test(link)),
    )
    expect(rawLinks).toEqual([])
    expect(
      readdirSync(join(out, 'media'), { withFileTypes: true }).filter((file) => file.name.endsWith('.md')),
    ).toEqual([])
  })

  it("resolves the README's links to the guide, recipe, deploy, benchmark, reliability and error pages", () => {
    const index = read('index.html')
    const targets = [
      'documents/Guides.html',
      'documents/Recipes.Kinesis_log_processor.html',
      'documents/Recipes.REST_user_API.html',
      'documents/Recipes.Stream_reducer.html',
      'documents/Recipes.Deploy_to_AWS.html',
      'documents/Reference.Benchmarks.html',
      'documents/Reference.Reliability.html',
      'documents/Reference.Error_codes.html',
    ]
    expect(targets.filter((page) => !pages.includes(page))).toEqual([])
    expect(targets.filter((page) => !index.includes(`href="${page}`))).toEqual([])
  })

  it('shows the title of the index once', () => {
    expect(read('index.html').match(/<h1[\s>]/g)).toHaveLength(1)
  })

  it('groups the API in the sidebar by capability', () => {
    const main = find(navigation, 'serverless-done-right')
    const local = find(navigation, 'serverless-done-right/local')
    expect(childTexts(main)).toEqual(
      expect.arrayContaining(['Guards', 'Validation and errors', 'Batches', 'Kinesis output', 'Errors']),
    )
    expect(childTexts(local)).toEqual(expect.arrayContaining(['Local cloud', 'Errors']))
    const members = (module: NavNode | undefined, group: string) => childTexts(find(module?.children ?? [], group))
    expect(members(main, 'Guards')).toEqual(expect.arrayContaining(['warmup', 'timeoutGuard', 'memoryWatchdog']))
    expect(members(main, 'Validation and errors')).toEqual(expect.arrayContaining(['validate', 'httpErrors']))
    expect(members(main, 'Batches')).toEqual(expect.arrayContaining(['fanOut', 'windowReducer']))
    expect(members(main, 'Kinesis output')).toEqual(expect.arrayContaining(['putRecords']))
    expect(members(main, 'Errors')).toEqual(expect.arrayContaining(['ServerlessDoneRightError', 'HttpError']))
    expect(members(local, 'Local cloud')).toEqual(expect.arrayContaining(['startLocalCloud', 'invoke', 'httpGateway']))
    expect(members(local, 'Errors')).toEqual(expect.arrayContaining(['LocalCloudError', 'LocalOptionsError']))
  })

  it('renders every guide in docs/guides/ and lists it under Guides', () => {
    const guides = readdirSync(join(root, 'docs', 'guides')).filter((file) => file.endsWith('.md'))
    expect(guides.length).toBeGreaterThanOrEqual(6)
    const listed = childTexts(find(navigation, 'Guides'))
    for (const guide of guides) {
      const title = titleOf(readFileSync(join(root, 'docs', 'guides', guide), 'utf8'))
      expect({ guide, title }).toEqual({ guide, title: expect.any(String) })
      expect(listed).toContain(title)
      const page = `documents/Guides.${(title as string).replace(/\W/g, '_')}.html`
      expect(pages).toContain(page)
      expect(read(page)).toMatch(new RegExp(`<h1[^>]*>${title}<`))
    }
  })

  it('gives every code block of a rendered page a language (TypeDoc highlights an untagged one as TypeScript)', () => {
    const sources = [
      'README.md',
      'BENCHMARKS.md',
      'RELIABILITY.md',
      ...['kinesis-log-processor', 'rest-user-api', 'stream-reducer', 'deploy'].map(
        (name) => `recipes/${name}/README.md`,
      ),
      ...readdirSync(join(root, 'docs'))
        .filter((file) => file.endsWith('.md'))
        .map((file) => `docs/${file}`),
      ...readdirSync(join(root, 'docs', 'guides')).map((file) => `docs/guides/${file}`),
    ]
    const untagged = sources.flatMap((source) => {
      const fences = readFileSync(join(root, source), 'utf8')
        .split('\n')
        .flatMap((line, index) => {
          const fence = /^\s*```(\S*)/.exec(line)
          return fence ? [{ line: index + 1, language: fence[1] }] : []
        })
      // Fences alternate: opening, closing. Only an opening one names a language.
      return fences.filter((fence, index) => index % 2 === 0 && fence.language === '').map((f) => `${source}:${f.line}`)
    })
    expect(untagged).toEqual([])
  })

  it('lists the recipes and the reference pages in the sidebar', () => {
    expect(childTexts(find(navigation, 'Recipes'))).toEqual([
      'Kinesis log processor',
      'REST user API',
      'Stream reducer',
      'Deploy to AWS',
    ])
    expect(childTexts(find(navigation, 'Reference'))).toEqual(['Error codes', 'Benchmarks', 'Reliability'])
  })
})
