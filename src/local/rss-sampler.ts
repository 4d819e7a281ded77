/**
 * One RSS sampler for every local invocation running in this process. Lambda reports each invocation's peak memory;
 * locally every invocation shares the process, so one timer reading RSS every few milliseconds serves all of them,
 * instead of a timer and two extra readings per invocation (a reading is a system call of about 10–20 µs).
 *
 * The sampler lives in a slot on `process`, like the environment overlay of `lambda-env.ts`: it is the process's, not
 * any invocation's. It stops at the first tick with nobody watching.
 *
 * @module
 */

/** Watches the process's RSS while one invocation runs. */
export interface RssWatch {
  /** Stops watching and returns the highest RSS seen since the watch began, in bytes. */
  stop(): number
}

interface Watcher {
  peak: number
}

interface Sampler {
  latest: number
  readonly watchers: Set<Watcher>
  readonly timer: NodeJS.Timeout
}

const samplerSlot = Symbol.for('serverless-done-right.local.rssSampler')
type ProcessWithSampler = NodeJS.Process & { [samplerSlot]?: Sampler }

function startSampler(host: ProcessWithSampler, intervalMs: number): Sampler {
  const sampler: Sampler = {
    latest: process.memoryUsage.rss(),
    watchers: new Set(),
    timer: setInterval(() => {
      if (sampler.watchers.size === 0) {
        clearInterval(sampler.timer)
        if (host[samplerSlot] === sampler) delete host[samplerSlot]
        return
      }
      sampler.latest = process.memoryUsage.rss()
      for (const watcher of sampler.watchers) watcher.peak = Math.max(watcher.peak, sampler.latest)
    }, intervalMs).unref(),
  }
  host[samplerSlot] = sampler
  return sampler
}

/**
 * Starts watching the process's peak RSS, sampled every `intervalMs` by the process's one sampler (started on first
 * use; its interval is the first caller's). The first and last readings of a watch are the sampler's latest.
 */
export function watchRss(intervalMs: number): RssWatch {
  const host = process as ProcessWithSampler
  const sampler = host[samplerSlot] ?? startSampler(host, intervalMs)
  const watcher: Watcher = { peak: sampler.latest }
  sampler.watchers.add(watcher)
  return {
    stop: () => {
      sampler.watchers.delete(watcher)
      return Math.max(watcher.peak, sampler.latest)
    },
  }
}
