/**
 * The bundles' `node:http`, read through CommonJS (see {@link nodeHttpShim}). Its own module so that the cold-start
 * benchmark bundles the way the recipes deploy without loading the CDK.
 *
 * @module
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** What the bundle gets for `node:http`: the built-in module itself, read through CommonJS. */
export const nodeHttpShimSource = "module.exports = process.getBuiltinModule('node:http')\n"

/**
 * A file the bundles take `node:http` from (esbuild `alias`): Node 22 answers an ESM `import … from 'node:http'` by
 * building the module's ESM namespace, which reads every export, and three of them (`WebSocket`, `CloseEvent`,
 * `MessageEvent`) are getters that load undici (with `node:http2`, `tls`, `zlib`): ~40 ms of CPU at every cold start
 * for classes nobody asked for (`npm run bench`, cold-start section). The AWS SDK's HTTP handler, the X-Ray SDK the
 * tracer loads and Middy's util import `node:http` (this library does not: `src/status-text.ts`); through this
 * CommonJS file the bundle reads only what it uses. Written once to the temporary directory: esbuild needs a file,
 * and an installed package has no writable place of its own.
 */
export function nodeHttpShim(): string {
  const file = join(tmpdir(), 'serverless-done-right-node-http.cjs')
  if (existsSync(file) && readFileSync(file, 'utf8') === nodeHttpShimSource) return file
  // Written beside it and renamed into place: a synth running at the same time never reads a half-written file.
  const partial = `${file}.${process.pid}.${Date.now()}`
  writeFileSync(partial, nodeHttpShimSource)
  renameSync(partial, file)
  return file
}
