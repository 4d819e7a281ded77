/**
 * `npm start` (recipes/demo.ts) timed from spawn to exit, as a user runs it (issue 18, target 2: under 15 s for
 * 20,000 events on two cores). The demo puts the events while its three services run on the local cloud, drains the
 * event sources and checks everything it sent; its last line is `summary: <JSON>`, whose `ok` must be true.
 *
 * Part of the demo's time is not CPU: the stream reducer's tumbling windows are 10 s long, and `drain()` waits for the
 * window holding the last event to end on the wall clock and have its final invocation (0 to 10 s after the last put).
 */
import { spawn } from 'node:child_process'
import type { Figure, Target } from './lib/report.js'
import { target } from './lib/report.js'

interface DemoSummary {
  ok: boolean
  seconds: number
}

/** Runs the demo once in a child process (Node with tsx, as `npm start` does) and returns its wall time and summary. */
function runDemo(root: string, events: number): Promise<{ ms: number; summary: DemoSummary; took: string }> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env }
    delete env.NODE_OPTIONS
    const started = performance.now()
    const child = spawn(process.execPath, ['--import', 'tsx', 'recipes/demo.ts', '--events', String(events)], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    child.on('error', reject)
    child.on('exit', (code) => {
      const ms = performance.now() - started
      const line = output.split('\n').find((text) => text.startsWith('summary: '))
      const took = output.split('\n').find((text) => text.startsWith('took')) ?? ''
      if (code !== 0 || line === undefined) {
        reject(new Error(`npm start exited with ${code}:\n${output.slice(-2000)}`))
        return
      }
      resolve({ ms, summary: JSON.parse(line.slice('summary: '.length)) as DemoSummary, took })
    })
  })
}

/** The `npm start` figure and its target. */
export async function npmStartBenchmark(
  root: string,
  section: string,
  events: number,
): Promise<{ figures: Figure[]; targets: Target[] }> {
  console.log(`  npm start -- --events ${events} …`)
  const { ms, summary, took } = await runDemo(root, events)
  if (!summary.ok) throw new Error('npm start: the demo summary is not ok')
  const phases = took.replace(/^took\s+/, '').trim()
  console.log(`  npm start: ${(ms / 1000).toFixed(1)} s spawn to exit (${phases})`)
  const figures: Figure[] = [
    {
      section,
      name: `npm start (${events} events): spawn to exit`,
      unit: 's',
      value: ms / 1000,
      statistic: 'once',
      samples: 1,
      note: `the demo's own account: ${phases}`,
    },
  ]
  const targets = [
    target(
      section,
      `npm start (${events} events), spawn to exit / 15 s`,
      ms / 15_000,
      1,
      'atMost',
      `issue 18: npm start with ${events} events under 15 s on two cores; this run ${(ms / 1000).toFixed(1)} s (${phases})`,
    ),
  ]
  return { figures, targets }
}
