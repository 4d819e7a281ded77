/**
 * The user API's runtime settings: the one source of truth read by the CDK construct (`infra.ts`) and by the local
 * emulator wiring in `recipes/demo.ts`, so what runs locally is what is deployed.
 */
export const userApiSettings = {
  /** The function. API Gateway's integration timeout is 29 s (REST) / 30 s (HTTP API); ours answers long before. */
  function: {
    timeoutSeconds: 10,
    memoryMb: 256,
  },
  /** Page size of `GET /users` when `limit` is absent, and its maximum. */
  paging: {
    defaultLimit: 20,
    maxLimit: 100,
  },
  /** Warm-up schedule (EventBridge rule) and the number of instances each ping keeps warm. */
  warmup: {
    rateMinutes: 5,
    concurrency: 3,
  },
  /** API Gateway payload format the deployment uses by default: HTTP API (2.0); REST API (1.0) is a construct option. */
  payloadFormat: '2.0',
} as const

/** The shape of {@link userApiSettings}. */
export type UserApiSettings = typeof userApiSettings
