/**
 * The users table: every write is a single conditional write (`attribute_not_exists`, `attribute_exists`, a version
 * check), so two clients racing on one user can never both win and nothing is read before it is written.
 *
 * @module
 */
import { randomUUID } from 'node:crypto'
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb'
import type { UserKey } from './cursor.js'
import type { Precondition } from './etag.js'
import type { User, UserInput } from './schema.js'

/** Where the users live. The table's partition key is the string `id`. */
export interface UserStoreOptions {
  readonly documentClient: DynamoDBDocumentClient
  readonly tableName: string
}

/** The outcome of a conditional write: the user as written, or why the condition failed. */
export type WriteOutcome<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly reason: 'missing' | 'precondition-failed' }

/** One page of users and the key to continue after, if DynamoDB has more. */
export interface UserPage {
  readonly users: User[]
  readonly lastKey: UserKey | undefined
}

/** The operations of the users table. Every call takes the invocation's signal, so a deadline aborts the request. */
export interface UserStore {
  create(input: UserInput, signal: AbortSignal): Promise<User>
  get(id: string, signal: AbortSignal): Promise<User | undefined>
  replace(id: string, input: UserInput, precondition: Precondition, signal: AbortSignal): Promise<WriteOutcome<User>>
  remove(id: string, precondition: Precondition, signal: AbortSignal): Promise<WriteOutcome<undefined>>
  list(limit: number, startAfter: UserKey | undefined, signal: AbortSignal): Promise<UserPage>
}

/** The attributes of a user item, as stored. Anything else in the item is not answered. */
function toUser(item: Record<string, unknown>): User {
  return {
    id: item.id as string,
    email: item.email as string,
    name: item.name as string,
    version: item.version as number,
    createdAt: item.createdAt as string,
    updatedAt: item.updatedAt as string,
  }
}

function isConditionFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException'
}

/** `If-Match` with tags this API never issued: no version can match, so the write is refused without being sent. */
function matchesNothing(precondition: Precondition): boolean {
  return precondition.kind === 'versions' && precondition.versions.length === 0
}

/** `attribute_exists(#id)`, plus `#version IN (…)` when the precondition names versions. */
function existsCondition(precondition: Precondition): {
  ConditionExpression: string
  ExpressionAttributeNames: Record<string, string>
  ExpressionAttributeValues?: Record<string, number>
} {
  if (precondition.kind === 'any') {
    return { ConditionExpression: 'attribute_exists(#id)', ExpressionAttributeNames: { '#id': 'id' } }
  }
  const values: Record<string, number> = {}
  precondition.versions.forEach((version, index) => {
    values[`:v${index}`] = version
  })
  return {
    ConditionExpression: `attribute_exists(#id) AND #version IN (${Object.keys(values).join(', ')})`,
    ExpressionAttributeNames: { '#id': 'id', '#version': 'version' },
    ExpressionAttributeValues: values,
  }
}

/**
 * The users table behind the API.
 *
 * @param options - the document client and the table name
 * @returns the table's operations
 */
export function userStore(options: UserStoreOptions): UserStore {
  const { documentClient, tableName } = options

  const get = async (id: string, signal: AbortSignal): Promise<User | undefined> => {
    const { Item } = await documentClient.send(
      new GetCommand({ TableName: tableName, Key: { id }, ConsistentRead: true }),
      { abortSignal: signal },
    )
    return Item === undefined ? undefined : toUser(Item)
  }

  /**
   * A conditional write failed: tell "no such user" from "another version". The read only chooses the status code;
   * the write itself was already refused atomically, so there is no race to lose.
   */
  const whyRefused = async (id: string, precondition: Precondition, signal: AbortSignal) => {
    if (precondition.kind === 'any') return 'missing' as const
    return (await get(id, signal)) === undefined ? ('missing' as const) : ('precondition-failed' as const)
  }

  return {
    get,

    async create(input, signal) {
      const now = new Date().toISOString()
      const user: User = { id: randomUUID(), ...input, version: 1, createdAt: now, updatedAt: now }
      // A fresh UUID never exists; the condition makes that a guarantee instead of a likelihood.
      await documentClient.send(
        new PutCommand({
          TableName: tableName,
          Item: user,
          ConditionExpression: 'attribute_not_exists(#id)',
          ExpressionAttributeNames: { '#id': 'id' },
        }),
        { abortSignal: signal },
      )
      return user
    },

    async replace(id, input, precondition, signal) {
      if (matchesNothing(precondition)) return { ok: false, reason: await whyRefused(id, precondition, signal) }
      const condition = existsCondition(precondition)
      try {
        const { Attributes } = await documentClient.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { id },
            // Every mutable attribute is set, so this is a full replace that keeps `createdAt` without reading it.
            UpdateExpression: 'SET #email = :email, #name = :name, #updatedAt = :now ADD #version :one',
            ConditionExpression: condition.ConditionExpression,
            ExpressionAttributeNames: {
              ...condition.ExpressionAttributeNames,
              '#email': 'email',
              '#name': 'name',
              '#updatedAt': 'updatedAt',
              '#version': 'version',
            },
            ExpressionAttributeValues: {
              ...condition.ExpressionAttributeValues,
              ':email': input.email,
              ':name': input.name,
              ':now': new Date().toISOString(),
              ':one': 1,
            },
            ReturnValues: 'ALL_NEW',
          }),
          { abortSignal: signal },
        )
        return { ok: true, value: toUser(Attributes ?? {}) }
      } catch (error) {
        if (!isConditionFailure(error)) throw error
        return { ok: false, reason: await whyRefused(id, precondition, signal) }
      }
    },

    async remove(id, precondition, signal) {
      if (matchesNothing(precondition)) return { ok: false, reason: await whyRefused(id, precondition, signal) }
      try {
        await documentClient.send(
          new DeleteCommand({ TableName: tableName, Key: { id }, ...existsCondition(precondition) }),
          {
            abortSignal: signal,
          },
        )
        return { ok: true, value: undefined }
      } catch (error) {
        if (!isConditionFailure(error)) throw error
        return { ok: false, reason: await whyRefused(id, precondition, signal) }
      }
    },

    async list(limit, startAfter, signal) {
      const { Items, LastEvaluatedKey } = await documentClient.send(
        new ScanCommand({
          TableName: tableName,
          Limit: limit,
          ConsistentRead: true,
          ...(startAfter === undefined ? {} : { ExclusiveStartKey: { id: startAfter.id } }),
        }),
        { abortSignal: signal },
      )
      const lastId: unknown = LastEvaluatedKey?.id
      return {
        users: (Items ?? []).map(toUser),
        lastKey: typeof lastId === 'string' ? { id: lastId } : undefined,
      }
    },
  }
}
