/**
 * Batch fan-out, I/O-bound (benchmarks issue, part 4): 2,000 Kinesis records whose handler waits 5 ms (a stand-in for
 * a call to another service), timed side by side in one process:
 *
 * - `fanOut`, `ordering: 'none'`, `concurrency: 64`: the target, against the ideal ⌈2000 / 64⌉ × 5 ms = 160 ms;
 * - `fanOut`, `ordering: 'key'` over the batch's 200 partition keys, `concurrency: 64`: what per-key order costs;
 * - a hand-written pool of 64 workers pulling from one index: the floor the timers themselves allow (each 5 ms wait
 *   ends on the next event-loop turn after 5 ms, so 32 waits in a row take more than 160 ms);
 * - Powertools `BatchProcessor` with `processInParallel` (unbounded: all 2,000 at once), for reference;
 * - a sequential `for` loop, for reference (timed once: it takes over ten seconds).
 *
 * Every candidate decodes the record (base64 → JSON) before waiting, as a real handler would.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch'
import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda'
import { fanOut } from '../src/index.js'
import { benchBatch } from './fan-out.js'
import { lambdaContext } from './lib/lambda-context.js'
import type { Figure, SectionResult } from './lib/report.js'
import { target } from './lib/report.js'
import { interleave, medianFigure, printFigures } from './lib/stats.js'

export const SECTION = 'Batch fan-out, I/O-bound: 2,000 records, 5 ms wait each, concurrency 64'

const records = 2000
const waitMs = 5
const concurrency = 64
const ideal = Math.ceil(records / concurrency) * waitMs

let sink = 0
async function work(item: unknown): Promise<void> {
  sink += (item as { status: number }).status
  await sleep(waitMs)
}
const decode = (record: KinesisStreamRecord): unknown =>
  JSON.parse(Buffer.from(record.kinesis.data, 'base64').toString('utf8'))
const silent = { debug() {}, info() {}, warn() {}, error() {} }

async function pool(event: KinesisStreamEvent): Promise<void> {
  let next = 0
  const worker = async () => {
    while (next < event.Records.length) {
      const record = event.Records[next++] as KinesisStreamRecord
      await work(decode(record))
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
}

export async function fanOutIoBenchmark(options: { rounds?: number } = {}): Promise<SectionResult> {
  const rounds = options.rounds ?? 10
  const event = benchBatch(records, 200)
  const unordered = fanOut((item) => work(item), { ordering: 'none', concurrency, logger: silent })
  const keyed = fanOut((item) => work(item), { ordering: 'key', concurrency, logger: silent })
  const processor = new BatchProcessor(EventType.KinesisDataStreams)
  const names = {
    none: "fanOut, ordering 'none', concurrency 64",
    key: "fanOut, ordering 'key' (200 keys), concurrency 64",
    pool: 'hand-written pool of 64 workers (timer floor)',
    powertools: 'Powertools BatchProcessor, processInParallel (unbounded)',
    sequential: 'sequential for loop',
  }
  const candidates = [
    { name: names.none, run: () => unordered(event, lambdaContext({ timeoutMs: 60_000 })) },
    { name: names.key, run: () => keyed(event, lambdaContext({ timeoutMs: 60_000 })) },
    { name: names.pool, run: () => pool(event) },
    {
      name: names.powertools,
      run: () =>
        processPartialResponse(event, (record: KinesisStreamRecord) => work(decode(record)), processor, {
          context: lambdaContext({ timeoutMs: 60_000 }),
          processInParallel: true,
        }),
    },
  ]
  console.log(`${SECTION}\n  ideal ⌈${records}/${concurrency}⌉ × ${waitMs} ms = ${ideal} ms; ${rounds} rounds`)
  for (const candidate of candidates) {
    const result = (await candidate.run()) as { batchItemFailures?: unknown[] } | undefined
    if ((result?.batchItemFailures?.length ?? 0) !== 0) throw new Error(`${candidate.name} reported failures`)
  }
  const { wall: samples } = await interleave(candidates, { rounds, warmup: 1 })
  const started = performance.now()
  for (const record of event.Records) await work(decode(record))
  const sequential = performance.now() - started

  const figures: Figure[] = [
    ...candidates.map(({ name }) =>
      medianFigure(SECTION, name, 'ms', samples.get(name) ?? [], {
        note: 'wall time of one batch',
        ...(name === names.powertools ? {} : { comparedTo: names.pool }),
        ...(name === names.key ? { chart: true } : {}),
      }),
    ),
    {
      section: SECTION,
      name: names.sequential,
      unit: 'ms',
      value: sequential,
      statistic: 'once',
      samples: 1,
      comparedTo: names.pool,
      note: 'timed once',
    },
    {
      section: SECTION,
      name: `ideal: ⌈${records}/${concurrency}⌉ × ${waitMs} ms`,
      unit: 'ms',
      value: ideal,
      statistic: 'total',
      note: 'computed, not measured',
    },
  ]
  printFigures(figures)
  const ours = figures[0]?.value ?? Number.NaN
  const floor = figures[2]?.value ?? Number.NaN
  const targets = [
    target(
      SECTION,
      "fanOut 'none' / ideal 160 ms",
      ours / ideal,
      1.15,
      'atMost',
      'wall time within 1.15× of ⌈2000/64⌉ × 5 ms',
    ),
  ]
  const notes = [
    `The hand-written pool of 64, which does nothing but decode and wait, took ${(floor / ideal).toFixed(2)}× the ideal: that is the cost of the timers and the event loop on this machine (a 5 ms timer fires on the first loop turn after 5 ms); fanOut 'none' took ${(ours / floor).toFixed(2)}× the pool.`,
  ]
  if (sink < 0) console.log(sink)
  return { figures, targets, notes }
}
