/**
 * The two trees the redesign section compares: "before", the library at a commit extracted with `git archive` into a
 * folder inside the project (so that its imports of packages resolve from the project's node_modules), and "after",
 * this working tree. Each tree's `src/index.ts` is bundled with esbuild the way users run it (ESM for Node 22, packages
 * external) and imported, so the two libraries run side by side in one process.
 *
 * @module
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { build } from 'esbuild'
import type { fanOut, memoryWatchdog, timeoutGuard, warmup } from '../../src/index.js'

/** What the section calls of each library: the API the redesign kept (the old tree's has the same shape). */
export interface Library {
  fanOut: typeof fanOut
  timeoutGuard: typeof timeoutGuard
  warmup: typeof warmup
  memoryWatchdog: typeof memoryWatchdog
}

/** A tree of the library: its root (with `src/`, `recipes/` and `tsconfig.json`) and a label. */
export interface Tree {
  label: string
  root: string
}

/** The old tree extracted, or why it could not be. */
export type Extracted =
  | { ok: true; tree: Tree; commit: string; subject: string; commitsSince?: number }
  | { ok: false; reason: string }

const git = (root: string, args: string[], input?: Buffer): Buffer =>
  execFileSync('git', ['-C', root, ...args], { maxBuffer: 256 * 2 ** 20, stdio: ['ignore', 'pipe', 'pipe'], input })

/**
 * Extracts `src/`, `recipes/` and `tsconfig.json` of `commit` into `folder/before` (its tsconfig maps the package name
 * to its own `src/index.ts`, so the old recipes bundle the old library). Never throws: without git, a repository or
 * the commit (a tarball of the project, a shallow clone), it says why.
 */
export function extractBefore(root: string, folder: string, commit: string, redesign: string): Extracted {
  let tar: Buffer
  let subject: string
  try {
    subject = git(root, ['log', '-1', '--format=%s', commit]).toString('utf8').trim()
    tar = git(root, ['archive', '--format=tar', commit, 'src', 'recipes', 'tsconfig.json'])
  } catch (error) {
    const message = (error as { stderr?: Buffer }).stderr?.toString('utf8').trim() || (error as Error).message
    return { ok: false, reason: `commit ${commit} could not be read with git (${message.split('\n')[0]})` }
  }
  const dir = join(folder, 'before')
  mkdirSync(dir, { recursive: true })
  execFileSync('tar', ['-x', '-C', dir], { input: tar, maxBuffer: 16 * 2 ** 20 })
  let commitsSince: number | undefined
  try {
    commitsSince = Number(
      git(root, ['rev-list', '--count', `${redesign}..HEAD`])
        .toString('utf8')
        .trim(),
    )
  } catch {
    commitsSince = undefined
  }
  return {
    ok: true,
    tree: { label: `before (${commit})`, root: dir },
    commit,
    subject,
    ...(commitsSince === undefined ? {} : { commitsSince }),
  }
}

/** Bundles a tree's `src/index.ts` into `folder` and imports it. */
export async function loadLibrary(tree: Tree, folder: string, name: string): Promise<Library> {
  const outfile = join(folder, `${name}.mjs`)
  await build({
    entryPoints: [join(tree.root, 'src', 'index.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    packages: 'external',
    outfile,
    logLevel: 'error',
  })
  return (await import(pathToFileURL(outfile).href)) as Library
}
