/**
 * DynamoDB Streams captured at the wire, in front of dynalite (which has none): the proxy's handler keeps the
 * `StreamSpecification` of tables, adds `StreamSpecification`, `LatestStreamArn` and `LatestStreamLabel` to their
 * descriptions, and turns every successful write into a stream record.
 *
 * Writes to an item of a table with a stream are serialized per item key: the capture reads the item (a consistent
 * GetItem), forwards the write, and reads it again, one write at a time per item, so that the old and new images are
 * exactly the states before and after that write, in the order dynalite applied them. A refused write (a failed
 * condition, a validation error) yields nothing, and so does a write that left the item as it was, as in AWS.
 * Internal to `serverless-done-right/local`.
 *
 * @module
 */
import type { WireResponse } from '../kinesis-wire.js'
import type { WireCall } from '../service-proxy.js'
import { canonical, type StreamStore, type StreamViewType, type TableStream, type WireItem } from './store.js'

type Json = Record<string, unknown>

/** Per item key, the tail of the chain of writes waiting for it. */
type Locks = Map<string, Promise<void>>

/** Runs `work` once every earlier holder of all of `keys` is done; `keys` are taken in sorted order. */
async function withLocks<T>(locks: Locks, keys: readonly string[], work: () => Promise<T>): Promise<T> {
  const sorted = [...new Set(keys)].sort()
  const releases: Array<() => void> = []
  for (const key of sorted) {
    const previous = locks.get(key) ?? Promise.resolve()
    let release: () => void = () => undefined
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    const tail = previous.then(() => held)
    locks.set(key, tail)
    releases.push(() => {
      release()
      if (locks.get(key) === tail) locks.delete(key)
    })
    await previous
  }
  try {
    return await work()
  } finally {
    for (const release of releases) release()
  }
}

function parse(buffer: Buffer): Json | undefined {
  try {
    const value: unknown = JSON.parse(buffer.toString('utf8'))
    return typeof value === 'object' && value !== null ? (value as Json) : undefined
  } catch {
    return undefined
  }
}

function withBody(answer: WireResponse, body: Json): WireResponse {
  const bytes = Buffer.from(JSON.stringify(body))
  // The SDK checks a CRC32 of the body when dynalite sends one: the changed body has none.
  const { 'x-amz-crc32': _crc, ...headers } = answer.headers
  return { ...answer, headers: { ...headers, 'content-length': String(bytes.length) }, body: bytes }
}

/** Adds the stream's members to a table description, as DynamoDB describes a table with a stream. */
function describeStream(description: Json, stream: TableStream | undefined): Json {
  if (stream === undefined) return description
  return {
    ...description,
    StreamSpecification: { StreamEnabled: true, StreamViewType: stream.viewType },
    LatestStreamArn: stream.streamArn,
    LatestStreamLabel: stream.label,
  }
}

const viewTypes = new Set(['NEW_IMAGE', 'OLD_IMAGE', 'NEW_AND_OLD_IMAGES', 'KEYS_ONLY'])

/** Turns the stream on or off after a CreateTable or UpdateTable that dynalite accepted. */
function applySpecification(store: StreamStore, request: Json, description: Json): void {
  const specification = request.StreamSpecification as { StreamEnabled?: boolean; StreamViewType?: string } | undefined
  const tableName = description.TableName
  if (specification === undefined || typeof tableName !== 'string') return
  if (specification.StreamEnabled !== true) {
    store.disable(tableName)
    return
  }
  const viewType = specification.StreamViewType
  if (viewType === undefined || !viewTypes.has(viewType)) return
  const keySchema = (description.KeySchema ?? []) as Array<{ AttributeName: string; KeyType: string }>
  const keyNames = [
    ...keySchema.filter((key) => key.KeyType === 'HASH'),
    ...keySchema.filter((key) => key.KeyType !== 'HASH'),
  ].map((key) => key.AttributeName)
  store.enable(String(description.TableArn ?? tableName), tableName, viewType as StreamViewType, keyNames)
}

/** The key of `item` under `stream`'s key schema. */
function keyOf(stream: TableStream, item: WireItem): WireItem {
  const key: WireItem = {}
  for (const name of stream.keyNames) if (item[name] !== undefined) key[name] = item[name]
  return key
}

/** A write to capture: its table's stream and the item's key. */
interface Target {
  readonly stream: TableStream
  readonly key: WireItem
}

/** The item now, read with a consistent GetItem; `undefined` when it does not exist or cannot be read. */
async function readItem(call: WireCall, target: Target): Promise<WireItem | undefined> {
  const request = { TableName: target.stream.tableName, Key: target.key, ConsistentRead: true }
  const answer = await call.forward(Buffer.from(JSON.stringify(request)), 'GetItem')
  if (answer.status !== 200) return undefined
  return parse(answer.body)?.Item as WireItem | undefined
}

/** Forwards a write of `targets`, holding their locks, and appends a record for each item it changed. */
async function captureWrite(
  call: WireCall,
  store: StreamStore,
  locks: Locks,
  targets: Target[],
): Promise<WireResponse> {
  if (targets.length === 0) return call.forward()
  const lockKeys = targets.map((target) => `${target.stream.tableName}\u0000${canonical(target.key)}`)
  return withLocks(locks, lockKeys, async () => {
    const before = await Promise.all(targets.map((target) => readItem(call, target)))
    const answer = await call.forward()
    if (answer.status !== 200) return answer
    const after = await Promise.all(targets.map((target) => readItem(call, target)))
    targets.forEach((target, index) => {
      store.append(target.stream.tableName, { keys: target.key, oldImage: before[index], newImage: after[index] })
    })
    return answer
  })
}

/** The items a PutItem, UpdateItem, DeleteItem or BatchWriteItem writes, on tables with a stream. */
function targetsOf(store: StreamStore, operation: string, request: Json): Target[] {
  if (operation === 'BatchWriteItem') {
    const requestItems = (request.RequestItems ?? {}) as Record<string, Array<Json>>
    return Object.entries(requestItems).flatMap(([tableName, writes]) => {
      const stream = store.get(tableName)
      if (stream === undefined || !Array.isArray(writes)) return []
      return writes.flatMap((write) => {
        const put = write.PutRequest as { Item?: WireItem } | undefined
        const remove = write.DeleteRequest as { Key?: WireItem } | undefined
        const item = put?.Item ?? remove?.Key
        return item === undefined ? [] : [{ stream, key: keyOf(stream, item) }]
      })
    })
  }
  const stream = typeof request.TableName === 'string' ? store.get(request.TableName) : undefined
  const item = (operation === 'PutItem' ? request.Item : request.Key) as WireItem | undefined
  return stream === undefined || item === undefined ? [] : [{ stream, key: keyOf(stream, item) }]
}

const writes = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem'])

/** The proxy handler that captures DynamoDB Streams into `store`. */
export function streamCapture(store: StreamStore): (call: WireCall) => Promise<WireResponse> {
  const locks: Locks = new Map()
  return async (call) => {
    const request = parse(call.body)
    if (request === undefined) return call.forward()
    if (writes.has(call.operation)) return captureWrite(call, store, locks, targetsOf(store, call.operation, request))
    if (!['CreateTable', 'UpdateTable', 'DescribeTable', 'DeleteTable'].includes(call.operation)) return call.forward()
    const answer = await call.forward()
    const response = answer.status === 200 ? parse(answer.body) : undefined
    if (response === undefined) return answer
    const member = call.operation === 'DescribeTable' ? 'Table' : 'TableDescription'
    const description = response[member] as Json | undefined
    if (description === undefined) return answer
    if (call.operation === 'DeleteTable') {
      store.disable(String(description.TableName))
      return answer
    }
    applySpecification(store, request, description)
    const stream = store.get(String(description.TableName))
    return withBody(answer, { ...response, [member]: describeStream(description, stream) })
  }
}
