/**
 * Batch fan-out benchmark (issue 5): a 10,000-record Kinesis batch of ~300-byte JSON payloads, decoded, validated
 * with one zod schema and passed to a no-op async handler, timed side by side in one process:
 *
 * - `fanOut`: this library, default options (key ordering, concurrency 16), a silent logger;
 * - (a) Powertools `BatchProcessor`, `processInParallel`, with its documented parser integration
 *   (`parser` + `innerSchema` + `transformer: 'base64'`);
 * - (b) the same `BatchProcessor` without parser, decode and validation done in its record handler;
 * - (c) a hand-written `for` loop doing the same decode / validate / await: the floor.
 *
 * The same rounds also time a lighter configuration, decode only (no schema), with fanOut, (b) and the floor: the
 * user's own work per record is then about half as large, and the ratio (b) / fanOut moves with that share. Both
 * configurations report each engine's overhead over the floor in µs per record (the median of the per-round
 * differences, which the rotation pairs up), the figure that carries over between workloads: for an engine that costs
 * `o` µs a record over `u` µs of the user's work, (b) / fanOut = (u + o(b)) / (u + o(fanOut)).
 *
 * Fairness: one batch object, one schema, one decode function (for (b), (c)), one no-op handler. Every candidate is
 * warmed up, then the candidates run in rounds whose order rotates, so drift in the machine (GC, JIT, neighbours)
 * falls on all of them alike. (a) is ~100× slower than the rest and gets fewer rounds.
 *
 * Run with `npm run bench`. Results go to stdout, and `fanOutBenchmark()` returns them as figures and targets for
 * `bench/lib/report.ts`.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch'
import { parser } from '@aws-lambda-powertools/batch/parser'
import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda'
import { z } from 'zod'
import { fanOut } from '../src/index.js'
import { lambdaContext } from './lib/lambda-context.js'
import type { Figure, Target } from './lib/report.js'
import { target } from './lib/report.js'
import { quantile } from './lib/stats.js'

const SECTION = 'Batch fan-out: 10,000 Kinesis records, decode + zod + no-op async handler'

export const LogLine = z.object({
  ts: z.iso.datetime(),
  level: z.enum(['debug', 'info', 'warn', 'error']),
  service: z.string().min(1),
  user: z.string().min(1),
  ip: z.ipv4(),
  method: z.enum(['GET', 'POST', 'PUT', 'DELETE']),
  path: z.string().startsWith('/'),
  status: z.number().int().min(100).max(599),
  latencyMs: z.number().nonnegative(),
  message: z.string(),
})
type LogLine = z.infer<typeof LogLine>

/** The batch: 10,000 records over 200 partition keys (users), payloads of about 300 bytes. */
export function benchBatch(size = 10_000, keys = 200): KinesisStreamEvent {
  const Records: KinesisStreamRecord[] = []
  for (let i = 0; i < size; i++) {
    const user = `user-${String(i % keys).padStart(4, '0')}`
    const line: LogLine = {
      ts: new Date(Date.UTC(2026, 0, 1, 0, 0, 0, i)).toISOString(),
      level: i % 50 === 0 ? 'warn' : 'info',
      service: 'checkout-api',
      user,
      ip: `10.0.${i % 256}.${(i * 7) % 256}`,
      method: i % 3 === 0 ? 'POST' : 'GET',
      path: `/api/v1/orders/${i}/items?page=${i % 10}`,
      status: i % 97 === 0 ? 503 : 200,
      latencyMs: (i % 1000) / 10,
      message: `order ${i} processed for ${user} in region eu-west-1; cart items ${i % 13}; trace ${(i * 2654435761) % 4294967296}`,
    }
    const seq = `4959033827149025660855969253836157109592157598913${String(i).padStart(7, '0')}`
    Records.push({
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: user,
        sequenceNumber: seq,
        data: Buffer.from(JSON.stringify(line)).toString('base64'),
        approximateArrivalTimestamp: 1_767_225_600 + i / 1000,
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `shardId-000000000006:${seq}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: 'arn:aws:iam::123456789012:role/lambda-role',
      awsRegion: 'eu-west-1',
      eventSourceARN: 'arn:aws:kinesis:eu-west-1:123456789012:stream/logs',
    })
  }
  // Lambda hands the handler a JSON-parsed event: flat strings, not the concatenated ones built above.
  return JSON.parse(JSON.stringify({ Records })) as KinesisStreamEvent
}

/** A fresh context per run, with 15 minutes left: the deadline never shapes this benchmark. */
const context = () => lambdaContext({ timeoutMs: 900_000 })

let sink = 0
/** The no-op async record handler every candidate awaits. It touches the item so nothing is optimised away. */
async function noop(item: LogLine): Promise<void> {
  sink += item.status
}

/** The one decode the hand-written candidates share: base64 → UTF-8 → JSON. */
function decode(record: KinesisStreamRecord): unknown {
  return JSON.parse(Buffer.from(record.kinesis.data, 'base64').toString('utf8'))
}

const silent = { debug() {}, info() {}, warn() {}, error() {} }

type Candidate = {
  section: string
  name: string
  run: (event: KinesisStreamEvent) => Promise<{ batchItemFailures: unknown[] }>
}

const FLOOR = '(c) hand-written for loop (floor)'
const DECODE_ONLY = 'Batch fan-out, lighter work: the same batch, decode only (no schema) + no-op async handler'
const OVERHEAD = 'Batch fan-out: engine overhead over the floor, µs per record'

/** The straightforward loop a user would write: the floor of a configuration. */
function floorLoop(work: (record: KinesisStreamRecord) => Promise<void>): Candidate['run'] {
  return async (event) => {
    const batchItemFailures: { itemIdentifier: string }[] = []
    for (const record of event.Records) {
      try {
        await work(record)
      } catch {
        batchItemFailures.push({ itemIdentifier: record.kinesis.sequenceNumber })
      }
    }
    return { batchItemFailures }
  }
}

function candidates(): Candidate[] {
  const ours = fanOut((item, _meta) => noop(item), { schema: LogLine, logger: silent })
  const unordered = fanOut((item, _meta) => noop(item), { schema: LogLine, logger: silent, ordering: 'none' })
  const oursDecodeOnly = fanOut((item, _meta) => noop(item as LogLine), { logger: silent })
  const withParser = new BatchProcessor(EventType.KinesisDataStreams, {
    parser,
    innerSchema: LogLine,
    transformer: 'base64',
  })
  const plain = new BatchProcessor(EventType.KinesisDataStreams)
  const plainDecodeOnly = new BatchProcessor(EventType.KinesisDataStreams)
  return [
    { section: SECTION, name: 'fanOut (this library)', run: (event) => ours(event, context()) },
    {
      section: SECTION,
      name: '(a) Powertools BatchProcessor + parser (innerSchema, base64)',
      run: (event) =>
        processPartialResponse(
          event,
          (record: { kinesis: { data: LogLine } }) => noop(record.kinesis.data),
          withParser,
          { context: context(), processInParallel: true },
        ),
    },
    {
      section: SECTION,
      name: '(b) Powertools BatchProcessor, decode + validate in handler',
      run: (event) =>
        processPartialResponse(event, (record: KinesisStreamRecord) => noop(LogLine.parse(decode(record))), plain, {
          context: context(),
          processInParallel: true,
        }),
    },
    { section: SECTION, name: FLOOR, run: floorLoop((record) => noop(LogLine.parse(decode(record)))) },
    // Benchmarks issue: ours also without order (the default above is ordering 'key').
    { section: SECTION, name: "fanOut, ordering 'none'", run: (event) => unordered(event, context()) },
    { section: DECODE_ONLY, name: 'fanOut (this library)', run: (event) => oursDecodeOnly(event, context()) },
    {
      section: DECODE_ONLY,
      name: '(b) Powertools BatchProcessor, decode in handler',
      run: (event) =>
        processPartialResponse(
          event,
          (record: KinesisStreamRecord) => noop(decode(record) as LogLine),
          plainDecodeOnly,
          {
            context: context(),
            processInParallel: true,
          },
        ),
    },
    { section: DECODE_ONLY, name: FLOOR, run: floorLoop((record) => noop(decode(record) as LogLine)) },
  ]
}

/** Runs the benchmark; prints a table and returns figures, targets and notes. */
export async function fanOutBenchmark(options: { rounds?: number; slowRounds?: number; keys?: number } = {}) {
  const rounds = options.rounds ?? 20
  const slowRounds = options.slowRounds ?? 3
  // `keys`: partition keys in the batch (`npm run bench` passes 100, as the benchmarks issue asks).
  const event = benchBatch(10_000, options.keys ?? 200)
  const perRecordUs = 1000 / event.Records.length
  const bytes = event.Records.reduce((sum, r) => sum + Buffer.from(r.kinesis.data, 'base64').length, 0)
  console.log(
    `${SECTION}\n  ${event.Records.length} records, mean payload ${Math.round(bytes / event.Records.length)} B`,
  )
  const list = candidates()
  const isSlow = (candidate: Candidate) => candidate.name.startsWith('(a)')
  // Per candidate, per round: wall and CPU milliseconds (NaN in the rounds a slow candidate sits out).
  const wall = list.map(() => [] as number[])
  const cpu = list.map(() => [] as number[])
  for (const candidate of list) {
    const result = await candidate.run(event) // warm-up, and a check that every candidate accepts the whole batch
    if (result.batchItemFailures.length !== 0) throw new Error(`${candidate.name} reported failures`)
    if (!isSlow(candidate)) for (let i = 0; i < 4; i++) await candidate.run(event)
  }
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < list.length; k++) {
      const index = (round + k) % list.length
      const candidate = list[index] as Candidate
      if (isSlow(candidate) && round >= slowRounds) {
        wall[index]?.push(Number.NaN)
        cpu[index]?.push(Number.NaN)
        continue
      }
      const cpuBefore = process.cpuUsage()
      const started = performance.now()
      await candidate.run(event)
      wall[index]?.push(performance.now() - started)
      const used = process.cpuUsage(cpuBefore)
      cpu[index]?.push((used.user + used.system) / 1000)
    }
  }
  const figureOf = (section: string, name: string, unit: Figure['unit'], values: number[], note: string): Figure => {
    const sorted = values.filter((value) => !Number.isNaN(value)).sort((x, y) => x - y)
    return {
      section,
      name,
      unit,
      value: quantile(sorted, 0.5),
      statistic: 'median',
      spread: { p25: quantile(sorted, 0.25), p75: quantile(sorted, 0.75), min: sorted[0], max: sorted.at(-1) },
      samples: sorted.length,
      note,
    } as Figure
  }
  const indexOf = (section: string, name: string) => list.findIndex((c) => c.section === section && c.name === name)
  const timeFigures = (section: string, clock: 'wall' | 'cpu'): Figure[] =>
    list.flatMap((candidate, index) => {
      if (candidate.section !== section) return []
      if (clock === 'wall') return [figureOf(section, candidate.name, 'ms', wall[index] ?? [], 'wall clock')]
      return [figureOf(section, `${candidate.name}, CPU time`, 'ms', cpu[index] ?? [], 'CPU time')]
    })
  // An engine's cost over the floor, per record: the median of the differences within each round (the rotation runs
  // both in every round, close together), in wall and in CPU time.
  const overhead = (section: string, name: string, label: string): Figure[] => {
    const floor = indexOf(section, FLOOR)
    const engine = indexOf(section, name)
    return (['wall', 'cpu'] as const).map((clock) => {
      const times = clock === 'wall' ? wall : cpu
      const floorTimes = times[floor] ?? []
      const differences = (times[engine] ?? []).map(
        (ms, round) => (ms - (floorTimes[round] ?? Number.NaN)) * perRecordUs,
      )
      const what = clock === 'wall' ? 'wall clock' : 'CPU time'
      return figureOf(OVERHEAD, `${label}, ${what}`, 'µs', differences, `median of the per-round differences, ${what}`)
    })
  }
  const main = timeFigures(SECTION, 'wall')
  const mainCpu = timeFigures(SECTION, 'cpu')
  const light = timeFigures(DECODE_ONLY, 'wall')
  const lightCpu = timeFigures(DECODE_ONLY, 'cpu')
  const overheads = [
    ...overhead(SECTION, 'fanOut (this library)', 'fanOut − floor, decode + zod'),
    ...overhead(SECTION, '(b) Powertools BatchProcessor, decode + validate in handler', '(b) − floor, decode + zod'),
    ...overhead(DECODE_ONLY, 'fanOut (this library)', 'fanOut − floor, decode only'),
    ...overhead(DECODE_ONLY, '(b) Powertools BatchProcessor, decode in handler', '(b) − floor, decode only'),
  ]
  const cpuOverhead = (label: string) => overheads.find((f) => f.name === `${label}, CPU time`)?.value ?? Number.NaN
  const [ours, a, b, c] = main.map((figure) => figure.value) as [number, number, number, number]
  const targets: Target[] = [
    target(SECTION, 'fanOut / floor (c)', ours / c, 1.3, 'atMost', 'within 1.3× of the hand-written loop'),
    {
      ...target(
        SECTION,
        '(b) / fanOut',
        b / ours,
        1.5,
        'atLeast',
        'at least 1.5× faster than BatchProcessor, no parser',
      ),
      // What an engine adding nothing to the floor would reach: (b) / (c). Below 1.5 the target is out of any engine's
      // reach on this workload (notes); the target below restates it as what the engines themselves cost.
      bound: b / c,
    },
    target(
      SECTION,
      'engine overhead per record: fanOut / (b)',
      cpuOverhead('fanOut − floor, decode + zod') / cpuOverhead('(b) − floor, decode + zod'),
      0.1,
      'atMost',
      "the 1.5× target restated on what the engines add to the user's work (CPU µs per record over the floor): fanOut adds at most a tenth of what BatchProcessor adds. At or below 0 fanOut adds nothing measurable",
    ),
    target(SECTION, '(a) / fanOut', a / ours, 20, 'atLeast', 'at least 20× faster than BatchProcessor + parser'),
  ]
  const figures = [...main, ...mainCpu, ...light, ...lightCpu, ...overheads]
  for (const figure of figures) {
    const w = figure.spread ?? {}
    const digits = figure.unit === 'µs' ? 3 : 1
    const prefix = figure.section === DECODE_ONLY ? '[decode only] ' : ''
    console.log(
      `  ${`${prefix}${figure.name}`.padEnd(72)} median ${figure.value.toFixed(digits).padStart(8)} ${figure.unit}  p25–p75 ${w.p25?.toFixed(digits)}–${w.p75?.toFixed(digits)}  (n=${figure.samples})`,
    )
  }
  const [oursCpu, aCpu, bCpu, cCpu, cPlusCpu] = mainCpu.map((figure) => figure.value) as [
    number,
    number,
    number,
    number,
    number,
  ]
  const [oursLight, bLight, cLight] = light.map((figure) => figure.value) as [number, number, number]
  const [oursLightCpu, bLightCpu, cLightCpu] = lightCpu.map((figure) => figure.value) as [number, number, number]
  console.log(
    `  CPU-time ratios: fanOut/floor ${(oursCpu / cCpu).toFixed(2)}, (b)/fanOut ${(bCpu / oursCpu).toFixed(2)}, (a)/fanOut ${(aCpu / oursCpu).toFixed(1)}, (c+)/floor ${(cPlusCpu / cCpu).toFixed(2)}`,
  )
  console.log(
    `  decode only: (b)/fanOut ${(bLight / oursLight).toFixed(2)} wall, ${(bLightCpu / oursLightCpu).toFixed(2)} CPU; fanOut/floor ${(oursLight / cLight).toFixed(2)} wall, ${(oursLightCpu / cLightCpu).toFixed(2)} CPU`,
  )
  for (const t of targets) {
    console.log(`  ${t.met ? 'MET ' : 'MISS'} ${t.name.padEnd(22)} ${t.ratio.toFixed(2)} (${t.kind} ${t.limit})`)
  }
  const us = (n: number) => n.toFixed(2)
  const userWork = cCpu * perRecordUs
  const userWorkLight = cLightCpu * perRecordUs
  const bCost = cpuOverhead('(b) − floor, decode + zod')
  const bCostLight = cpuOverhead('(b) − floor, decode only')
  const notes = [
    `Per record, in CPU time: the floor (the user's own work, decode + zod + the await) takes ${us(userWork)} µs; (b) adds ${us(bCost)} µs to it and fanOut ${us(cpuOverhead('fanOut − floor, decode + zod'))} µs. With decode only, the floor takes ${us(userWorkLight)} µs, (b) adds ${us(bCostLight)} µs and fanOut ${us(cpuOverhead('fanOut − floor, decode only'))} µs, and (b) / fanOut is ${(bLightCpu / oursLightCpu).toFixed(2)} (CPU), against ${(bCpu / oursCpu).toFixed(2)} with zod.`,
    `For user work u and engine overheads o, (b) / fanOut = (u + o(b)) / (u + o(fanOut)): even an engine that costs nothing reaches 1.5 only where BatchProcessor's own overhead is at least half the user's work, o(b) ≥ 0.5 u. Here o(b) / u is ${(bCost / userWork).toFixed(2)} with zod and ${(bCostLight / userWorkLight).toFixed(2)} with decode only: the ratio measures the share of the user's work in the batch more than either engine.`,
  ]
  for (const note of notes) console.log(`  ${note}`)
  if (sink < 0) console.log(sink)
  return { figures, targets, notes }
}
