/**
 * The local cloud's setup calls: create a stream or a table (or find it) and wait until it is active. They go to the
 * services directly, past any injected fault.
 *
 * @module
 */
import type { LocalCloud } from './cloud-types.js'
import { LocalCloudError } from './local-cloud-error.js'
import type { LocalCloudModules } from './peers.js'
import { waitUntil } from './wait-until.js'

/** Creates a stream (or finds it) and waits until it is active with `shardCount` open shards. */
export async function createStream(
  sdk: LocalCloudModules['kinesis'],
  client: InstanceType<LocalCloudModules['kinesis']['KinesisClient']>,
  name: string,
  shardCount: number,
): Promise<void> {
  try {
    await client.send(new sdk.CreateStreamCommand({ StreamName: name, ShardCount: shardCount }))
  } catch (error) {
    if (!(error instanceof sdk.ResourceInUseException)) throw error
  }
  const summary = await waitUntil(`stream ${name} to be ACTIVE`, async () => {
    const { StreamDescriptionSummary } = await client.send(new sdk.DescribeStreamSummaryCommand({ StreamName: name }))
    return StreamDescriptionSummary?.StreamStatus === 'ACTIVE' ? StreamDescriptionSummary : undefined
  })
  if (summary.OpenShardCount !== shardCount)
    throw new LocalCloudError(`stream ${name} exists with ${summary.OpenShardCount} open shards, not ${shardCount}`)
}

/** Creates a table (or finds it) and waits until it is active. */
export async function createTable(
  sdk: LocalCloudModules['dynamodb'],
  client: InstanceType<LocalCloudModules['dynamodb']['DynamoDBClient']>,
  input: Parameters<LocalCloud['createTable']>[0],
): Promise<void> {
  const tableName = input.TableName
  try {
    await client.send(new sdk.CreateTableCommand(input))
  } catch (error) {
    if (!(error instanceof sdk.ResourceInUseException)) throw error
  }
  await waitUntil(`table ${tableName} to be ACTIVE`, async () => {
    const { Table } = await client.send(new sdk.DescribeTableCommand({ TableName: tableName }))
    return Table?.TableStatus === 'ACTIVE' ? Table : undefined
  })
}
