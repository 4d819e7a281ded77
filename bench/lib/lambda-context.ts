import type { Context } from 'aws-lambda'

/** A context as Lambda makes one for each invocation: a fresh object (so a fresh budget), a real countdown. */
export function lambdaContext(options: { timeoutMs?: number; memoryMb?: number } = {}): Context {
  const deadline = Date.now() + (options.timeoutMs ?? 3000)
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'bench',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:bench',
    memoryLimitInMB: String(options.memoryMb ?? 1024),
    awsRequestId: 'bench-request',
    logGroupName: '/aws/lambda/bench',
    logStreamName: 'bench',
    getRemainingTimeInMillis: () => deadline - Date.now(),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  }
}
