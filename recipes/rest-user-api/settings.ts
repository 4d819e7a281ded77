/**
 * The user API's runtime settings: the one source of truth read by the CDK construct (`infra.ts`) and by the local
 * emulator wiring in `recipes/demo.ts`, so what runs locally is what is deployed.
 */
export const userApiSettings = {
  /** The function. API Gateway's integration timeout is 29 s (REST) / 30 s (HTTP API); ours answers long before. */
  function: {
    timeoutSeconds: 10,
    memoryMb: 256,
    /**
     * Concurrent instances reserved for (and the most allowed to) the function: a flood of requests cannot take the
     * account's whole Lambda concurrency, nor run up an unbounded bill. At ~25 ms a request, 20 instances serve far
     * more than the stage's rate limit below.
     */
    reservedConcurrency: 20,
  },
  /**
   * Who may call the API: tokens from this issuer for one of these audiences (a JWT authorizer on every route; see
   * recipes/deploy/README.md, "What is protected"). These are placeholders, safe to synthesize and deploy (no real
   * token carries them, so the API answers 401 to everyone): put your identity provider's values here, or pass
   * `-c jwtIssuer=… -c jwtAudience=…` to the CDK app. The recipe's local tests check tokens against the same values.
   */
  auth: {
    issuer: 'https://issuer.example.com/',
    audience: ['rest-user-api'],
  },
  /** API Gateway stage throttling: steady requests per second, and the burst above it, for the whole stage. */
  throttle: {
    rateLimit: 50,
    burstLimit: 100,
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
  /**
   * The audit trail: a function on the users table's stream (`NEW_AND_OLD_IMAGES`) that records who changed which
   * fields when, in an audit table (`audit.ts`). Read by the CDK construct (`infra-audit.ts`) and by the demo's local
   * `dynamoDbEventSource()`, so that the mapping that runs locally is the one deployed.
   */
  audit: {
    /** DynamoDB Streams event source mapping (AWS's parameter names, camel-cased). */
    eventSource: {
      batchSize: 100,
      maximumBatchingWindowInSeconds: 1,
      startingPosition: 'TRIM_HORIZON',
      parallelizationFactor: 2,
      bisectBatchOnFunctionError: true,
      maximumRetryAttempts: 5,
      maximumRecordAgeInSeconds: 3600,
      reportBatchItemFailures: true,
      tumblingWindowInSeconds: 0,
    },
    function: { timeoutSeconds: 30, memoryMb: 256 },
    /** Changes written at once inside one invocation (`fanOut`'s `concurrency`); one user's changes stay in order. */
    concurrency: 8,
  },
} as const

/** The shape of {@link userApiSettings}. */
export type UserApiSettings = typeof userApiSettings
