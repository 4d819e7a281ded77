/**
 * Fault injection at the wire: which faults the Kinesis proxy injects, how to change them while it runs, and what it
 * counted. The proxy itself is in `fault-proxy.ts`.
 *
 * @module
 */
import { randomInt } from 'node:crypto'
import * as rules from '../option-rules.js'
import { checkOptions, withDefaults } from '../options.js'
import { LocalCloudError } from './local-cloud-error.js'
import { seededRandom } from './seeded-random.js'

/**
 * Which faults the proxy injects. Rates are probabilities from 0 to 1, drawn independently for every request (and
 * every PutRecords entry) from a generator seeded with `seed`, so a run can be replayed.
 * @group Local cloud
 */
export interface KinesisFaults {
  /**
   * Share of PutRecords entries answered `ProvisionedThroughputExceededException` (and not written).
   * @defaultValue `0`
   */
  putRecordsThrottleRate?: number
  /**
   * Share of PutRecords entries answered `InternalFailure` (and not written).
   * @defaultValue `0`
   */
  putRecordsInternalFailureRate?: number
  /**
   * Share of whole requests answered `400 ProvisionedThroughputExceededException` (`LimitExceededException` for
   * control-plane operations such as `ListShards`), as AWS throttles. Nothing of the request is applied.
   * @defaultValue `0`
   */
  requestThrottleRate?: number
  /**
   * Share of whole requests answered `500 InternalFailure`. Nothing of the request is applied.
   * @defaultValue `0`
   */
  requestInternalFailureRate?: number
  /**
   * Milliseconds added before every affected request is handled (or refused).
   * @defaultValue `0`
   */
  latencyMs?: number
  /**
   * The operations (`X-Amz-Target` names such as `'GetRecords'`) that faults and latency apply to, or `'all'`.
   * Other requests pass through untouched.
   * @defaultValue `['PutRecord', 'PutRecords']`
   */
  operations?: readonly string[] | 'all'
  /**
   * Seed of the generator that decides which requests and entries fail.
   * @defaultValue a random seed
   */
  seed?: number
}

/**
 * How many faults the proxy has injected since it started (or since {@link FaultController.resetCounts}).
 * @group Local cloud
 */
export interface FaultCounts {
  /** Requests that reached the proxy, affected or not. */
  requests: number
  /** Requests held back by `latencyMs`. */
  delayedRequests: number
  /** Whole requests answered with a 400 throttling error. */
  throttledRequests: number
  /** Whole requests answered with a 500 `InternalFailure`. */
  internalFailureRequests: number
  /** PutRecords entries answered `ProvisionedThroughputExceededException`. */
  throttledEntries: number
  /** PutRecords entries answered `InternalFailure`. */
  internalFailureEntries: number
}

/**
 * Reads and changes the fault settings of a running proxy, and counts what it injected.
 * @group Local cloud
 */
export interface FaultController {
  /** The settings in force, every default filled in. */
  readonly settings: Readonly<Required<KinesisFaults>>
  /** A snapshot of what was injected so far. */
  readonly counts: Readonly<FaultCounts>
  /** Changes some settings from the next request on; the rest stay. A new `seed` restarts the generator. */
  update(changes: KinesisFaults): void
  /** Sets every count back to zero. */
  resetCounts(): void
}

const defaults = {
  putRecordsThrottleRate: 0,
  putRecordsInternalFailureRate: 0,
  requestThrottleRate: 0,
  requestInternalFailureRate: 0,
  latencyMs: 0,
  operations: ['PutRecord', 'PutRecords'],
} as const

function zeroCounts(): FaultCounts {
  return {
    requests: 0,
    delayedRequests: 0,
    throttledRequests: 0,
    internalFailureRequests: 0,
    throttledEntries: 0,
    internalFailureEntries: 0,
  }
}

const rate = rules.number({ min: 0, max: 1 })

const faultsSpec = {
  putRecordsThrottleRate: rate,
  putRecordsInternalFailureRate: rate,
  requestThrottleRate: rate,
  requestInternalFailureRate: rate,
  latencyMs: rules.ms(),
  operations: rules.either(
    rules.oneOf('all'),
    rules.where(
      (value) => Array.isArray(value) && value.every((item) => typeof item === 'string'),
      'an array of operation names',
      'type',
    ),
  ),
  seed: rules.number({ integer: true }),
}

/** Checks fault settings (given ones, or all of them) and throws `LocalCloudError` naming the first bad one. */
export function checkFaults(faults: KinesisFaults, owner = 'faults'): void {
  checkOptions(faults, faultsSpec, { owner, error: (message) => new LocalCloudError(message) })
}

function checkSettings(settings: Required<KinesisFaults>): void {
  checkFaults(settings)
  if (settings.requestThrottleRate + settings.requestInternalFailureRate > 1)
    throw new LocalCloudError('faults.requestThrottleRate + faults.requestInternalFailureRate must not exceed 1')
  if (settings.putRecordsThrottleRate + settings.putRecordsInternalFailureRate > 1)
    throw new LocalCloudError('faults.putRecordsThrottleRate + faults.putRecordsInternalFailureRate must not exceed 1')
}

/** The live state behind a {@link FaultController}, as the proxy uses it. Internal. */
export interface FaultState {
  /** Steers and reads the state from outside. */
  readonly controller: FaultController
  /** The settings in force now. */
  current(): Readonly<Required<KinesisFaults>>
  /** The next number in [0, 1) of the seeded generator. */
  draw(): number
  /** Adds one to a count. */
  count(name: keyof FaultCounts): void
}

/** Settings with defaults filled in and checked, a seeded generator, and zeroed counts. */
export function createFaultState(faults: KinesisFaults): FaultState {
  let settings = withDefaults({ ...defaults, seed: randomInt(2 ** 31) }, faults) as Required<KinesisFaults>
  checkSettings(settings)
  let random = seededRandom(settings.seed)
  let counts = zeroCounts()
  return {
    controller: {
      get settings() {
        return { ...settings }
      },
      get counts() {
        return { ...counts }
      },
      update(changes) {
        const next = withDefaults(settings, changes) as Required<KinesisFaults>
        checkSettings(next)
        if (changes.seed !== undefined) random = seededRandom(changes.seed)
        settings = next
      },
      resetCounts() {
        counts = zeroCounts()
      },
    },
    current: () => settings,
    draw: () => random(),
    count(name) {
      counts[name] += 1
    },
  }
}
