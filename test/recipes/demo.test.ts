import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../..', import.meta.url))

interface Summary {
  ok: boolean
  seconds: number
  eventsIn: number
  valid: number
  invalid: number
  eventsOut: number
  outputRecords: number
  deadLettered: number
  threats: Record<string, number>
  windows: number
  counted: number
  api: { requests: number; statuses: Record<string, number>; unexpected: number; p50: number; p95: number; p99: number }
}

/** Runs a command in the repository the way a user would, and collects its exit code and output. */
function run(command: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env }
    delete env.NODE_OPTIONS // jest's --experimental-vm-modules is not the demo's business
    const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8')
    })
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8')
    })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

describe('npm start', () => {
  it('runs the demo with --events 2000, exits 0 and prints a summary that adds up', async () => {
    const { code, stdout, stderr } = await run('npm', ['start', '--', '--events', '2000'])
    expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' })

    const line = stdout.split('\n').find((text) => text.startsWith('summary: '))
    expect(line).toBeDefined()
    const summary = JSON.parse((line as string).slice('summary: '.length)) as Summary
    expect(summary.ok).toBe(true)
    expect(summary.eventsIn).toBe(2000)
    expect(summary.valid + summary.invalid).toBe(2000)
    expect(summary.invalid).toBeGreaterThan(0)
    expect(summary.eventsOut).toBe(summary.valid)
    expect(summary.outputRecords).toBeGreaterThanOrEqual(summary.eventsOut)
    expect(summary.deadLettered).toBe(summary.invalid)
    expect(Object.keys(summary.threats).sort()).toEqual([
      'brute-force',
      'command-injection',
      'path-traversal',
      'scanner',
      'sql-injection',
      'xss',
    ])
    expect(summary.windows).toBeGreaterThan(0)
    expect(summary.counted).toBeGreaterThanOrEqual(summary.valid)
    expect(summary.api.unexpected).toBe(0)
    for (const status of ['200', '201', '204', '400', '404', '405', '412', '428']) {
      expect(summary.api.statuses[status]).toBeGreaterThan(0)
    }
    expect(summary.api.p50).toBeLessThanOrEqual(summary.api.p95)
    expect(summary.api.p95).toBeLessThanOrEqual(summary.api.p99)

    // What a reader sees: progress lines (stdout is no terminal here) and the summary's sections.
    expect(stdout).toMatch(/^progress: sent \d+\/2000/m)
    expect(stdout).toMatch(/^log processor {4}events in {7}2,000 \(/m)
    expect(stdout).toMatch(/^stream reducer {3}\d\d:\d\d:\d\d window/m)
    expect(stdout).toMatch(/^user API {9}\d+ requests: /m)
    expect(stdout).toMatch(/latency p50 [\d.]+ ms, p95 [\d.]+ ms, p99 [\d.]+ ms/)
    expect(stdout).toMatch(/^took {13}[\d.]+ s: setup [\d.]+ s, sending [\d.]+ s, draining [\d.]+ s, reading back/m)
  }, 300_000)
})
