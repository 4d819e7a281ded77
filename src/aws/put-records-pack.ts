/**
 * The `pack` option of `putRecords`: the entries of one partition key, in input order, joined into as few records as
 * the record size limit allows, as newline-delimited text (JSON Lines when each entry is one JSON document). A hot key
 * then costs one request per megabyte instead of one request per entry. Internal: not part of the public API.
 *
 * @module
 */
import type { PutRecordsEntry, PutRecordsEntryResult, PutRecordsResult } from './put-records.js'

/** The separator between packed entries: a line feed, which `JSON.stringify` never writes. */
const newline = 0x0a
const utf8 = new TextEncoder()

/** The packed entries to send, and how to give each original entry its result back. */
export interface PackPlan {
  /** The records to send: a pack of several entries, or an entry as it was (alone in its pack). */
  readonly entries: readonly PutRecordsEntry[]
  /** Turns the result of the packed entries into one result per original entry, in input order. */
  readonly unpack: (packed: PutRecordsResult) => PutRecordsResult
}

interface Pack {
  readonly key: string
  readonly hash: string | undefined
  readonly members: number[]
  readonly parts: Uint8Array[]
  bytes: number
}

const bytesOf = (data: Uint8Array | string): Uint8Array => (typeof data === 'string' ? utf8.encode(data) : data)

function join(parts: readonly Uint8Array[], bytes: number): Uint8Array {
  const out = new Uint8Array(bytes)
  let at = 0
  parts.forEach((part, index) => {
    if (index > 0) out[at++] = newline
    out.set(part, at)
    at += part.byteLength
  })
  return out
}

/**
 * Packs `entries`: each partition key's entries (with the same explicit hash key) go, in input order, into records of
 * at most `maxEntryBytes` (data, separators and partition key). An entry that holds a line feed cannot be packed (a
 * reader would split it): it fails as `InvalidEntry`, and with `keepKeyOrder` so do the later entries of its key.
 */
export function packEntries(
  entries: readonly PutRecordsEntry[],
  settings: { readonly maxEntryBytes: number; readonly keepKeyOrder: boolean },
): PackPlan {
  const packOf = new Int32Array(entries.length).fill(-1)
  const local: Array<PutRecordsEntryResult | undefined> = []
  const packs: Pack[] = []
  const open = new Map<string, Pack>()
  const blocked = new Map<string, number>()
  entries.forEach((entry, index) => {
    const { partitionKey: key, explicitHashKey: hash } = entry
    const first = blocked.get(key)
    if (first !== undefined) {
      const errorMessage = `Entry ${first} with the same partition key failed`
      local[index] = { ok: false, errorCode: 'PrecedingEntryFailed', errorMessage, attempts: 0 }
      return
    }
    const data = bytesOf(entry.data)
    if (data.includes(newline)) {
      const errorMessage = 'The entry holds a line feed, which pack uses to separate entries'
      local[index] = { ok: false, errorCode: 'InvalidEntry', errorMessage, attempts: 0 }
      if (settings.keepKeyOrder) blocked.set(key, index)
      return
    }
    const current = open.get(key)
    const size = data.byteLength + 1
    if (current !== undefined && current.hash === hash && current.bytes + size <= settings.maxEntryBytes) {
      current.members.push(index)
      current.parts.push(data)
      current.bytes += size
    } else {
      // The first entry's size includes the partition key instead of a separator; putRecords checks it alone.
      const pack: Pack = { key, hash, members: [index], parts: [data], bytes: data.byteLength + keyBytes(key) }
      packs.push(pack)
      open.set(key, pack)
    }
    packOf[index] = packs.length - 1
  })
  const packed = packs.map((pack): PutRecordsEntry => {
    if (pack.members.length === 1) return entries[pack.members[0] as number] as PutRecordsEntry
    const data = join(pack.parts, pack.bytes - keyBytes(pack.key))
    return pack.hash === undefined
      ? { partitionKey: pack.key, data }
      : { partitionKey: pack.key, data, explicitHashKey: pack.hash }
  })
  return {
    entries: packed,
    unpack: ({ records, requests }) => {
      const results = entries.map(
        (_, index) => local[index] ?? (records[packOf[index] as number] as PutRecordsEntryResult),
      )
      return { records: results, failedCount: results.filter((result) => !result.ok).length, requests }
    },
  }
}

function keyBytes(key: unknown): number {
  return typeof key === 'string' ? utf8.encode(key).byteLength : 0
}
