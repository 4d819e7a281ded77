/**
 * Batch fan-out benchmark (issue 5): a 10,000-record Kinesis batch of ~300-byte JSON payloads, decoded, validated
 * with one zod schema and passed to a no-op async handler, timed side by side in one process:
 *
 * - `fanOut`: this library, default options (key ordering, concurrency 16), a silent logger;
 * - (a) Powertools `BatchProcessor`, `processInParallel`, with its documented parser integration
 *   (`parser` + `innerSchema` + `transformer: 'base64'`);
 * - (b) the same `BatchProcessor` without parser, decode and validation done in its record handler;
 * - (c) a hand-written `for` loop doing the same decode / validate / await: the floor;
 * - (c+) the floor plus `budgetOf(context).completed.add(id)` per record: not a target, it shows what the budget
 *   contract alone costs.
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
import type { Context, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda'
import { z } from 'zod'
import { budgetOf, fanOut } from '../src/index.js'
import type { Figure, Target } from './lib/report.js'
import { target } from './lib/report.js'

const SECTION = 'Batch fan-out: 10,000 Kinesis records, decode + zod + no-op async handler'

const LogLine = z.object({
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

function context(): Context {
  const deadline = Date.now() + 900_000
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'bench',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:bench',
    memoryLimitInMB: '1024',
    awsRequestId: `bench-${Math.random()}`,
    logGroupName: '/aws/lambda/bench',
    logStreamName: 'bench',
    getRemainingTimeInMillis: () => deadline - Date.now(),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  }
}

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

type Candidate = { name: string; run: (event: KinesisStreamEvent) => Promise<{ batchItemFailures: unknown[] }> }

function candidates(): Candidate[] {
  const ours = fanOut((item, _meta) => noop(item), { schema: LogLine, logger: silent })
  const unordered = fanOut((item, _meta) => noop(item), { schema: LogLine, logger: silent, ordering: 'none' })
  const withParser = new BatchProcessor(EventType.KinesisDataStreams, {
    parser,
    innerSchema: LogLine,
    transformer: 'base64',
  })
  const plain = new BatchProcessor(EventType.KinesisDataStreams)
  return [
    { name: 'fanOut (this library)', run: (event) => ours(event, context()) },
    {
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
      name: '(b) Powertools BatchProcessor, decode + validate in handler',
      run: (event) =>
        processPartialResponse(event, (record: KinesisStreamRecord) => noop(LogLine.parse(decode(record))), plain, {
          context: context(),
          processInParallel: true,
        }),
    },
    {
      name: '(c) hand-written for loop (floor)',
      run: async (event) => {
        const batchItemFailures: { itemIdentifier: string }[] = []
        for (const record of event.Records) {
          try {
            await noop(LogLine.parse(decode(record)))
          } catch {
            batchItemFailures.push({ itemIdentifier: record.kinesis.sequenceNumber })
          }
        }
        return { batchItemFailures }
      },
    },
    {
      // Not a target: shows what the budget contract alone (every finished id into budgetOf(context).completed,
      // which the timeout guard's fallback reads) adds to the floor.
      name: '(c+) the floor + budget.completed.add per record',
      run: async (event) => {
        const { completed } = budgetOf(context())
        const batchItemFailures: { itemIdentifier: string }[] = []
        for (const record of event.Records) {
          try {
            await noop(LogLine.parse(decode(record)))
            completed.add(record.kinesis.sequenceNumber)
          } catch {
            batchItemFailures.push({ itemIdentifier: record.kinesis.sequenceNumber })
          }
        }
        return { batchItemFailures }
      },
    },
    // Benchmarks issue: ours also without order (the default above is ordering 'key').
    { name: "fanOut, ordering 'none'", run: (event) => unordered(event, context()) },
  ]
}

function quantile(sorted: number[], q: number): number {
  const at = (sorted.length - 1) * q
  const low = Math.floor(at)
  const high = Math.ceil(at)
  return (sorted[low] as number) + ((sorted[high] as number) - (sorted[low] as number)) * (at - low)
}

/** Runs the benchmark; prints a table and returns figures and targets. */
export async function fanOutBenchmark(options: { rounds?: number; slowRounds?: number; keys?: number } = {}) {
  const rounds = options.rounds ?? 20
  const slowRounds = options.slowRounds ?? 3
  // `keys`: partition keys in the batch (`npm run bench` passes 100, as the benchmarks issue asks).
  const event = benchBatch(10_000, options.keys ?? 200)
  const bytes = event.Records.reduce((sum, r) => sum + Buffer.from(r.kinesis.data, 'base64').length, 0)
  console.log(
    `${SECTION}\n  ${event.Records.length} records, mean payload ${Math.round(bytes / event.Records.length)} B`,
  )
  const list = candidates()
  const samples = new Map<string, number[]>(list.map((c) => [c.name, []]))
  const cpuSamples = new Map<string, number[]>(list.map((c) => [c.name, []]))
  for (const candidate of list) {
    const result = await candidate.run(event) // warm-up, and a check that every candidate accepts the whole batch
    if (result.batchItemFailures.length !== 0) throw new Error(`${candidate.name} reported failures`)
    if (!candidate.name.startsWith('(a)')) for (let i = 0; i < 4; i++) await candidate.run(event)
  }
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < list.length; k++) {
      const candidate = list[(round + k) % list.length] as Candidate
      if (candidate.name.startsWith('(a)') && round >= slowRounds) continue
      const cpuBefore = process.cpuUsage()
      const started = performance.now()
      await candidate.run(event)
      samples.get(candidate.name)?.push(performance.now() - started)
      const cpu = process.cpuUsage(cpuBefore)
      cpuSamples.get(candidate.name)?.push((cpu.user + cpu.system) / 1000)
    }
  }
  const figureOf = (name: string, values: number[], note: string): Figure => {
    const sorted = [...values].sort((x, y) => x - y)
    return {
      section: SECTION,
      name,
      unit: 'ms',
      value: quantile(sorted, 0.5),
      statistic: 'median',
      spread: { p25: quantile(sorted, 0.25), p75: quantile(sorted, 0.75), min: sorted[0], max: sorted.at(-1) },
      samples: sorted.length,
      note,
    } as Figure
  }
  const figures = list.map(({ name }) => figureOf(name, samples.get(name) ?? [], 'wall clock'))
  // CPU time of the process (user + system) is printed beside wall time: on a shared machine it is far less
  // sensitive to the process being descheduled, which can swing wall time by 2× between rounds.
  const cpuFigures = list.map(({ name }) => figureOf(`${name}, CPU time`, cpuSamples.get(name) ?? [], 'CPU time'))
  const [ours, a, b, c] = figures.map((figure) => figure.value) as [number, number, number, number]
  const targets: Target[] = [
    target(SECTION, 'fanOut / floor (c)', ours / c, 1.3, 'atMost', 'within 1.3× of the hand-written loop'),
    target(SECTION, '(b) / fanOut', b / ours, 1.5, 'atLeast', 'at least 1.5× faster than BatchProcessor, no parser'),
    target(SECTION, '(a) / fanOut', a / ours, 20, 'atLeast', 'at least 20× faster than BatchProcessor + parser'),
  ]
  list.forEach((_, index) => {
    const wall = figures[index] as Figure
    const cpu = cpuFigures[index] as Figure
    const w = wall.spread ?? {}
    console.log(
      `  ${wall.name.padEnd(62)} median ${wall.value.toFixed(1).padStart(8)} ms  p25–p75 ${w.p25?.toFixed(1)}–${w.p75?.toFixed(1)}  CPU median ${cpu.value.toFixed(1)} ms  (n=${wall.samples})`,
    )
  })
  const [oursCpu, aCpu, bCpu, cCpu, cPlusCpu] = cpuFigures.map((figure) => figure.value) as number[] as [
    number,
    number,
    number,
    number,
    number,
  ]
  console.log(
    `  CPU-time ratios: fanOut/floor ${(oursCpu / cCpu).toFixed(2)}, (b)/fanOut ${(bCpu / oursCpu).toFixed(2)}, (a)/fanOut ${(aCpu / oursCpu).toFixed(1)}, (c+)/floor ${(cPlusCpu / cCpu).toFixed(2)}`,
  )
  for (const t of targets) {
    console.log(`  ${t.met ? 'MET ' : 'MISS'} ${t.name.padEnd(22)} ${t.ratio.toFixed(2)} (${t.kind} ${t.limit})`)
  }
  if (sink < 0) console.log(sink)
  return { figures: [...figures, ...cpuFigures], targets }
}
