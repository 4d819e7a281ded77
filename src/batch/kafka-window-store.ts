/**
 * The DynamoDB side of `kafkaWindowReducer`: one partition-mark item and one item per open window, under the
 * partition key `<name>#<topic>-<partition>`, every write conditional. No transactions (dynalite has none, and none
 * are needed: each item carries the offset that guards it).
 *
 * | sort key `sk` | attributes | written when |
 * | --- | --- | --- |
 * | `mark` | `offset` (highest offset done), `eventTime` (largest event time seen, epoch ms), `closedUntil` (start of the last window closed) | after a batch's windows; after closing |
 * | `window#<start ms, 16 digits>` | `state` (the accumulator's JSON), `offset` (highest offset folded in), `records`, `windowStart`, `windowEnd` | a batch brings records for it |
 * | the same, closed | `closedAt`, `expiresAt` (epoch seconds, for a TTL), no `state` | once handed to `onWindowClosed` |
 *
 * A closed window stays as a tombstone so that a late twin invocation can never write it again (its condition fails);
 * `closedUntil` keeps the next Query to the windows not closed yet.
 *
 * Attribute values are written by hand (`{ S }`, `{ N }`), so no marshalling library is needed; the command classes
 * come from `@aws-sdk/client-dynamodb` by dynamic import, so the main entry never loads the SDK until a handler runs.
 *
 * @module
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb'
import type { KafkaWindowTable } from './kafka-window-types.js'

/** The command classes the store sends, loaded once per handler on first use. */
export type StoreCommands = Pick<
  typeof import('@aws-sdk/client-dynamodb'),
  'GetItemCommand' | 'PutItemCommand' | 'UpdateItemCommand' | 'QueryCommand'
>

/** Loads the command classes of `@aws-sdk/client-dynamodb` (an optional peer: only users of this reducer need it). */
export const loadStoreCommands = async (): Promise<StoreCommands> => {
  const { GetItemCommand, PutItemCommand, UpdateItemCommand, QueryCommand } = await import('@aws-sdk/client-dynamodb')
  return { GetItemCommand, PutItemCommand, UpdateItemCommand, QueryCommand }
}

/** A partition's stored progress; `offset`, `eventTime` and `closedUntil` are −1 before its first batch. */
export interface PartitionMark {
  readonly exists: boolean
  readonly offset: number
  readonly eventTime: number
  readonly closedUntil: number
}

/** A window item as stored. */
export interface StoredWindow {
  readonly startMs: number
  readonly offset: number
  readonly records: number
  /** The accumulator's JSON; `'null'` once closed. */
  readonly state: string
  readonly closed: boolean
}

type Item = Record<string, AttributeValue>

const markKey = 'mark'
const windowKey = (startMs: number) => `window#${String(startMs).padStart(16, '0')}`
const num = (value: number): AttributeValue => ({ N: String(value) })
const numberOf = (value: AttributeValue | undefined, otherwise = Number.NaN): number =>
  value?.N === undefined ? otherwise : Number(value.N)
const offsetName = { '#o': 'offset' }
/** How long a closed window's tombstone is kept (its `expiresAt`, for a TTL on the table): 7 days. */
const tombstoneSeconds = 7 * 24 * 3600

/** True for the error DynamoDB answers a failed condition with. */
export function isConditionFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException'
}

function windowOf(item: Item): StoredWindow {
  return {
    startMs: numberOf(item.startMs),
    offset: numberOf(item.offset),
    records: numberOf(item.records),
    state: item.state?.S ?? 'null',
    closed: item.closedAt !== undefined,
  }
}

/** The store of one partition for one invocation: every request carries the invocation's signal. */
export class PartitionStore {
  readonly #send: (command: unknown) => Promise<Record<string, unknown>>
  readonly #key: { pk: AttributeValue }

  /**
   * @param table - the client and table name
   * @param commands - the command classes
   * @param pk - `<name>#<topic>-<partition>`
   * @param signal - the invocation budget's signal
   */
  constructor(
    private readonly table: KafkaWindowTable,
    private readonly commands: StoreCommands,
    readonly pk: string,
    signal: AbortSignal,
  ) {
    const client = table.client as unknown as { send(command: unknown, options: object): Promise<unknown> }
    this.#send = async (command) => (await client.send(command, { abortSignal: signal })) as Record<string, unknown>
    this.#key = { pk: { S: pk } }
  }

  async #get(sk: string): Promise<Item | undefined> {
    const { GetItemCommand } = this.commands
    const input = { TableName: this.table.tableName, Key: { ...this.#key, sk: { S: sk } }, ConsistentRead: true }
    return (await this.#send(new GetItemCommand(input))).Item as Item | undefined
  }

  /** Sends a conditional write: false when its condition failed. */
  async #write(command: unknown): Promise<boolean> {
    try {
      await this.#send(command)
      return true
    } catch (error) {
      if (isConditionFailure(error)) return false
      throw error
    }
  }

  /** Updates the mark: `SET` of `values` (names and values), under `condition`. */
  #updateMark(values: Record<string, number>, condition: string, conditionValues: Item): Promise<boolean> {
    const { UpdateItemCommand } = this.commands
    const names = Object.keys(values)
    return this.#write(
      new UpdateItemCommand({
        TableName: this.table.tableName,
        Key: { ...this.#key, sk: { S: markKey } },
        UpdateExpression: `SET ${names.map((_name, at) => `#n${at} = :v${at}`).join(', ')}`,
        ConditionExpression: condition,
        ExpressionAttributeNames: {
          ...(condition.includes('#o') ? offsetName : {}),
          ...Object.fromEntries(names.map((name, at) => [`#n${at}`, name])),
        },
        ExpressionAttributeValues: {
          ...conditionValues,
          ...Object.fromEntries(names.map((name, at) => [`:v${at}`, num(values[name] as number)])),
        },
      }),
    )
  }

  /** The partition's mark, read consistently. */
  async readMark(): Promise<PartitionMark> {
    const item = await this.#get(markKey)
    if (item === undefined) return { exists: false, offset: -1, eventTime: -1, closedUntil: -1 }
    const [offset, eventTime] = [numberOf(item.offset), numberOf(item.eventTime)]
    return { exists: true, offset, eventTime, closedUntil: numberOf(item.closedUntil, -1) }
  }

  /** Moves the mark's offset and event time on from `expected`; false when another invocation moved it first. */
  commitMark(next: { offset: number; eventTime: number }, expected: PartitionMark): Promise<boolean> {
    return expected.exists
      ? this.#updateMark(next, '#o = :expected', { ':expected': num(expected.offset) })
      : this.#updateMark(next, 'attribute_not_exists(pk)', {})
  }

  /** Records that every window starting at or before `startMs` is closed (never moves back). */
  closeUntil(startMs: number): Promise<boolean> {
    const condition = 'attribute_exists(pk) AND (attribute_not_exists(#n0) OR #n0 < :v0)'
    return this.#updateMark({ closedUntil: startMs }, condition, {})
  }

  /** A window item, read consistently; `undefined` when it was never written. */
  async readWindow(startMs: number): Promise<StoredWindow | undefined> {
    const item = await this.#get(windowKey(startMs))
    return item === undefined ? undefined : windowOf(item)
  }

  /** Writes a window if it is still as read (`expected`) and open; false when another invocation came first. */
  writeWindow(next: Omit<StoredWindow, 'closed'>, windowMs: number, expected: StoredWindow | undefined) {
    return this.#putWindow(next, windowMs, { state: { S: next.state } }, expected)
  }

  /** Turns an open window into its tombstone if it is still as handed out; false when another invocation did. */
  closeWindow(window: StoredWindow, windowMs: number): Promise<boolean> {
    const nowSeconds = Math.floor(Date.now() / 1000)
    const tombstone = { closedAt: num(nowSeconds), expiresAt: num(nowSeconds + tombstoneSeconds) }
    return this.#putWindow(window, windowMs, tombstone, window)
  }

  #putWindow(window: Omit<StoredWindow, 'closed'>, windowMs: number, extra: Item, expected: StoredWindow | undefined) {
    const { PutItemCommand } = this.commands
    const item: Item = {
      ...this.#key,
      sk: { S: windowKey(window.startMs) },
      startMs: num(window.startMs),
      windowStart: { S: new Date(window.startMs).toISOString() },
      windowEnd: { S: new Date(window.startMs + windowMs).toISOString() },
      offset: num(window.offset),
      records: num(window.records),
      ...extra,
    }
    const condition =
      expected === undefined
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : {
            ConditionExpression: '#o = :expected AND attribute_not_exists(closedAt)',
            ExpressionAttributeNames: offsetName,
            ExpressionAttributeValues: { ':expected': num(expected.offset) },
          }
    return this.#write(new PutItemCommand({ TableName: this.table.tableName, Item: item, ...condition }))
  }

  /** The open windows starting after `afterStartMs` and at or before `lastStartMs`, oldest first (paged, consistent). */
  async openWindows(afterStartMs: number, lastStartMs: number): Promise<StoredWindow[]> {
    const { QueryCommand } = this.commands
    const windows: StoredWindow[] = []
    let from: Item | undefined
    do {
      const page = await this.#send(
        new QueryCommand({
          TableName: this.table.tableName,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :first AND :last',
          FilterExpression: 'attribute_not_exists(closedAt)',
          ExpressionAttributeValues: {
            ':pk': this.#key.pk,
            ':first': { S: windowKey(afterStartMs + 1) },
            ':last': { S: windowKey(lastStartMs) },
          },
          ConsistentRead: true,
          ...(from === undefined ? {} : { ExclusiveStartKey: from }),
        }),
      )
      for (const item of (page.Items ?? []) as Item[]) windows.push(windowOf(item))
      from = page.LastEvaluatedKey as Item | undefined
    } while (from !== undefined)
    return windows
  }
}
