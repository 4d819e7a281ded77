import { STATUS_CODES } from 'node:http'
import { build } from 'esbuild'
import { statusText } from '../src/status-text.js'

describe('statusText', () => {
  it("has node:http's phrase for every 4xx and 5xx status, and none for other statuses", () => {
    for (let status = 100; status <= 699; status++) {
      expect([status, statusText(status)]).toEqual([status, status >= 400 ? STATUS_CODES[status] : undefined])
    }
    expect(statusText(Number.NaN)).toBeUndefined()
    expect(statusText(404.5)).toBeUndefined()
  })

  // An ES module importing node:http costs a cold start ~35 ms of CPU on Node 22 (BENCHMARKS.md, cold-start notes).
  it('keeps node:http out of the main entry', async () => {
    const result = await build({
      stdin: {
        contents: `export * from './src/index.ts'`,
        resolveDir: new URL('..', import.meta.url).pathname,
        loader: 'ts',
      },
      bundle: true,
      write: false,
      platform: 'node',
      format: 'esm',
      packages: 'external',
      metafile: true,
      logLevel: 'silent',
    })
    const imports = Object.values(result.metafile.inputs).flatMap((input) => input.imports.map((i) => i.path))
    expect(imports).toContain('node:v8')
    expect(imports.filter((path) => /^(node:)?http$/.test(path))).toEqual([])
  })
})
