import { Duration, RemovalPolicy } from 'aws-cdk-lib'
import type { IMetric } from 'aws-cdk-lib/aws-cloudwatch'
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch'
import type { IFunction } from 'aws-cdk-lib/aws-lambda'
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs'
import type { Construct } from 'constructs'
import { suppressNag, terminalQueueSuppression } from './nag.js'

/** Every alarm looks at 5-minute periods and stays quiet when there is no data (no traffic is not a failure). */
export const alarmPeriod = Duration.minutes(5)

/** An alarm that fires when `metric` reaches `threshold` in one period. */
export function thresholdAlarm(
  scope: Construct,
  id: string,
  metric: IMetric,
  threshold: number,
  description: string,
): Alarm {
  return new Alarm(scope, id, {
    metric,
    threshold,
    evaluationPeriods: 1,
    comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: TreatMissingData.NOT_BREACHING,
    alarmDescription: description,
  })
}

/** Which alarms a function gets beyond errors and throttles. */
export interface FunctionAlarmOptions {
  /**
   * Alarm when the oldest record a stream consumer reads is this old (milliseconds): the consumer is falling behind.
   * Leave out for functions that do not read a stream.
   */
  readonly iteratorAgeMs?: number | undefined
}

/**
 * The alarms every recipe function gets: any invocation error (a thrown error or a timeout; with
 * ReportBatchItemFailures, failed records alone are not errors), any throttle, and for stream consumers the iterator age.
 */
export function functionAlarms(scope: Construct, fn: IFunction, options: FunctionAlarmOptions = {}): Alarm[] {
  const statistic = { period: alarmPeriod, statistic: 'Sum' }
  const alarms = [
    thresholdAlarm(scope, 'ErrorsAlarm', fn.metricErrors(statistic), 1, 'The function failed an invocation.'),
    thresholdAlarm(scope, 'ThrottlesAlarm', fn.metricThrottles(statistic), 1, 'Lambda throttled the function.'),
  ]
  if (options.iteratorAgeMs !== undefined) {
    const iteratorAge = fn.metric('IteratorAge', { period: alarmPeriod, statistic: 'Maximum' })
    alarms.push(
      thresholdAlarm(
        scope,
        'IteratorAgeAlarm',
        iteratorAge,
        options.iteratorAgeMs,
        `The stream consumer is behind: its oldest record is at least ${options.iteratorAgeMs} ms old.`,
      ),
    )
  }
  return alarms
}

/**
 * The SQS queue a stream event source mapping sends the metadata of abandoned batches to (no record data: see
 * AWS-SEMANTICS "On-failure record"), with an alarm on any message in it. Kept 14 days, the SQS maximum, so that the
 * batches can be replayed from the stream's shard and sequence numbers while the stream still holds them.
 */
export function onFailureQueue(scope: Construct, id: string): { queue: Queue; alarm: Alarm } {
  const queue = new Queue(scope, id, {
    retentionPeriod: Duration.days(14),
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    removalPolicy: RemovalPolicy.DESTROY,
  })
  suppressNag(queue, [terminalQueueSuppression])
  const visible = queue.metricApproximateNumberOfMessagesVisible({ period: alarmPeriod, statistic: 'Maximum' })
  const alarm = thresholdAlarm(scope, `${id}Alarm`, visible, 1, 'Lambda gave up on a stream batch: see the queue.')
  return { queue, alarm }
}
