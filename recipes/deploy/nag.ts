/**
 * cdk-nag suppressions, written into the template metadata the way `NagSuppressions` writes them, so that the
 * constructs carry their reasons without depending on cdk-nag (a development tool: the infra tests run its
 * AwsSolutions pack over every stack, and any finding not suppressed here fails them).
 *
 * @module
 */
import { CfnResource } from 'aws-cdk-lib'
import type { IConstruct } from 'constructs'

/** One suppressed rule: its id (`AwsSolutions-IAM5`), why it does not apply, and optionally which findings only. */
export interface NagSuppression {
  readonly id: string
  readonly reason: string
  /** The findings it covers (`Resource::*`, `Policy::arn:…`); all of the rule's findings on the resource when absent. */
  readonly appliesTo?: readonly string[]
}

/**
 * Suppresses `suppressions` on `construct`'s CloudFormation resource (its default child, or itself), and with
 * `applyToChildren` on every resource below it. Reasons must be ASCII and at least 10 characters, as cdk-nag asks.
 */
export function suppressNag(construct: IConstruct, suppressions: readonly NagSuppression[], applyToChildren = false) {
  const targets = applyToChildren ? construct.node.findAll() : [construct]
  for (const target of targets) {
    const resource = target.node.defaultChild ?? target
    if (!(resource instanceof CfnResource)) continue
    const previous = (resource.getMetadata('cdk_nag')?.rules_to_suppress ?? []) as unknown[]
    const added = suppressions.map(({ id, reason, appliesTo }) => ({
      id,
      reason,
      ...(appliesTo === undefined ? {} : { applies_to: [...appliesTo] }),
    }))
    resource.addMetadata('cdk_nag', { rules_to_suppress: [...previous, ...added] })
  }
}

/** The basic execution role's CloudWatch Logs policy: AWS-managed, scoped by AWS, the documented Lambda default. */
export const basicExecutionRoleSuppression: NagSuppression = {
  id: 'AwsSolutions-IAM4',
  reason:
    'AWSLambdaBasicExecutionRole is the AWS-managed minimum for a function to write its own CloudWatch Logs (log group created by the construct, retention bounded).',
  appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
}

/** X-Ray's two actions have no resource-level permissions: AWS documents `*` as their only resource. */
export const xraySuppression: NagSuppression = {
  id: 'AwsSolutions-IAM5',
  reason:
    'xray:PutTraceSegments, xray:PutTelemetryRecords and dynamodb:ListStreams (granted for a DynamoDB Streams event source mapping) support no resource-level permissions; AWS requires Resource "*" for them.',
  appliesTo: ['Resource::*'],
}

/** The runtime is pinned on purpose: the bundles target it, and a runtime upgrade is a change to test, not a default. */
export const pinnedRuntimeSuppression: NagSuppression = {
  id: 'AwsSolutions-L1',
  reason:
    'Node.js 22 is pinned on purpose: the ESM bundles are built for node22 and the library supports Node >= 22; moving to a newer runtime is a tested upgrade, not a silent default.',
}

/** An on-failure queue is where abandoned batches end: a queue behind it would only move the problem. */
export const terminalQueueSuppression: NagSuppression = {
  id: 'AwsSolutions-SQS3',
  reason:
    'This is the terminal queue of a stream event source mapping (metadata of abandoned batches, kept 14 days, alarmed on any message); a dead-letter queue behind it would have nothing to catch.',
}
