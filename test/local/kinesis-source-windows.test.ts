import type { KinesisStreamTumblingWindowEvent } from 'aws-lambda'
import { useLocalCloud } from '../helpers/local-cloud.js'
import { datas, putAll, putOne, sleep, uniqueStreamName } from './kinesis-source-helpers.js'

type WindowEvent = KinesisStreamTumblingWindowEvent & { shardId: string; eventSourceARN: string }

const local = useLocalCloud()

/** A started windowed source over a fresh one-shard stream, recording a copy of every event. */
async function windowed(
  respond: (event: WindowEvent, index: number) => unknown,
  options: { tumblingWindowInSeconds?: number; functionResponseTypes?: ['ReportBatchItemFailures'] } = {},
) {
  const streamName = uniqueStreamName('windows')
  await local.cloud.createStream(streamName, 1)
  const events: WindowEvent[] = []
  const source = await local.startSource({
    streamName,
    tumblingWindowInSeconds: options.tumblingWindowInSeconds ?? 1,
    ...(options.functionResponseTypes && { functionResponseTypes: options.functionResponseTypes }),
    handler: async (event: WindowEvent) => {
      events.push(structuredClone(event))
      return respond(event, events.length - 1)
    },
  })
  return { streamName, events, source }
}

/** Counts records into `state.count`, as a window reducer would. */
const countInto = (event: WindowEvent) => ({
  state: { count: Number(event.state?.count ?? 0) + event.Records.length },
})

describe('kinesisEventSource tumbling windows', () => {
  it('groups records by arrival window, carries state, and ends each window with a final invocation', async () => {
    const { streamName, events, source } = await windowed(countInto)
    await putAll(local.cloud, streamName, [
      { key: 'a', data: '1' },
      { key: 'b', data: '2' },
    ])
    await sleep(1100)
    await putAll(local.cloud, streamName, [{ key: 'a', data: '3' }])
    await putOne(local.cloud, streamName, 'c', '4')
    await source.drain()

    const first = events[0] as WindowEvent
    expect(Object.keys(first).sort()).toEqual(
      [
        'Records',
        'eventSourceARN',
        'isFinalInvokeForWindow',
        'isWindowTerminatedEarly',
        'shardId',
        'state',
        'window',
      ].sort(),
    )
    expect(first.shardId).toMatch(/^shardId-\d{12}$/)
    expect(first.eventSourceARN).toMatch(new RegExp(`:stream/${streamName}$`))
    expect(first.state).toEqual({})

    const finals = events.filter((event) => event.isFinalInvokeForWindow)
    const starts = [...new Set(events.map((event) => event.window.start))]
    expect(finals.map((event) => event.window.start)).toEqual(starts)
    expect(starts.length).toBeGreaterThanOrEqual(2)
    let total = 0
    for (const start of starts) {
      const inWindow = events.filter((event) => event.window.start === start)
      const final = inWindow.at(-1) as WindowEvent
      expect(final.isFinalInvokeForWindow).toBe(true)
      expect(final.isWindowTerminatedEarly).toBe(false)
      expect(final.Records).toEqual([])
      const delivered = inWindow.flatMap((event) => event.Records)
      expect(final.state).toEqual({ count: delivered.length })
      total += delivered.length
      expect(Date.parse(final.window.end) - Date.parse(start)).toBe(1000)
      for (const record of delivered) {
        const arrivalMs = record.kinesis.approximateArrivalTimestamp * 1000
        expect(arrivalMs).toBeGreaterThanOrEqual(Date.parse(start))
        expect(arrivalMs).toBeLessThan(Date.parse(final.window.end))
      }
      // Within a window, each invocation starts from the state the previous one returned.
      let count = 0
      for (const event of inWindow.slice(0, -1)) {
        expect(event.state).toEqual(count === 0 ? {} : { count })
        count += event.Records.length
      }
    }
    expect(total).toBe(4)
    expect(source.stats.windowFinalInvocations).toBe(starts.length)
  })

  it('fails an invocation whose response has no state, and retries it with the previous state', async () => {
    const { streamName, events, source } = await windowed((event, index) => (index === 0 ? {} : countInto(event)))
    await putAll(local.cloud, streamName, [
      { key: 'a', data: '1' },
      { key: 'a', data: '2' },
    ])
    await source.drain()
    expect(datas(events[0] as WindowEvent)).toEqual(['1', '2'])
    expect(datas(events[1] as WindowEvent)).toEqual(['1', '2'])
    expect(events[1]?.state).toEqual({})
    expect(events.at(-1)).toMatchObject({ isFinalInvokeForWindow: true, state: { count: 2 } })
    expect(source.stats).toMatchObject({ errors: 1, retries: 1 })
  })

  it('ends a window early when the state passes 1 MB, then goes on with a fresh state', async () => {
    const big = 'x'.repeat(1024 * 1024 + 10)
    const { streamName, events, source } = await windowed(
      (event, index) => (index === 0 ? { state: { big } } : countInto(event)),
      { tumblingWindowInSeconds: 5 },
    )
    await putOne(local.cloud, streamName, 'a', '1')
    await source.drain()
    const early = events[1] as WindowEvent
    expect(early).toMatchObject({ isWindowTerminatedEarly: true, isFinalInvokeForWindow: false, Records: [] })
    expect(early.state).toEqual({ big })
    expect(early.window).toEqual(events[0]?.window)
    const final = events.at(-1) as WindowEvent
    expect(final.isFinalInvokeForWindow).toBe(true)
    expect(final.state).toEqual({})
    expect(source.stats.windowFinalInvocations).toBe(2)
  })

  it('repeats a failing final invocation until it succeeds', async () => {
    let failedFinal = false
    const { streamName, events, source } = await windowed((event) => {
      if (event.isFinalInvokeForWindow && !failedFinal) {
        failedFinal = true
        throw new Error('flush failed')
      }
      return countInto(event)
    })
    await putOne(local.cloud, streamName, 'a', '1')
    await source.drain()
    const finals = events.filter((event) => event.isFinalInvokeForWindow)
    expect(finals).toHaveLength(2)
    expect(finals[1]?.state).toEqual({ count: 1 })
    expect(source.stats).toMatchObject({ windowFinalInvocations: 2, errors: 1 })
  })

  it('retries a window batch from the reported record with ReportBatchItemFailures', async () => {
    const { streamName, events, source } = await windowed(
      (event, index) => {
        if (index > 0) return countInto(event)
        const second = event.Records[1]?.kinesis.sequenceNumber
        return { state: { count: 1 }, batchItemFailures: [{ itemIdentifier: second }] }
      },
      { functionResponseTypes: ['ReportBatchItemFailures'] },
    )
    await putAll(local.cloud, streamName, [
      { key: 'a', data: '1' },
      { key: 'a', data: '2' },
      { key: 'a', data: '3' },
    ])
    await source.drain()
    expect(datas(events[0] as WindowEvent)).toEqual(['1', '2', '3'])
    expect(datas(events[1] as WindowEvent)).toEqual(['2', '3'])
    expect(events[1]?.state).toEqual({ count: 1 })
    expect(events.at(-1)).toMatchObject({ isFinalInvokeForWindow: true, state: { count: 3 } })
  })
})
