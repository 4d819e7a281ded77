/**
 * The Powertools tracer, loaded only when it would trace. Its module loads the X-Ray SDK (with `cls-hooked`'s async
 * hook), which cost the cold start ~25 ms of CPU even with tracing off (`npm run bench`, cold-start section).
 *
 * @module
 */
import type { Tracer } from '@aws-lambda-powertools/tracer'

/**
 * Whether the Powertools tracer would trace here, by its own rule: in Lambda (`AWS_EXECUTION_ENV`), not in SAM local or
 * Amplify's mock, and `POWERTOOLS_TRACE_ENABLED` not `false`. The deployed function has active tracing, so it traces.
 */
export function tracingEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  const execution = env.AWS_EXECUTION_ENV ?? ''
  if (env.POWERTOOLS_TRACE_ENABLED?.toLowerCase() === 'false') return false
  return execution !== '' && execution !== 'AWS_Lambda_amplify-mock' && !env.AWS_SAM_LOCAL
}

/** A tracer for `serviceName` when {@link tracingEnabled}, else none (nothing of the tracer is loaded). */
export async function tracerIfEnabled(serviceName: string): Promise<Tracer | undefined> {
  if (!tracingEnabled()) return undefined
  const { Tracer } = await import('@aws-lambda-powertools/tracer')
  return new Tracer({ serviceName })
}
