/**
 * One running local cloud per persistence folder. Internal.
 *
 * @module
 */
import { readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { LocalCloudError } from './local-cloud-error.js'

const lockFileName = 'local-cloud.pid'

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
 * Claims `folder` for this process and returns a function that gives it back.
 *
 * LevelDB locks its folders too, but kinesalite reports a lock it cannot take by throwing from a callback, which
 * crashes the process and leaves its requests unanswered. So the cloud claims the folder first, with a pid file
 * created exclusively: a second cloud on the same folder (in this process or another) gets a `LocalCloudError`
 * instead. A pid file left by a process that no longer runs is taken over.
 */
export async function lockFolder(folder: string): Promise<() => Promise<void>> {
  const lockPath = join(folder, lockFileName)
  try {
    await writeFile(lockPath, String(process.pid), { flag: 'wx' })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    const holder = Number.parseInt(await readFile(lockPath, 'utf8').catch(() => ''), 10)
    if (isRunning(holder))
      throw new LocalCloudError(`persistDir ${folder} is in use by another local cloud (process ${holder})`)
    await writeFile(lockPath, String(process.pid))
  }
  return () => rm(lockPath, { force: true })
}
