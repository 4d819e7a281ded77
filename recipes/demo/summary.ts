/**
 * The demo's summary: what came out of the streams, the counts table and the API, checked against what was sent.
 *
 * @module
 */
import type { LocalCloud } from 'serverless-done-right/local'
import { threatCounts } from '../kinesis-log-processor/enrich.js'
import { readStreamData } from '../kinesis-log-processor/local.js'
import type { sampleTraffic } from '../kinesis-log-processor/sample-traffic.js'
import type { DeadLetter, EnrichedLogEvent } from '../kinesis-log-processor/schema.js'
import { readWindowCounts } from '../stream-reducer/app.js'
import { streamReducerSettings } from '../stream-reducer/settings.js'
import { type ApiCall, percentile } from './api-session.js'
import type { AuditSummary } from './audit.js'

/** Where the demo's streams and tables are. */
export interface DemoNames {
  readonly enriched: string
  readonly deadLetter: string
  readonly counts: string
}

const count = (value: number) => value.toLocaleString('en-US')

/**
 * Reads back the output and dead-letter streams and each window's counts, prints the summary, and returns it with
 * `ok` false when something does not add up (each problem printed). The last line printed is `summary: <JSON>`.
 */
export async function summarize(
  names: DemoNames,
  cloud: LocalCloud,
  traffic: ReturnType<typeof sampleTraffic>,
  calls: readonly ApiCall[],
  times: {
    firstPutAt: number
    lastPutAt: number
    startedAt: number
    phases: { setup: number; sending: number; draining: number }
  },
  events: number,
  audit: AuditSummary,
) {
  const readBackStart = Date.now()
  const { firstPutAt, lastPutAt, startedAt, phases } = times
  const output = (await readStreamData(cloud.kinesis, names.enriched)).map(
    (data) => JSON.parse(data) as EnrichedLogEvent,
  )
  const letters = (await readStreamData(cloud.kinesis, names.deadLetter)).map((data) => JSON.parse(data) as DeadLetter)
  const outIds = new Set(output.map((event) => String(event.requestId)))
  const threats = threatCounts(output)

  const windowMs = streamReducerSettings.eventSource.tumblingWindowInSeconds * 1000
  const windows: Array<{ start: string; total: number; top: Array<[string, number]> }> = []
  for (let start = Math.floor(firstPutAt / windowMs) * windowMs; start <= lastPutAt; start += windowMs) {
    const counts = await readWindowCounts({
      documentClient: cloud.documentClient,
      tableName: names.counts,
      windowStart: new Date(start),
    })
    const entries = Object.entries(counts).sort((a, b) => b[1] - a[1])
    const total = entries.reduce((sum, [, value]) => sum + value, 0)
    if (total > 0) windows.push({ start: new Date(start).toISOString(), total, top: entries.slice(0, 3) })
  }
  const counted = windows.reduce((sum, window) => sum + window.total, 0)

  const latencies = calls.map((call) => call.ms).sort((a, b) => a - b)
  const statuses: Record<string, number> = {}
  for (const { status } of calls) statuses[status] = (statuses[status] ?? 0) + 1
  const unexpected = calls.filter((call) => !call.expected.includes(call.status))

  const valid = traffic.validRequestIds.length
  const problems: string[] = []
  const missing = traffic.validRequestIds.filter((id) => !outIds.has(id)).length
  if (missing > 0) problems.push(`${missing} valid events are not on ${names.enriched}`)
  if (outIds.size !== valid) problems.push(`${outIds.size} distinct events on ${names.enriched}, expected ${valid}`)
  if (letters.length !== traffic.invalid) problems.push(`${letters.length} dead letters, expected ${traffic.invalid}`)
  for (const [kind, sentCount] of Object.entries(traffic.attacks)) {
    if ((threats[kind] ?? 0) < sentCount) problems.push(`${threats[kind] ?? 0} ${kind} events found, ${sentCount} sent`)
  }
  if (counted < valid || counted > events) problems.push(`the reducer counted ${counted} events, expected ${valid}+`)
  for (const call of unexpected) problems.push(`API ${call.label}: ${call.status}, expected ${call.expected.join('/')}`)
  problems.push(...audit.problems)

  const seconds = (performance.now() - startedAt) / 1000
  const p = (value: number) => `${percentile(latencies, value).toFixed(1)} ms`
  console.log('')
  console.log(`serverless-done-right demo: ${count(events)} log events through 3 services on the local cloud`)
  console.log('')
  console.log(
    `log processor    events in       ${count(events)} (${count(valid)} valid, ${count(traffic.invalid)} invalid)`,
  )
  console.log(
    `                 events out      ${count(outIds.size)} on ${names.enriched} (${count(output.length - outIds.size)} written again after a retry)`,
  )
  console.log(`                 dead-lettered   ${count(letters.length)} on ${names.deadLetter}`)
  const threatLine = Object.entries(threats)
    .sort((a, b) => b[1] - a[1])
    .map(([kind, value]) => `${kind} ${count(value)}`)
    .join(', ')
  console.log(`                 threats         ${threatLine || 'none'} (events)`)
  for (const window of windows) {
    const top = window.top.map(([key, value]) => `${key} ${count(value)}`).join(', ')
    console.log(`stream reducer   ${window.start.slice(11, 19)} window  ${count(window.total)} events; top ${top}`)
  }
  const statusLine = Object.entries(statuses)
    .map(([status, value]) => `${status} x${value}`)
    .join(', ')
  console.log(`user API         ${calls.length} requests: ${statusLine}`)
  console.log(`                 latency p50 ${p(50)}, p95 ${p(95)}, p99 ${p(99)}`)
  console.log(
    `                 ${unexpected.length === 0 ? 'every status as expected' : `${unexpected.length} unexpected`}`,
  )
  const auditLine = Object.entries(audit.changes)
    .map(([change, value]) => `${change} ${count(value)}`)
    .join(', ')
  console.log(`user audit       ${count(audit.entries)} changes from the users table's stream: ${auditLine}`)
  const secondsOf = (ms: number) => `${(ms / 1000).toFixed(1)} s`
  console.log(
    `took             ${secondsOf(seconds * 1000)}: setup ${secondsOf(phases.setup)}, sending ${secondsOf(phases.sending)}, ` +
      `draining ${secondsOf(phases.draining)}, reading back ${secondsOf(Date.now() - readBackStart)}`,
  )
  console.log('')
  for (const problem of problems) console.log(`problem: ${problem}`)
  const ok = problems.length === 0
  const line = {
    ok,
    seconds: Number(seconds.toFixed(1)),
    eventsIn: events,
    valid,
    invalid: traffic.invalid,
    eventsOut: outIds.size,
    outputRecords: output.length,
    deadLettered: letters.length,
    threats,
    windows: windows.length,
    counted,
    api: {
      requests: calls.length,
      statuses,
      unexpected: unexpected.length,
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
      p99: percentile(latencies, 99),
    },
    audit: { entries: audit.entries, changes: audit.changes },
  }
  console.log(`summary: ${JSON.stringify(line)}`)
  return line
}
