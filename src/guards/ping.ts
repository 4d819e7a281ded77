/**
 * Recognising warm-up pings: which warmer sent an event, and what lambda-warmer's concurrency fields ask for.
 * Pure functions of the event; used by `warmup()`.
 *
 * @module
 */
import type { Context } from 'aws-lambda'

/**
 * Which warmer sent a ping; `custom` when `WarmupOptions.isWarmup` recognised it.
 * @group Guards
 */
export type WarmupSource = 'serverless-plugin-warmup' | 'lambda-warmer' | 'schedule' | 'custom'

/**
 * The payload a lambda-warmer leader sends to each concurrency copy `2…N`, and that `WarmupOptions.invoke` gets.
 * @group Guards
 */
export interface WarmerPayload {
  /** lambda-warmer's flag. */
  readonly warmer: true
  /** Which copy this is, `2…N` (the leader is copy 1). */
  readonly __WARMER_INVOCATION__: number
  /** How many instances the ping asked for, `N`. */
  readonly __WARMER_CONCURRENCY__: number
  /** The leader's request id, shared by every copy of one ping. */
  readonly __WARMER_CORRELATIONID__: string
}

type Fields = Record<string, unknown>

function isObject(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null
}

/**
 * A test for one EventBridge rule ARN. A string matches the whole ARN or the rule's name (the ARN's last segment,
 * so rules on a custom event bus, `rule/<bus>/<name>`, match by name too); a RegExp is tested against the ARN.
 */
export function ruleMatcher(rule: string | RegExp): (arn: string) => boolean {
  if (rule instanceof RegExp) {
    // Without `g` or `y`, `test()` keeps no `lastIndex` between calls: the same ARN always gets the same answer.
    const pattern = new RegExp(rule.source, rule.flags.replace(/[gy]/g, ''))
    return (arn) => pattern.test(arn)
  }
  return (arn) => arn === rule || arn.endsWith(`/${rule}`)
}

function fromServerlessPluginWarmup(event: Fields, context: Context | undefined): boolean {
  if (event.source === 'serverless-plugin-warmup') return true
  // The plugin also sends its payload as the invoke's ClientContext: `{ "custom": <payload> }`.
  const clientContext: unknown = context?.clientContext
  if (!isObject(clientContext)) return false
  const custom: unknown = clientContext.custom ?? clientContext.Custom
  return isObject(custom) && custom.source === 'serverless-plugin-warmup'
}

function fromSchedule(event: Fields, matchesRule: (arn: string) => boolean): boolean {
  if (event['detail-type'] !== 'Scheduled Event' || event.source !== 'aws.events') return false
  const resources: unknown = event.resources
  return Array.isArray(resources) && resources.some((arn) => typeof arn === 'string' && matchesRule(arn))
}

/**
 * Which warmer sent `event`, or `undefined` for real work. Recognises serverless-plugin-warmup
 * (`{"source":"serverless-plugin-warmup"}`, in the payload or the ClientContext), lambda-warmer (`{"warmer":true}`),
 * and, only when `matchesRule` is given, an EventBridge `Scheduled Event` from a matching rule.
 */
export function pingSource(
  event: unknown,
  context: Context | undefined,
  matchesRule: ((arn: string) => boolean) | undefined,
): WarmupSource | undefined {
  if (!isObject(event)) return undefined
  if (event.warmer === true) return 'lambda-warmer'
  if (fromServerlessPluginWarmup(event, context)) return 'serverless-plugin-warmup'
  if (matchesRule !== undefined && fromSchedule(event, matchesRule)) return 'schedule'
  return undefined
}

/** A whole number of at least 1, given as a number or (as lambda-warmer also accepts) a numeric string. */
function positiveInteger(value: unknown): number | undefined {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value
  return typeof number === 'number' && Number.isSafeInteger(number) && number >= 1 ? number : undefined
}

/** What a ping asks of concurrency warming. */
export interface ConcurrencyRequest {
  /** Instances asked for: lambda-warmer's `concurrency` (or `__WARMER_CONCURRENCY__` in a copy); 1 when absent. */
  readonly concurrency: number
  /** This copy's number (`__WARMER_INVOCATION__`, `1…N`); 1 for a ping that is no copy. */
  readonly copy: number
  /**
   * True when the ping carries `__WARMER_INVOCATION__`: a leader sent it as one of its copies (copy 1 too, when a
   * warmer function warms another one). A copy never fans out again.
   */
  readonly isCopy: boolean
  /** The leader's request id, carried by every copy; `undefined` in a ping that is no copy. */
  readonly correlationId: string | undefined
  /** lambda-warmer's `test` flag (any truthy value): answer, but invoke nothing. */
  readonly test: boolean
  /**
   * lambda-warmer's `target`, when it names another function than `context`'s (see {@link namesOtherFunction}): this
   * function is then a warmer, and its copies go there. `undefined` in a copy, or when the target is this function.
   */
  readonly target: string | undefined
}

/** Reads lambda-warmer's concurrency fields from a ping received with `context`. Malformed values count as absent. */
export function concurrencyRequest(event: unknown, context?: Context): ConcurrencyRequest {
  const fields: Fields = isObject(event) ? event : {}
  const test = Boolean(fields.test)
  const copy = positiveInteger(fields.__WARMER_INVOCATION__)
  if (copy === undefined) {
    const named = typeof fields.target === 'string' && fields.target !== '' ? fields.target : undefined
    const target = namesOtherFunction(named, context) ? named : undefined
    return {
      concurrency: positiveInteger(fields.concurrency) ?? 1,
      copy: 1,
      isCopy: false,
      correlationId: undefined,
      test,
      target,
    }
  }
  const correlationId = fields.__WARMER_CORRELATIONID__
  return {
    concurrency: positiveInteger(fields.__WARMER_CONCURRENCY__) ?? copy,
    copy,
    isCopy: true,
    correlationId: typeof correlationId === 'string' ? correlationId : undefined,
    test,
    target: undefined,
  }
}

/**
 * True when lambda-warmer's `target` names a function other than the one running, as lambda-warmer decides it: the
 * target is this function when it is `name:version`, `name:alias` (the alias this invocation came through, the last
 * segment of `invokedFunctionArn`), or the bare name while the version is `$LATEST`.
 */
export function namesOtherFunction(target: string | undefined, context: Context | undefined): boolean {
  if (target === undefined) return false
  const name = context?.functionName
  const version = context?.functionVersion
  const alias = context?.invokedFunctionArn?.split(':').pop()
  return !(
    target === `${name}:${version}` ||
    target === `${name}:${alias}` ||
    (target === name && version === '$LATEST')
  )
}
