import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { build } from 'esbuild'

/** How a child process ended, and the first JSON line it printed (`undefined` when it printed none, e.g. it died). */
export interface ChildOutcome<Result> {
  result: Result | undefined
  exitCode: number | null
  signal: NodeJS.Signals | null
  stderr: string
}

/** A TypeScript child script bundled once with esbuild, so each child starts in a fraction of a second. */
export interface BundledChild {
  /** Runs the bundle with Node flags (`--max-old-space-size=64`, …) and arguments; killed after `killAfterMs`. */
  run<Result>(
    nodeFlags: readonly string[],
    args: readonly string[],
    killAfterMs?: number,
  ): Promise<ChildOutcome<Result>>
  /** Removes the bundle. */
  remove(): void
}

/** Bundles `entry` (a `.ts` file's URL) into a temporary folder. */
export async function bundleChild(entry: URL): Promise<BundledChild> {
  const folder = mkdtempSync(join(tmpdir(), 'sdr-child-'))
  const script = join(folder, 'child.mjs')
  await build({
    entryPoints: [entry.pathname],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    outfile: script,
    logLevel: 'error',
  })
  return {
    run: (nodeFlags, args, killAfterMs = 100_000) =>
      new Promise((resolve, reject) => {
        // Without jest's NODE_OPTIONS (--experimental-vm-modules): the child is a plain Node process.
        const { NODE_OPTIONS: _ignored, ...env } = process.env
        const child = spawn(process.execPath, [...nodeFlags, script, ...args], {
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
        })
        const killer = setTimeout(() => child.kill('SIGKILL'), killAfterMs)
        let stdout = ''
        let stderr = ''
        child.stdout.on('data', (chunk) => {
          stdout += chunk
        })
        child.stderr.on('data', (chunk) => {
          stderr += chunk
        })
        child.on('error', reject)
        child.on('close', (exitCode, signal) => {
          clearTimeout(killer)
          const line = stdout.split('\n').find((text) => text.startsWith('{'))
          resolve({ result: line ? JSON.parse(line) : undefined, exitCode, signal, stderr })
        })
      }),
    remove: () => rmSync(folder, { recursive: true, force: true }),
  }
}
