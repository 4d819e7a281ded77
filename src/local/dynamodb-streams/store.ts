/**
 * The DynamoDB Streams of a local cloud: which tables have a stream, of which view type, and their records, in memory.
 * The capture (`capture.ts`) appends; `dynamoDbEventSource` reads. Internal to `serverless-done-right/local`.
 *
 * @module
 */
import { randomUUID } from 'node:crypto'
import type { AttributeValue, DynamoDBRecord } from 'aws-lambda'

/**
 * What a stream record holds besides the keys (`StreamSpecification.StreamViewType`).
 * @group Local cloud
 */
export type StreamViewType = 'NEW_IMAGE' | 'OLD_IMAGE' | 'NEW_AND_OLD_IMAGES' | 'KEYS_ONLY'

/**
 * A DynamoDB item on the wire: attribute name to typed value.
 * @group Local cloud
 */
export type WireItem = Record<string, AttributeValue>

/**
 * One change of one item, as the capture saw it.
 * @group Local cloud
 */
export interface ItemChange {
  readonly keys: WireItem
  readonly oldImage: WireItem | undefined
  readonly newImage: WireItem | undefined
}

/**
 * A record of a table's stream.
 * @group Local cloud
 */
export interface StoredRecord {
  readonly sequenceNumber: string
  /** The item's key, canonical JSON: records of one item share it. */
  readonly itemKey: string
  /** Epoch ms. */
  readonly arrivalMs: number
  /** The record exactly as Lambda delivers it. */
  readonly event: DynamoDBRecord
}

/**
 * The stream of one table.
 * @group Local cloud
 */
export interface TableStream {
  readonly tableName: string
  readonly streamArn: string
  /** The stream's label, the last part of its ARN (an ISO timestamp, as AWS makes it). */
  readonly label: string
  readonly viewType: StreamViewType
  /** The names of the key attributes, hash key first. */
  readonly keyNames: readonly string[]
  /** The only shard of the emulated stream. */
  readonly shardId: string
  readonly records: StoredRecord[]
}

/**
 * The streams of a local cloud.
 * @group Local cloud
 */
export interface StreamStore {
  /** Turns a table's stream on (a fresh stream, as AWS makes one at every enabling). */
  enable(tableArn: string, tableName: string, viewType: StreamViewType, keyNames: readonly string[]): TableStream
  /** Turns a table's stream off (also when the table is deleted). */
  disable(tableName: string): void
  /** The table's stream, if it has one. */
  get(tableName: string): TableStream | undefined
  /** Appends the record of `change`; nothing when it changed nothing. */
  append(tableName: string, change: ItemChange): void
}

/** Sequence numbers are decimal strings of one width, so that comparing strings compares numbers. */
const firstSequence = 10n ** 20n

/** The canonical JSON of a value: object members sorted, so that equal items give equal strings. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([name, member]) => `${JSON.stringify(name)}:${canonical(member)}`).join(',')}}`
  }
  return JSON.stringify(value)
}

/**
 * An approximation of DynamoDB's item size (attribute names plus values, in bytes), which `SizeBytes` reports for the
 * record's keys and images.
 */
function itemBytes(item: WireItem | undefined): number {
  if (item === undefined) return 0
  let bytes = 0
  for (const [name, value] of Object.entries(item)) bytes += Buffer.byteLength(name) + valueBytes(value)
  return bytes
}

function valueBytes(value: AttributeValue): number {
  if (value.S !== undefined) return Buffer.byteLength(value.S)
  if (value.N !== undefined) return Math.ceil(value.N.replace(/^-|\.|e.*$/gi, '').length / 2) + 1
  if (value.B !== undefined) return Buffer.from(value.B, 'base64').length
  if (value.SS !== undefined) return value.SS.reduce((sum, member) => sum + Buffer.byteLength(member), 0)
  if (value.NS !== undefined) return value.NS.reduce((sum, member) => sum + member.length, 0)
  if (value.BS !== undefined) return value.BS.reduce((sum, member) => sum + Buffer.from(member, 'base64').length, 0)
  if (value.L !== undefined) return 3 + value.L.reduce((sum, member) => sum + 1 + valueBytes(member), 0)
  if (value.M !== undefined) return 3 + itemBytes(value.M) + Object.keys(value.M).length
  return 1
}

/** An empty store for a cloud in `region`. */
export function createStreamStore(region: string): StreamStore {
  const streams = new Map<string, TableStream>()
  let nextSequence = firstSequence
  return {
    enable(tableArn, tableName, viewType, keyNames) {
      const label = new Date().toISOString().replace('Z', '')
      const stream: TableStream = {
        tableName,
        streamArn: `${tableArn}/stream/${label}`,
        label,
        viewType,
        keyNames,
        shardId: `shardId-${String(Date.now()).padStart(20, '0')}-${randomUUID().slice(0, 8)}`,
        records: [],
      }
      streams.set(tableName, stream)
      return stream
    },
    disable(tableName) {
      streams.delete(tableName)
    },
    get: (tableName) => streams.get(tableName),
    append(tableName, change) {
      const stream = streams.get(tableName)
      if (stream === undefined) return
      const { keys, oldImage, newImage } = change
      if (oldImage === undefined && newImage === undefined) return
      if (oldImage !== undefined && newImage !== undefined && canonical(oldImage) === canonical(newImage)) return
      const eventName = oldImage === undefined ? 'INSERT' : newImage === undefined ? 'REMOVE' : 'MODIFY'
      const withNew = stream.viewType === 'NEW_IMAGE' || stream.viewType === 'NEW_AND_OLD_IMAGES'
      const withOld = stream.viewType === 'OLD_IMAGE' || stream.viewType === 'NEW_AND_OLD_IMAGES'
      const sequenceNumber = String(nextSequence++)
      const arrivalMs = Date.now()
      const event: DynamoDBRecord = {
        eventID: randomUUID().replaceAll('-', ''),
        eventName,
        eventVersion: '1.1',
        eventSource: 'aws:dynamodb',
        awsRegion: region,
        dynamodb: {
          ApproximateCreationDateTime: Math.floor(arrivalMs / 1000),
          Keys: keys,
          ...(withNew && newImage !== undefined && { NewImage: newImage }),
          ...(withOld && oldImage !== undefined && { OldImage: oldImage }),
          SequenceNumber: sequenceNumber,
          SizeBytes: itemBytes(keys) + (withNew ? itemBytes(newImage) : 0) + (withOld ? itemBytes(oldImage) : 0),
          StreamViewType: stream.viewType,
        },
        eventSourceARN: stream.streamArn,
      }
      stream.records.push({ sequenceNumber, itemKey: canonical(keys), arrivalMs, event })
    },
  }
}
