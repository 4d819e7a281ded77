/**
 * How the local emulators check their options: the shared checker of `src/options.ts`, throwing `LocalOptionsError`,
 * and the rules of the options every emulator that invokes a function shares. New emulators (event sources, gateways)
 * build their spec from these. Internal.
 *
 * @module
 */

import * as rules from '../option-rules.js'
import type { CheckSettings } from '../options.js'
import { LocalOptionsError } from './options-error.js'

/**
 * Options of `invoke`. Every field is optional.
 * @group Local cloud
 */
export interface InvokeOptions {
  /**
   * The function timeout in milliseconds. A handler still running then yields a `timeout` result.
   * @defaultValue `3000` (Lambda's default)
   */
  timeoutMs?: number
  /**
   * The function memory in MB: `context.memoryLimitInMB` is `String(memoryMb)` and `AWS_LAMBDA_FUNCTION_MEMORY_SIZE`
   * holds it. Reported to the handler, not enforced.
   * @defaultValue `128`
   */
  memoryMb?: number
  /**
   * The function name, in the context, the ARN, the log group and `AWS_LAMBDA_FUNCTION_NAME`.
   * @defaultValue `'local-function'`
   */
  functionName?: string
  /**
   * `context.awsRequestId`.
   * @defaultValue a fresh `crypto.randomUUID()`
   */
  requestId?: string
  /**
   * The region, in the ARN, `AWS_REGION` and `AWS_DEFAULT_REGION`.
   * @defaultValue `'us-east-1'`
   */
  region?: string
  /**
   * Extra environment variables, visible in `process.env` during the call (your function's configured environment).
   * The Lambda variables `invoke` sets win over these, as Lambda does not let a function set its reserved ones.
   * @defaultValue `{}`
   */
  env?: Record<string, string>
}

/** The {@link CheckSettings} of an emulator: messages start with `owner`, errors are `LocalOptionsError`s. */
export function localCheck(owner: string): CheckSettings {
  return { owner, error: (message) => new LocalOptionsError(message) }
}

/** The options of the function an emulator invokes (as `invoke()` takes them), with Lambda's limits. */
export const functionRules = {
  /** Lambda takes 1 to 900 seconds; the emulators also take less than a second, for tests. */
  timeoutMs: rules.number({ above: 0, max: 900_000, unit: 'milliseconds' }),
  /** Lambda takes 128 to 10,240 MB; the emulators take from 1, since the value is only reported. */
  memoryMb: rules.number({ min: 1, max: 10_240, integer: true }),
  functionName: rules.string(),
  region: rules.string(),
} as const

/** An event source's `pollIntervalMs`: more than 0, at most what a timer can wait. */
export const pollIntervalRule = rules.ms({ above: 0 })

/** The options of `invoke()`. */
export const invokeRules = {
  ...functionRules,
  requestId: rules.string(),
  env: rules.where(
    (value) =>
      typeof value === 'object' && value !== null && Object.values(value).every((item) => typeof item === 'string'),
    'an object of string values',
    'type',
  ),
}
