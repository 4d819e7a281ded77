/**
 * The demo's progress display: bars on a terminal, a line every two seconds otherwise (CI logs, the demo's test).
 *
 * @module
 */
import { MultiBar, Presets } from 'cli-progress'

/** Shows progress: bars on a terminal, a line every two seconds and one at the end otherwise (CI logs, the test). Returns its stop. */
export function progress(total: number, read: () => Progress): () => void {
  const stop = showProgress(total, read)
  let stopped = false
  return () => {
    if (!stopped) stop()
    stopped = true
  }
}

/** What the display shows. */
export interface Progress {
  sent: number
  processed: number
  reduced: number
  api: number
}

function showProgress(total: number, read: () => Progress): () => void {
  if (process.stdout.isTTY) {
    const bars = new MultiBar(
      { format: '{label} [{bar}] {value}/{total}', hideCursor: true, clearOnComplete: false },
      Presets.shades_classic,
    )
    const sent = bars.create(total, 0, { label: 'sent to logs      ' })
    const processed = bars.create(total, 0, { label: 'log processor     ' })
    const reduced = bars.create(total, 0, { label: 'stream reducer    ' })
    const timer = setInterval(() => {
      const now = read()
      sent.update(now.sent)
      processed.update(Math.min(total, now.processed))
      reduced.update(Math.min(total, now.reduced))
    }, 200)
    return () => {
      clearInterval(timer)
      const now = read()
      sent.update(now.sent)
      processed.update(Math.min(total, now.processed))
      reduced.update(Math.min(total, now.reduced))
      bars.stop()
    }
  }
  const line = (): void => {
    const now = read()
    console.log(
      `progress: sent ${now.sent}/${total}, processed ${now.processed}, reduced ${now.reduced}, API calls ${now.api}`,
    )
  }
  const timer = setInterval(line, 2000)
  return () => {
    clearInterval(timer)
    // A run shorter than one interval still shows where it ended.
    line()
  }
}
