/**
 * The front door's deadline: API Gateway stops waiting for the function after its integration timeout, whatever the
 * function's own timeout says. `timeoutGuard()` answers before whichever comes first. Pure functions of the event,
 * the clock and the context; the AWS facts behind them are in `docs/aws-semantics.md`.
 *
 * @module
 */
import type { Context } from 'aws-lambda'
import { isHttpV1Event, isHttpV2Event } from '../events.js'

/**
 * API Gateway's default integration timeouts, by payload format: payload 1.0 comes from a REST API (or an HTTP API
 * configured for 1.0), whose default is 29 s; 2.0 only from an HTTP API, whose default and maximum is 30 s.
 */
export const defaultIntegrationTimeoutMs = { v1: 29_000, v2: 30_000 } as const

/**
 * The moment the front door gives up on this event, in epoch milliseconds, or `Infinity` when the event has no front
 * door: not an API Gateway event, a Lambda function URL (whose only limit is the function's timeout), or no readable
 * arrival time. The request's arrival is `requestContext.requestTimeEpoch` (payload 1.0) or
 * `requestContext.timeEpoch` (2.0); the deadline is that plus `integrationTimeoutMs` (default per format).
 *
 * A live request's age is between 0 and the integration timeout. An arrival time outside that window, in the future
 * or older than the timeout (the gateway would already have answered, so nobody is waiting on this value: a clock out
 * of step, a replayed or hand-written event), counts as arriving now: the deadline is then `now +
 * integrationTimeoutMs`, never earlier than the real front door's and never "instantly" or "never".
 */
export function frontDoorDeadline(event: unknown, now: number, integrationTimeoutMs: number | undefined): number {
  let arrival: unknown
  let timeoutMs: number
  if (isHttpV2Event(event)) {
    const { domainName, timeEpoch } = event.requestContext as { domainName?: unknown; timeEpoch?: unknown }
    if (typeof domainName === 'string' && domainName.includes('.lambda-url.')) return Infinity
    arrival = timeEpoch
    timeoutMs = integrationTimeoutMs ?? defaultIntegrationTimeoutMs.v2
  } else if (isHttpV1Event(event)) {
    arrival = (event.requestContext as { requestTimeEpoch?: unknown }).requestTimeEpoch
    timeoutMs = integrationTimeoutMs ?? defaultIntegrationTimeoutMs.v1
  } else return Infinity
  if (typeof arrival !== 'number' || !Number.isFinite(arrival)) return Infinity
  const age = now - arrival
  return (age > 0 && age < timeoutMs ? arrival : now) + timeoutMs
}

/**
 * The context the chain sees when the front door's deadline comes before Lambda's: a copy of `context` whose
 * `getRemainingTimeInMillis()` counts down to `deadline`, so that Middy core, the budget and the handler all measure
 * from the earlier one. A copy, not an object with Lambda's context as its prototype: a fresh prototype per invocation
 * made `budgetOf()` on it cost ~9 µs instead of ~0.2 µs (V8 rebuilds its hidden classes). Setting
 * `callbackWaitsForEmptyEventLoop` on the copy does not reach Lambda; it only matters to callback-style handlers,
 * which Middy 7 does not run.
 */
export function frontDoorContext(context: Context, deadline: number): Context {
  return { ...context, getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()) }
}
