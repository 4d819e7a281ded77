/**
 * Guard stack overhead (issue 3; the target belongs to the benchmarks issue): one whole Middy invocation of a trivial
 * handler with an API Gateway 2.0 event and a fresh Lambda-shaped context each time (a real invocation has a new
 * context, so a new budget), timed with mitata:
 *
 * - baseline: `@middy/warmup` + core's early timeout (`middy({ timeoutEarlyInMillis: 250 })`), what Middy offers;
 * - subject: `warmup()` + `timeoutGuard()` (with its `middyOptions`) + `memoryWatchdog()`, default options;
 * - for reference: bare `middy()`, each guard alone, and the baseline plus one `budgetOf(context)` call (the
 *   per-invocation budget every guard publishes into; its cost is shared by the whole stack).
 *
 * The library is bundled with esbuild first and the bundle is measured: that is the JavaScript users run. Run through
 * tsx directly, every closure the library creates per invocation also pays tsx's `__name` helper, which the
 * baseline (plain JS in node_modules) does not.
 *
 * Target: subject / baseline ≤ 1.35 (issue 18: clear margin under the first round's 1.5), on the mean CPU time per invocation (garbage collection included). Run with
 * `npx tsx bench/guards.ts`. The memory watchdog reads memory at most once per 100 ms, so at thousands of invocations
 * per second nearly all of them pay only a clock read.
 *
 * Measured (2 shared cores, three runs): the stack is 1.43x, 1.43x, 1.44x the baseline (3.21–3.35 µs against
 * 2.24–2.33 µs); timeoutGuard alone 2.78–2.80 µs, memoryWatchdog alone 3.03–3.16 µs; one `budgetOf(context)` adds
 * ~0.2 µs (the budget is a private field stamped on the context, see `src/budget.ts`). The two guards share one timer
 * per invocation (the budget's alarm) instead of one each: a Node timer created and cleared costs 0.1–0.25 µs.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import middy from '@middy/core'
import middyWarmup from '@middy/warmup'
import type { Context } from 'aws-lambda'
import { build } from 'esbuild'
import { bench, do_not_optimize, run, summary } from 'mitata'
import type * as Library from '../src/index.js'
import { fixture } from '../test/helpers/fixtures.js'
import { lambdaContext } from './lib/lambda-context.js'

// Inside the project, so the bundle's imports of peer packages resolve from its node_modules; removed right after.
const folder = mkdtempSync(join(new URL('.', import.meta.url).pathname, '.guards-build-'))
const bundle = join(folder, 'library.mjs')
await build({
  entryPoints: [new URL('../src/index.ts', import.meta.url).pathname],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  packages: 'external',
  outfile: bundle,
  logLevel: 'error',
})
let library: typeof Library
try {
  library = (await import(bundle)) as typeof Library
} finally {
  rmSync(folder, { recursive: true, force: true })
}
const { budgetOf, memoryWatchdog, timeoutGuard, warmup } = library

const event = fixture('apigw-http-v2')
const ok = async () => ({ statusCode: 200, body: 'ok' })

/** A context as Lambda makes one per invocation: 3 s timeout, 1 GB. */
const context = () => lambdaContext({ timeoutMs: 3000, memoryMb: 1024 })

const bare = middy().handler(ok)
const middyStack = middy({ timeoutEarlyInMillis: 250 }).use(middyWarmup()).handler(ok)
const middyStackWithBudget = middy({ timeoutEarlyInMillis: 250 })
  .use(middyWarmup())
  .use({ before: (request) => void budgetOf(request.context) })
  .handler(ok)
// What any guard that watches a running invocation pays at least: one unref'd Node timer set and cleared per call.
type Timed = { timer?: NodeJS.Timeout }
const middyStackWithTimer = middy({ timeoutEarlyInMillis: 250 })
  .use(middyWarmup())
  .use({
    before: (request) => {
      ;(request as Timed).timer = setTimeout(() => undefined, 2000).unref()
    },
    after: (request) => clearTimeout((request as Timed).timer),
  })
  .handler(ok)
const guard = timeoutGuard()
const guardStack = middy(guard.middyOptions).use(warmup()).use(guard).use(memoryWatchdog()).handler(ok)
const warmupOnly = middy().use(warmup()).handler(ok)
const timeoutAlone = timeoutGuard()
const timeoutOnly = middy(timeoutAlone.middyOptions).use(timeoutAlone).handler(ok)
const memoryOnly = middy().use(memoryWatchdog()).handler(ok)

const candidates: [string, (event: unknown, context: Context) => Promise<unknown>][] = [
  ['bare async handler (no middy)', ok],
  ['middy() bare', bare],
  ['baseline: @middy/warmup + core timeoutEarlyInMillis', middyStack],
  ['subject: warmup + timeoutGuard + memoryWatchdog', guardStack],
  ['baseline + budgetOf(context)', middyStackWithBudget],
  ["baseline + one unref'd timer per invocation", middyStackWithTimer],
  ['warmup() alone', warmupOnly],
  ['timeoutGuard() alone (with middyOptions)', timeoutOnly],
  ['memoryWatchdog() alone', memoryOnly],
]

// 1. mitata's per-call statistics. Its medians leave out the calls a garbage collection lands on.
summary(() => {
  for (const [name, handler] of candidates) {
    const trial = bench(name, async () => do_not_optimize(await handler(event, context())))
    if (name.startsWith('baseline:')) trial.baseline(true)
  }
})
await run()

// 2. The ratio: mean CPU time per invocation (user + system, garbage collection included) over rounds of back-to-back
// invocations, in rounds whose order rotates so that drift falls on every candidate alike. CPU time rather than wall
// time: on a shared machine, wall time also counts the time other processes held the cores.
/** The target: our stack at most this many times the baseline's CPU time per invocation. */
const limit = 1.35
const perRound = 20_000
const rounds = 9
const means = new Map<string, number[]>(candidates.map(([name]) => [name, []]))
for (let round = 0; round < rounds; round++) {
  for (let i = 0; i < candidates.length; i++) {
    const [name, handler] = candidates[(i + round) % candidates.length] as (typeof candidates)[number]
    const started = process.cpuUsage()
    for (let call = 0; call < perRound; call++) await handler(event, context())
    const spent = process.cpuUsage(started)
    means.get(name)?.push((spent.user + spent.system) / perRound)
  }
}
const median = (name: string): number => {
  const values = [...(means.get(name) ?? [])].sort((a, b) => a - b)
  return values[Math.floor(values.length / 2)] ?? Number.NaN
}
console.log('\nmean CPU µs per invocation, median of %d rounds of %d:', rounds, perRound)
for (const [name] of candidates) console.log(`  ${name.padEnd(52)} ${median(name).toFixed(2)}`)
const baseline = median('baseline: @middy/warmup + core timeoutEarlyInMillis')
const ratio = median('subject: warmup + timeoutGuard + memoryWatchdog') / baseline
console.log(`
guard stack / Middy warmup + core timeout: ${ratio.toFixed(2)}x (target <= ${limit}x: ${ratio <= limit ? 'met' : 'NOT met'})
baseline + one budgetOf(context) / baseline: ${(median('baseline + budgetOf(context)') / baseline).toFixed(2)}x`)

// `npm run bench` (bench/run.ts) runs this file in a child process and reads its figures from the file in BENCH_OUT.
if (process.env.BENCH_OUT) {
  const section = 'Guard overhead per invocation: API Gateway 2.0 event, trivial handler, CPU time'
  const quartile = (values: number[], q: number) => values[Math.round((values.length - 1) * q)] ?? Number.NaN
  const figures = candidates.map(([name]) => {
    const values = [...(means.get(name) ?? [])].sort((a, b) => a - b)
    return {
      section,
      name,
      unit: 'µs',
      value: median(name),
      statistic: 'median',
      spread: { p25: quartile(values, 0.25), p75: quartile(values, 0.75), min: values[0], max: values.at(-1) },
      samples: values.length,
      note: `mean CPU time per invocation over ${perRound} invocations`,
      ...(name.startsWith('baseline:') ? {} : { comparedTo: 'baseline: @middy/warmup + core timeoutEarlyInMillis' }),
    }
  })
  const targets = [
    {
      section,
      name: 'our guard stack / Middy warmup + core timeout',
      ratio,
      limit,
      kind: 'atMost',
      met: ratio <= limit,
      explanation: `warmup + timeoutGuard + memoryWatchdog at most ${limit}× the cost of @middy/warmup + core timeout`,
    },
  ]
  writeFileSync(process.env.BENCH_OUT, JSON.stringify({ figures, targets }))
}
