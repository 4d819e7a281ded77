import type { Context } from 'aws-lambda'

/**
 * A Lambda-shaped context whose clock runs for real: `getRemainingTimeInMillis()` counts down from `timeoutMs`.
 * Tests that need a whole invocation use `invoke()` from `serverless-done-right/local` instead.
 */
export function lambdaContext(options: { timeoutMs?: number; memoryMb?: number; requestId?: string } = {}): Context {
  const deadline = Date.now() + (options.timeoutMs ?? 3000)
  const requestId = options.requestId ?? `req-${Math.random().toString(36).slice(2, 10)}`
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'test-fn',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:test-fn',
    memoryLimitInMB: String(options.memoryMb ?? 128),
    awsRequestId: requestId,
    logGroupName: '/aws/lambda/test-fn',
    logStreamName: '2026/11/27/[$LATEST]0123456789abcdef',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  }
}
