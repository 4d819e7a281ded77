/**
 * The persistence folder's lock names its holder by process id and start time: after the holder died and its id went
 * to an unrelated live process (PID reuse), the folder used to stay blocked for as long as that process ran.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LocalCloudError, startLocalCloud } from 'serverless-done-right/local'
import { lockFolder, processStartTime } from '../../src/local/folder-lock.js'

let folder: string
let unrelated: ChildProcess
let unrelatedPid: number

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'sdr-lock-'))
  // A live process that is no local cloud: what a reused id points at.
  unrelated = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 120000)'], { stdio: 'ignore' })
  await new Promise((resolve) => unrelated.once('spawn', resolve))
  unrelatedPid = unrelated.pid as number
})

afterAll(async () => {
  unrelated.kill()
  await rm(folder, { recursive: true, force: true })
})

const lockPath = (dir: string) => join(dir, 'local-cloud.pid')

async function folderWithLock(name: string, text: string): Promise<string> {
  const dir = join(folder, name)
  await rm(dir, { recursive: true, force: true })
  await mkdir(dir, { recursive: true })
  await writeFile(lockPath(dir), text)
  return dir
}

describe('processStartTime', () => {
  it('reads a start time per process: stable for one process, absent for one that does not exist', () => {
    const own = processStartTime(process.pid)
    expect(own).toMatch(/^\d+$/)
    expect(processStartTime(process.pid)).toBe(own)
    expect(processStartTime(unrelatedPid)).toMatch(/^\d+$/)
    expect(processStartTime(2 ** 22 + 1)).toBeUndefined()
  })
})

describe('lockFolder', () => {
  it('writes the holder’s id and start time', async () => {
    const dir = await folderWithLock('fresh', '')
    await rm(lockPath(dir))
    const release = await lockFolder(dir)
    expect(await readFile(lockPath(dir), 'utf8')).toBe(`${process.pid} ${processStartTime(process.pid)}`)
    await release()
  })

  it('takes over a lock whose id now belongs to an unrelated live process (PID reuse)', async () => {
    const startTime = processStartTime(unrelatedPid) as string
    const dir = await folderWithLock('reused', `${unrelatedPid} ${BigInt(startTime) + 1n}`)
    const release = await lockFolder(dir)
    expect(await readFile(lockPath(dir), 'utf8')).toBe(`${process.pid} ${processStartTime(process.pid)}`)
    await release()
  })

  it('refuses while the process that wrote the lock runs, by id and start time or by id alone (older locks)', async () => {
    const startTime = processStartTime(unrelatedPid) as string
    const exact = await folderWithLock('held', `${unrelatedPid} ${startTime}`)
    await expect(lockFolder(exact)).rejects.toThrow(
      new LocalCloudError(`persistDir ${exact} is in use by another local cloud (process ${unrelatedPid})`),
    )
    const legacy = await folderWithLock('held-legacy', String(unrelatedPid))
    await expect(lockFolder(legacy)).rejects.toThrow(LocalCloudError)
  })

  it('lets a local cloud start on a folder whose lock names a reused id', async () => {
    const dir = await folderWithLock('cloud', `${unrelatedPid} 1`)
    const cloud = await startLocalCloud({ persistDir: dir })
    await cloud.stop()
  })
})
