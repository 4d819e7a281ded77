/**
 * The redesign bench section's pure parts (`bench/redesign/`): which bytes of a bundle count as the library's, the
 * paired differences, the size rows, and the old tree's extraction, which must report a missing commit or repository
 * instead of throwing (the section then says so and measures nothing). The timings themselves run in `npm run bench`.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Metafile } from 'esbuild'
import { pairedDifference, SHARE, shareFigures } from '../../bench/redesign/figures.js'
import { libraryBytes } from '../../bench/redesign/share.js'
import { extractBefore } from '../../bench/redesign/trees.js'

const root = new URL('../..', import.meta.url).pathname

describe('libraryBytes', () => {
  it("counts the entry output's inputs under src/ only", () => {
    const input = (bytesInOutput: number) => ({ bytesInOutput })
    const metafile = {
      inputs: {},
      outputs: {
        'out/handler.js.map': { bytes: 9, inputs: {}, imports: [], exports: [] },
        'out/chunk.js': { bytes: 9, inputs: { 'src/batch/pipeline.ts': input(1000) }, imports: [], exports: [] },
        'out/handler.js': {
          bytes: 9,
          entryPoint: 'recipes/a/handler.ts',
          inputs: {
            'src/index.ts': input(0),
            'src/budget.ts': input(300),
            'src/guards/timeout.ts': input(700),
            'recipes/a/handler.ts': input(50),
            '../../src/budget.ts': input(4000),
            'node_modules/zod/v4/core/core.js': input(9000),
          },
          imports: [],
          exports: [],
        },
      },
    } as Metafile
    expect(libraryBytes(metafile)).toEqual({ bytes: 1000, modules: 3 })
  })
})

describe('pairedDifference', () => {
  it('subtracts round by round, absolute or in % of before', () => {
    expect(pairedDifference([3, 5, 4], [2, 5, 8])).toEqual([1, 0, -4])
    expect(pairedDifference([3, 5, 4], [2, 5, 8], true)).toEqual([50, 0, -50])
  })

  it('refuses samples that do not pair up', () => {
    expect(() => pairedDifference([1, 2], [1])).toThrow(/2 against 1/)
  })
})

describe('shareFigures', () => {
  it('gives before, after compared to before, and the difference, in KB of 1,024 bytes', () => {
    const rows = shareFigures([{ recipe: 'r', before: 2048, after: 3072 }], 'old', 'new')
    expect(rows.map((f) => [f.section, f.name, f.value, f.comparedTo])).toEqual([
      [SHARE, 'r: old', 2, undefined],
      [SHARE, 'r: new', 3, 'r: old'],
      [SHARE, 'r: after − before', 1, undefined],
    ])
  })
})

describe('extractBefore', () => {
  let folder: string
  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'redesign-test-'))
  })
  afterEach(() => rmSync(folder, { recursive: true, force: true }))

  it("extracts a commit's src/, recipes/ and tsconfig.json", () => {
    const extracted = extractBefore(root, folder, 'HEAD', 'HEAD')
    expect(extracted).toMatchObject({ ok: true, commit: 'HEAD', commitsSince: 0 })
    const dir = extracted.ok ? extracted.tree.root : ''
    expect(readFileSync(join(dir, 'src', 'index.ts'), 'utf8')).toContain('export')
    expect(existsSync(join(dir, 'recipes', 'rest-user-api', 'handler.ts'))).toBe(true)
    expect(existsSync(join(dir, 'tsconfig.json'))).toBe(true)
  })

  it('says why, without throwing, when the commit is not there', () => {
    const extracted = extractBefore(root, folder, '0000000000000000000000000000000000000000', 'HEAD')
    expect(extracted).toMatchObject({ ok: false, reason: expect.stringContaining('0000000000') })
  })

  it('says why, without throwing, outside a git repository', () => {
    const extracted = extractBefore(folder, folder, '7364111', '1064071')
    expect(extracted).toMatchObject({ ok: false, reason: expect.stringContaining('7364111') })
  })
})
