/**
 * This library's own cold start, apart from any recipe: each recipe's composition of the library (the middlewares and
 * engines its `app.ts` builds, on Middy, constructed at import as the recipe constructs them) bundled as a user's own
 * function would be (CDK `NodejsFunction`, ESM; without the recipes' `node:http` shim), against Middy alone. What the
 * composition costs above Middy alone is what choosing this library adds to a cold start. The same job done with the
 * official parts (Middy's warm-up middleware and the Powertools batch processor) is timed beside it for reference: it
 * does less (no memory watchdog, no deadline-aware drain, no sink stage).
 *
 * @module
 */
import type { Candidate, Timing } from '../cold-start.js'
import type { Figure } from '../lib/report.js'
import { medianFigure } from '../lib/stats.js'

export const ALONE = "Cold start: this library's own, each recipe's composition on Middy (a user's ESM bundle)"

const silent = 'const logger = { debug() {}, info() {}, warn() {}, error() {} }'
const guards = [
  'const guard = timeoutGuard({ logger })',
  'const chain = middy(guard.middyOptions).use(warmup({ logger })).use(guard).use(memoryWatchdog({ logger }))',
]
// A Standard Schema with no library behind it: the compositions time this library, not a schema library.
const anySchema = "{ '~standard': { version: 1, vendor: 'bench', validate: (value) => ({ value }) } }"

/** The compositions, as module sources. `MIDDY` is the reference the library's rows are measured above. */
export const MIDDY = 'Middy alone'
export const compositions: Record<string, string> = {
  [MIDDY]: ["import middy from '@middy/core'", 'export const handler = middy().handler(async () => undefined)'].join(
    '\n',
  ),
  'kinesis-log-processor composition': [
    "import middy from '@middy/core'",
    "import { fanOut, kinesisSink, memoryWatchdog, timeoutGuard, warmup } from './src/index.ts'",
    silent,
    ...guards,
    "const sink = kinesisSink({ send: async () => ({}) }, 'output', { pack: true })",
    "export const handler = chain.handler(fanOut(async (event) => event, { sink, ordering: 'key', logger }))",
  ].join('\n'),
  'rest-user-api composition': [
    "import middy from '@middy/core'",
    "import { HttpError, budgetOf, httpErrors, memoryWatchdog, timeoutGuard, validate, warmup } from './src/index.ts'",
    silent,
    ...guards,
    `const schema = ${anySchema}`,
    'export const handler = chain.use(httpErrors({ logger })).use(validate({ body: schema, response: schema }))',
    '  .handler(async (event, context) => { budgetOf(context).check(); if (!event) throw new HttpError(404); return {} })',
  ].join('\n'),
  'stream-reducer composition': [
    "import middy from '@middy/core'",
    "import { memoryWatchdog, timeoutGuard, warmup, windowReducer } from './src/index.ts'",
    silent,
    ...guards,
    `const schema = ${anySchema}`,
    'const reduce = windowReducer({ schema, key: (k) => String(k), initial: () => 0, reduce: (n) => n + 1,',
    '  flush: async () => undefined, logger })',
    'export const handler = chain.handler(reduce)',
  ].join('\n'),
  'official parts: @middy/warmup + Powertools batch': [
    "import middy from '@middy/core'",
    "import warmup from '@middy/warmup'",
    "import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch'",
    'const processor = new BatchProcessor(EventType.KinesisDataStreams)',
    'export const handler = middy({ timeoutEarlyInMillis: 250 }).use(warmup())',
    '  .handler((event, context) => processPartialResponse(event, async (r) => r, processor, { context }))',
  ].join('\n'),
}

/** The module-load CPU of each composition and its excess over Middy alone. */
export function aloneFigures(candidates: readonly Candidate[], timings: ReadonlyMap<string, Timing[]>): Figure[] {
  const figures: Figure[] = []
  for (const c of candidates) {
    if (!(c.name in compositions)) continue
    const cpu = (timings.get(c.name) ?? []).map((t) => t.importCpuMs)
    figures.push(
      medianFigure(ALONE, `${c.name}: module load, CPU time`, 'ms', cpu, {
        note: '`await import(bundle)` in a fresh process, CPU time',
        ...(c.name === MIDDY ? {} : { comparedTo: `${MIDDY}: module load, CPU time` }),
      }),
    )
  }
  const middy = figures.find((f) => f.name === `${MIDDY}: module load, CPU time`)?.value ?? Number.NaN
  for (const f of [...figures]) {
    if (f.name.startsWith(MIDDY)) continue
    figures.push({
      section: ALONE,
      name: f.name.replace(': module load, CPU time', ': above Middy alone'),
      unit: 'ms',
      value: f.value - middy,
      statistic: 'median',
      note: 'module-load CPU above Middy alone (medians): what the composition adds to a cold start',
    })
  }
  return figures
}
