/**
 * `npm start -- --serve` stops on SIGINT or SIGTERM sent to `npm start`'s own process or to its process group: no
 * process of the tree (npm, node) outlives it. It used to leave tsx and node serving, re-parented, because the signal
 * stopped at the shell npm runs the script in.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../..', import.meta.url))

/** Whether any process of the group `pgid` is still alive (signal 0 only checks). */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false
    throw error
  }
}

/** Starts `npm start -- --serve` as the leader of a new process group and resolves once the API is up. */
async function startServing(): Promise<{ child: ChildProcess; output: () => string }> {
  const env = { ...process.env }
  delete env.NODE_OPTIONS // jest's --experimental-vm-modules is not the demo's business
  const child = spawn('npm', ['start', '--', '--serve', '--events', '100'], {
    cwd: root,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8')
  })
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8')
  })
  const deadline = Date.now() + 120_000
  while (!output.includes('Ctrl-C stops it.')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the demo did not start serving:\n${output}`)
    await sleep(200)
  }
  return { child, output: () => output }
}

describe('npm start -- --serve', () => {
  it.each([
    ['SIGTERM', 'npm'],
    ['SIGINT', 'npm'],
    ['SIGINT', 'group'],
  ] as const)(
    'stops the whole process tree on %s sent to the %s',
    async (signal, target) => {
      const { child, output } = await startServing()
      const pgid = child.pid as number
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
      try {
        process.kill(target === 'group' ? -pgid : pgid, signal)
        await exited
        const deadline = Date.now() + 15_000
        while (groupAlive(pgid) && Date.now() < deadline) await sleep(100)
        expect({ alive: groupAlive(pgid), output: groupAlive(pgid) ? output() : '' }).toEqual({
          alive: false,
          output: '',
        })
      } finally {
        if (groupAlive(pgid)) process.kill(-pgid, 'SIGKILL')
      }
    },
    180_000,
  )
})
