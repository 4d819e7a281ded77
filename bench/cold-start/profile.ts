/**
 * Where a cold start's CPU goes, by package: reads a V8 `.cpuprofile` (`node --cpu-prof`) of a process that imported a
 * bundle and splits its samples by the package of the code that ran. A sample in bundled code is mapped through the
 * bundle's source map to its original file (the function's position, or the line of the sample when the bundle keeps
 * one statement per line); a sample in Node's own code (the module loader, the compiler) goes to the nearest caller
 * that is package code, and to `node` when there is none (start-up, reading and compiling files before any of them
 * runs). Garbage collection is its own row.
 *
 * @module
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { SourceMap, type SourceMapPayload } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { promisify } from 'node:util'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }
  children?: number[]
  positionTicks?: { line: number; ticks: number }[]
}
interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
  startTime: number
  endTime: number
}

/** The group a source file belongs to: a package, this library, the recipe, or Node. */
export function groupOf(path: string): string {
  const at = path.lastIndexOf('node_modules/')
  if (at >= 0) {
    const [scope = '', name = ''] = path.slice(at + 'node_modules/'.length).split('/')
    const pkg = scope.startsWith('@') ? `${scope}/${name}` : scope
    if (pkg === 'zod') return 'zod'
    if (pkg.startsWith('@aws-lambda-powertools/')) return 'Powertools'
    if (/^(aws-xray-sdk|@aws\/|cls-hooked|atomic-batcher|async-hook-jl|emitter-listener|shimmer|stack-chain)/.test(pkg))
      return 'X-Ray SDK'
    if (/^(@aws-sdk\/|@smithy\/|@aws-crypto\/|fast-xml-parser|strnum|tslib|uuid|bowser)/.test(pkg)) return 'AWS SDK'
    if (pkg.startsWith('@middy/')) return 'Middy'
    return pkg
  }
  if (/(^|\/)src\//.test(path) && !path.includes('recipes/')) return 'this library'
  if (path.includes('recipes/') || path.includes('bench/')) return 'recipe code'
  return 'other'
}

/**
 * What Node was doing when no package code was on the stack: compiling the bundle (one ESM file: every package in it),
 * loading the external `@aws-sdk/*` CommonJS files the bundle imports (the only files it loads from node_modules),
 * building the ESM namespace of a built-in module the bundle imports (it reads every export, lazy getters included),
 * or its own
 * start-up.
 */
function loaderStep(stack: readonly string[]): string {
  if (stack.includes('compileSourceTextModule')) return 'compiling the bundle'
  if (stack.some((f) => /^(commonjsStrategy|cjsPreparseModuleExports|createCJSModuleWrap|wrapSafe)$/.test(f)))
    return 'AWS SDK'
  if (stack.includes('builtinStrategy')) return 'Node built-ins imported as ESM'
  return 'Node start-up and module loader'
}

/** Milliseconds of CPU samples by group, largest first, and the total. */
export function splitProfile(profileFile: string, bundleFile: string): { total: number; groups: [string, number][] } {
  const profile = JSON.parse(readFileSync(profileFile, 'utf8')) as Profile
  const bundleUrl = new URL(`file://${bundleFile}`).href
  const map = new SourceMap(JSON.parse(readFileSync(`${bundleFile}.map`, 'utf8')) as SourceMapPayload)
  const sources = (line: number, column: number) => {
    const entry = map.findEntry(line, column)
    if (!('originalSource' in entry) || !entry.originalSource) return undefined
    const source = entry.originalSource
    return groupOf(source.startsWith('file:') ? fileURLToPath(source) : resolve(dirname(bundleFile), source))
  }
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const parent = new Map<number, number>()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const codeGroup = (n: ProfileNode): string | undefined => {
    const { url, lineNumber, columnNumber, functionName } = n.callFrame
    if (functionName === '(garbage collector)') return 'garbage collection'
    if (url === bundleUrl) return sources(lineNumber, columnNumber)
    if (url.startsWith('file://')) return groupOf(fileURLToPath(url))
    return undefined
  }
  // Self time of each node, from the samples and the time between them (µs).
  const self = new Map<number, number>()
  profile.samples.forEach((id, i) => {
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? 0))
  })
  const totals = new Map<string, number>()
  const add = (group: string, us: number) => totals.set(group, (totals.get(group) ?? 0) + us)
  for (const [id, us] of self) {
    const node = byId.get(id) as ProfileNode
    if (node.callFrame.functionName === '(idle)') continue
    // Bundled top-level code: one function for every module's top level; its line ticks say whose statement ran.
    if (node.callFrame.url === bundleUrl && node.positionTicks && node.positionTicks.length > 0) {
      const ticks = node.positionTicks.reduce((sum, p) => sum + p.ticks, 0)
      for (const p of node.positionTicks) add(sources(p.line - 1, 0) ?? 'bundle (unmapped)', (us * p.ticks) / ticks)
      continue
    }
    let group: string | undefined
    const internal: string[] = []
    for (let at: number | undefined = id; at !== undefined && group === undefined; at = parent.get(at)) {
      const node = byId.get(at) as ProfileNode
      group = codeGroup(node)
      internal.push(node.callFrame.functionName)
    }
    add(group ?? loaderStep(internal), us)
  }
  const total = [...totals.values()].reduce((a, b) => a + b, 0) / 1000
  return { total, groups: [...totals].map(([g, us]) => [g, us / 1000] as [string, number]).sort((a, b) => b[1] - a[1]) }
}

/**
 * Profiles one import of `bundleFile` in a fresh Node process (`--cpu-prof`, 0.1 ms sampling) with `env`, and splits
 * it with {@link splitProfile}.
 */
export async function profileImport(
  bundleFile: string,
  env: Record<string, string>,
): Promise<{ total: number; groups: [string, number][] }> {
  const dir = mkdtempSync(join(dirname(bundleFile), 'prof-'))
  try {
    const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env }
    delete childEnv.NODE_OPTIONS
    const script = `await import(${JSON.stringify(pathToFileURL(bundleFile).href)})`
    await promisify(execFile)(
      process.execPath,
      ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-interval', '100', '--input-type=module', '-e', script],
      { env: childEnv },
    )
    const [file] = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))
    if (file === undefined) throw new Error(`no CPU profile for ${bundleFile}`)
    return splitProfile(join(dir, file), bundleFile)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
