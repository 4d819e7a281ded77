/**
 * One running local cloud per persistence folder. Internal.
 *
 * @module
 */
import { readFileSync } from 'node:fs'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { LocalCloudError } from './local-cloud-error.js'

const lockFileName = 'local-cloud.pid'

/** Who holds a folder: a process id, and when that process started where the system tells (`undefined` elsewhere). */
interface Holder {
  readonly pid: number
  readonly startTime: string | undefined
}

/** Whether a process with this id is running (`EPERM`: it is, but belongs to someone else). */
function isRunning(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * The start time of process `pid` in clock ticks since boot: field 22 of `/proc/<pid>/stat` (Linux). Together with
 * the id it names one process: an id is reused, an id and its start time are not. `undefined` where there is no
 * `/proc` (macOS, Windows) or the process is gone.
 */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // `pid (comm) state ppid …`: the command name may hold spaces and parentheses, so count from the last `)`.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const startTime = fields[19]
    return startTime !== undefined && /^\d+$/.test(startTime) ? startTime : undefined
  } catch {
    return undefined
  }
}

/** The lock file's text: `<pid>`, or `<pid> <start time>` (older versions wrote the id alone, and read it back). */
function formatHolder(holder: Holder): string {
  return holder.startTime === undefined ? String(holder.pid) : `${holder.pid} ${holder.startTime}`
}

function parseHolder(text: string): Holder {
  const [pid, startTime] = text.trim().split(/\s+/)
  return {
    pid: Number.parseInt(pid ?? '', 10),
    startTime: startTime !== undefined && /^\d+$/.test(startTime) ? startTime : undefined,
  }
}

/**
 * Whether the process that wrote the lock still runs. A live process with the same id but another start time is an
 * unrelated one that got the id after the holder died (PID reuse): the lock is stale. Without a recorded or a readable
 * start time, a live id counts as the holder.
 */
function holderIsAlive(holder: Holder): boolean {
  if (!isRunning(holder.pid)) return false
  if (holder.startTime === undefined) return true
  const current = processStartTime(holder.pid)
  return current === undefined || current === holder.startTime
}

/**
 * Claims `folder` for this process and returns a function that gives it back.
 *
 * LevelDB locks its folders too, but kinesalite reports a lock it cannot take by throwing from a callback, which
 * crashes the process and leaves its requests unanswered. So the cloud claims the folder first, with a lock file
 * created exclusively, holding this process's id and start time: a second cloud on the same folder (in this process or
 * another) gets a `LocalCloudError` instead. A lock left by a process that no longer runs, or whose id now belongs to
 * another process, is taken over.
 */
export async function lockFolder(folder: string): Promise<() => Promise<void>> {
  const lockPath = join(folder, lockFileName)
  const self = formatHolder({ pid: process.pid, startTime: processStartTime(process.pid) })
  for (let attempt = 0; ; attempt++) {
    try {
      await writeFile(lockPath, self, { flag: 'wx' })
      return () => rm(lockPath, { force: true })
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      const holder = parseHolder(await readFile(lockPath, 'utf8').catch(() => ''))
      // A second EEXIST: another cloud took the stale lock over between our removal and our write.
      if (attempt > 0 || holderIsAlive(holder)) {
        throw new LocalCloudError(`persistDir ${folder} is in use by another local cloud (process ${holder.pid})`)
      }
      await rm(lockPath, { force: true })
    }
  }
}
