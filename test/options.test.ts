import type { KinesisClient } from '@aws-sdk/client-kinesis'
import {
  fanOut,
  httpErrors,
  kafkaWindowReducer,
  memoryWatchdog,
  putRecords,
  timeoutGuard,
  validate,
  warmup,
  windowReducer,
} from 'serverless-done-right'
import {
  httpGateway,
  invoke,
  invokeConcurrently,
  kinesisEventSource,
  type LocalCloud,
  startLocalCloud,
} from 'serverless-done-right/local'
import { z } from 'zod'

// Issue 15: every public factory checks its options when it is created, with one convention. Each row names a factory,
// a call that creates it from an options object, valid required options, and which of its options are numbers, times,
// enums and functions; the cases below are generated from that, so a factory that skips a check fails here.

type Options = Record<string, unknown>

interface Factory {
  readonly name: string
  readonly create: (options: Options) => unknown
  readonly required?: Options
  /** A misspelled option and the known name the error must suggest. */
  readonly typo: readonly [string, string]
  readonly numbers?: readonly string[]
  /** Options in milliseconds: a Node timer fires after 1 ms for anything over 2^31−1. */
  readonly times?: readonly string[]
  /** An option and a value that differs from a valid one only in case. */
  readonly enums?: Readonly<Record<string, string>>
  readonly functions?: readonly string[]
  /** Further bad values: [what, options, the option the message must name]. */
  readonly others?: ReadonlyArray<readonly [string, Options, string]>
}

const fakeCloud = {} as LocalCloud // never used: the options are refused before the source touches its cloud
const fakeKinesis = {} as KinesisClient // never used: the options are refused before anything is sent

const factories: readonly Factory[] = [
  {
    name: 'warmup',
    create: (options) => warmup(options),
    typo: ['isWarmingUp', 'isWarmup'], // Middy's @middy/warmup name
    numbers: ['delayMs', 'maxConcurrency'],
    times: ['delayMs'],
    functions: ['isWarmup', 'invoke'],
    others: [
      ['a logger without error()', { logger: { info: () => undefined } }, 'logger'],
      ['an empty scheduleRule', { scheduleRule: '' }, 'scheduleRule'],
    ],
  },
  {
    name: 'timeoutGuard',
    create: (options) => timeoutGuard(options),
    typo: ['softMargin', 'softMarginMs'],
    numbers: ['softMarginMs', 'hardMarginMs'],
    times: ['softMarginMs', 'hardMarginMs'],
    functions: ['fallback'],
  },
  {
    name: 'memoryWatchdog',
    create: (options) => memoryWatchdog(options),
    typo: ['sampleInterval', 'sampleIntervalMs'],
    numbers: ['memoryMb', 'sampleIntervalMs', 'warnRatio', 'shedRatio', 'shedAllRatio', 'leakWindow'],
    times: ['sampleIntervalMs'],
    functions: ['onSummary'],
    others: [
      ['the old name limitMb', { limitMb: 512 }, 'renamed memoryMb'],
      ['the old name onReport', { onReport: () => undefined }, 'renamed onSummary'],
    ],
  },
  {
    name: 'validate',
    create: (options) => validate(options as never),
    required: { body: z.object({}) },
    typo: ['bdy', 'body'],
    others: [['a JSON schema instead of a Standard Schema', { query: { type: 'object' } }, 'query']],
  },
  {
    name: 'httpErrors',
    create: (options) => httpErrors(options),
    typo: ['clientErrorlevel', 'clientErrorLevel'],
    enums: { clientErrorLevel: 'WARN' },
    others: [['a logger without debug()', { logger: { info() {}, warn() {}, error() {} } }, 'logger']],
  },
  {
    name: 'fanOut',
    create: (options) => fanOut(async () => undefined, options),
    typo: ['concurency', 'concurrency'],
    numbers: ['concurrency', 'drainMs'],
    times: ['drainMs'],
    enums: { ordering: 'Key', decode: 'JSON', onInvalid: 'Dead-letter', onPermanent: 'Fail' },
    functions: ['onSummary', 'deadLetter'],
    others: [['a boolean throwOnFullBatchFailure given as a string', { throwOnFullBatchFailure: 'false' }, 'throwOn']],
  },
  {
    name: 'windowReducer',
    create: (options) => windowReducer(options as never),
    required: { key: () => 'k', reduce: () => 1, initial: () => 0, flush: async () => undefined },
    typo: ['maxStateByte', 'maxStateBytes'],
    numbers: ['maxStateBytes'],
    enums: { decode: 'Text', onInvalid: 'DEAD-LETTER', onPermanent: 'dead letter' },
    functions: ['key', 'reduce', 'initial', 'flush', 'onSummary', 'deadLetter'],
  },
  {
    name: 'kafkaWindowReducer',
    create: (options) => kafkaWindowReducer(options as never),
    required: {
      table: { client: { send: async () => ({}) }, tableName: 'state' },
      windowMs: 60_000,
      reduce: () => 1,
      initial: () => 0,
      onWindowClosed: async () => undefined,
    },
    typo: ['allowedLateness', 'allowedLatenessMs'],
    numbers: ['allowedLatenessMs', 'maxStateBytes'],
    enums: { decode: 'Text', onInvalid: 'Fail', onPermanent: 'Dead-letter', onLate: 'Drop' },
    functions: ['timeOf', 'reduce', 'initial', 'onWindowClosed', 'onSummary', 'deadLetter'],
    others: [
      ['a table without a client', { table: { tableName: 'state' } }, 'table'],
      ['a window of 0 ms', { windowMs: 0 }, 'windowMs'],
      ['a window given as a string', { windowMs: '60000' }, 'windowMs'],
      ['an empty name', { name: '' }, 'name'],
    ],
  },
  {
    name: 'putRecords',
    create: (options) => putRecords(fakeKinesis, 'stream', [], options),
    typo: ['maxAttempt', 'maxAttempts'],
    numbers: [
      'maxAttempts',
      'baseDelayMs',
      'maxDelayMs',
      'maxEntriesPerRequest',
      'maxBytesPerRequest',
      'maxEntryBytes',
    ],
    times: ['baseDelayMs', 'maxDelayMs'],
    others: [['a signal that is not an AbortSignal', { signal: { aborted: false } }, 'signal']],
  },
  {
    name: 'startLocalCloud',
    create: (options) => startLocalCloud(options),
    typo: ['kinesisport', 'kinesisPort'],
    numbers: ['kinesisPort', 'dynamodbPort'],
    others: [['a fault latency past a timer', { faults: { latencyMs: 2 ** 31 } }, 'latencyMs']],
  },
  {
    name: 'invoke',
    create: (options) => invoke(async () => 'ran', {}, options),
    typo: ['timeout', 'timeoutMs'],
    numbers: ['timeoutMs', 'memoryMb'],
    times: ['timeoutMs'],
    others: [['env with a number', { env: { PORT: 80 } }, 'env']],
  },
  {
    name: 'invokeConcurrently',
    create: (options) => invokeConcurrently(async () => 'ran', [{}], options),
    typo: ['timeout', 'timeoutMs'],
    numbers: ['timeoutMs', 'memoryMb'],
    times: ['timeoutMs'],
    others: [
      ['env with a number', { env: { PORT: 80 } }, 'env'],
      ['a timeout list with a bad entry', { timeoutMs: [0] }, 'timeoutMs'],
      ['request ids that repeat', { requestIds: ['a', 'a'] }, 'requestIds'],
    ],
  },
  {
    name: 'kinesisEventSource',
    create: (options) => kinesisEventSource(options as never),
    required: { cloud: fakeCloud, streamName: 'events', handler: async () => ({}) },
    typo: ['batchsize', 'batchSize'],
    numbers: [
      'batchSize',
      'maximumBatchingWindowInSeconds',
      'parallelizationFactor',
      'maximumRetryAttempts',
      'maximumRecordAgeInSeconds',
      'tumblingWindowInSeconds',
      'timeoutMs',
      'memoryMb',
      'pollIntervalMs',
    ],
    times: ['timeoutMs', 'pollIntervalMs'],
    enums: { startingPosition: 'latest' },
    functions: ['handler'],
    others: [['a non-function onFailure', { destinationConfig: { onFailure: 'queue' } }, 'onFailure']],
  },
  {
    name: 'httpGateway',
    create: (options) => httpGateway(options as never),
    required: { payloadFormat: '2.0', routes: async () => ({}) },
    typo: ['onInvok', 'onInvoke'],
    numbers: ['port', 'timeoutMs'],
    times: ['timeoutMs'],
    enums: { payloadFormat: '2' },
    functions: ['onInvoke'],
    others: [['a bad invokeOptions.memoryMb', { invokeOptions: { memoryMb: '128' } }, 'memoryMb']],
  },
]

interface Case {
  readonly factory: Factory
  readonly what: string
  readonly options: Options
  /** What the error message must contain: the option's name, or the suggestion. */
  readonly mentions: readonly string[]
}

function casesOf(factory: Factory): Case[] {
  const make = (what: string, extra: Options, mentions: readonly string[]): Case => ({
    factory,
    what,
    options: { ...factory.required, ...extra },
    mentions,
  })
  const [typo, known] = factory.typo
  return [
    make(`unknown option ${typo}`, { [typo]: 1 }, [typo, `did you mean ${known}?`]),
    ...(factory.numbers ?? []).flatMap((name) => [
      make(`${name} as a string`, { [name]: '100' }, [name, '"100"']),
      make(`${name} NaN`, { [name]: Number.NaN }, [name]),
      make(`${name} Infinity`, { [name]: Number.POSITIVE_INFINITY }, [name]),
    ]),
    ...(factory.times ?? []).map((name) => make(`${name} 2^31 ms`, { [name]: 2 ** 31 }, [name])),
    ...Object.entries(factory.enums ?? {}).map(([name, value]) => make(`${name} ${value}`, { [name]: value }, [name])),
    ...(factory.functions ?? []).map((name) => make(`${name} not a function`, { [name]: 'nope' }, [name])),
    ...(factory.others ?? []).map(([what, options, mention]) => make(what, options, [mention])),
  ]
}

/** The error creating the factory threw (or its promise rejected with); `undefined` when it was created. */
async function creationError(create: () => unknown): Promise<unknown> {
  try {
    const created = await create()
    // Created despite bad options: release what it holds so that the failure does not hang the suite.
    const handle = created as { stop?: () => Promise<void>; close?: () => Promise<void> } | undefined
    await handle?.stop?.()
    await handle?.close?.()
    return undefined
  } catch (error) {
    return error
  }
}

const cases = factories.flatMap(casesOf)

describe('every public factory checks its options at creation', () => {
  it('covers every public factory, each with cases of its option kinds', () => {
    expect(factories.map((factory) => factory.name).sort()).toEqual(
      [
        'fanOut',
        'httpErrors',
        'httpGateway',
        'invoke',
        'invokeConcurrently',
        'kafkaWindowReducer',
        'kinesisEventSource',
        'memoryWatchdog',
        'putRecords',
        'startLocalCloud',
        'timeoutGuard',
        'validate',
        'warmup',
        'windowReducer',
      ].sort(),
    )
    expect(cases.length).toBeGreaterThan(100)
  })

  it.each(cases.map((entry) => [entry.factory.name, entry.what, entry] as const))(
    '%s refuses %s, naming the option',
    async (_name, _what, { factory, options, mentions }) => {
      const error = await creationError(() => factory.create(options))
      expect(error).toBeInstanceOf(Error)
      const message = (error as Error).message
      expect(message.startsWith(factory.name)).toBe(true)
      for (const mention of mentions) expect(message).toContain(mention)
    },
  )

  it.each(factories.filter((factory) => !['startLocalCloud', 'httpGateway'].includes(factory.name)))(
    '$name takes an option given as undefined as its default',
    async (factory) => {
      const names = [
        ...(factory.numbers ?? []),
        ...Object.keys(factory.enums ?? {}),
        ...(factory.functions ?? []).filter((name) => factory.required?.[name] === undefined),
      ]
      const undefinedOptions = Object.fromEntries(names.map((name) => [name, undefined]))
      expect(await creationError(() => factory.create({ ...factory.required, ...undefinedOptions }))).toBeUndefined()
    },
  )
})

describe('the kinds of option errors', () => {
  it('throws a TypeError for an unknown name or a wrong type and a RangeError for a number out of range', () => {
    expect(() => warmup({ isWarmingUp: () => true } as never)).toThrow(TypeError)
    expect(() => warmup({ delayMs: '75' } as never)).toThrow(TypeError)
    expect(() => warmup({ delayMs: -1 })).toThrow(RangeError)
    expect(() => fanOut(async () => undefined, { ordering: 'Key' } as never)).toThrow(
      `fanOut(recordHandler, options): ordering must be one of "key", "batch", "none", got "Key"`,
    )
  })

  it('lists the known names when nothing is close', () => {
    expect(() => timeoutGuard({ zzz: 1 } as never)).toThrow(
      'timeoutGuard(options): unknown option zzz; known options: softMarginMs, hardMarginMs, fallback, integrationTimeoutMs, logger',
    )
  })

  it('refuses options that are not an object', () => {
    expect(() => memoryWatchdog(5 as never)).toThrow('memoryWatchdog(options): options must be an object, got 5')
  })
})
