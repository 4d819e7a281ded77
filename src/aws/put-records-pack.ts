/**
 * The `pack` option of `putRecords`: the entries of one partition key, in input order, joined into as few records as
 * the record size limit allows, as newline-delimited text (JSON Lines when each entry is one JSON document). A hot key
 * then costs one request per megabyte instead of one request per entry. Internal: not part of the public API.
 *
 * @module
 */
import { Buffer } from 'node:buffer'
import type { PutRecordsEntry, PutRecordsEntryResult, PutRecordsResult } from './put-records.js'

const utf8 = new TextEncoder()
/** The separator between packed entries: a line feed, which `JSON.stringify` never writes. */
const lineFeed = Uint8Array.of(10)

/** The packed entries to send, and how to give each original entry its result back. */
export interface PackPlan {
  /** The records to send: a pack of several entries, or an entry as it was (alone in its pack). */
  readonly entries: readonly PutRecordsEntry[]
  /** Turns the result of the packed entries into one result per original entry, in input order. */
  readonly unpack: (packed: PutRecordsResult) => PutRecordsResult
}

const failure = (errorCode: string, errorMessage: string): PutRecordsEntryResult => ({
  ok: false,
  errorCode,
  errorMessage,
  attempts: 0,
})

/**
 * Packs `entries`: each partition key's entries (with the same explicit hash key) go, in input order, into records of
 * at most `maxEntryBytes` (data, separators and partition key). An entry that holds a line feed cannot be packed (a
 * reader would split it): it fails as `InvalidEntry`, and with `keepKeyOrder` so do the later entries of its key.
 */
export function packEntries(
  entries: readonly PutRecordsEntry[],
  settings: { readonly maxEntryBytes: number; readonly keepKeyOrder: boolean },
): PackPlan {
  const packOf: number[] = []
  const local: PutRecordsEntryResult[] = []
  const packs: { entry: PutRecordsEntry; parts: Uint8Array[]; bytes: number }[] = []
  // The key's open pack, or -1 - the index of its entry that failed (keepKeyOrder).
  const open = new Map<string, number>()
  entries.forEach((entry, index) => {
    const key = entry.partitionKey
    const data = typeof entry.data === 'string' ? utf8.encode(entry.data) : entry.data
    const at = open.get(key) ?? packs.length
    if (at < 0) {
      local[index] = failure('PrecedingEntryFailed', `Entry ${-1 - at} with the same partition key failed`)
    } else if (data.includes(10)) {
      local[index] = failure('InvalidEntry', 'The entry holds a line feed, the pack separator')
      if (settings.keepKeyOrder) open.set(key, -1 - index)
    } else {
      const pack = packs[at]
      const bytes = (pack?.bytes ?? 0) + data.byteLength + 1
      if (
        pack !== undefined &&
        pack.entry.explicitHashKey === entry.explicitHashKey &&
        bytes <= settings.maxEntryBytes
      ) {
        pack.parts.push(data)
        pack.bytes = bytes
      } else {
        // A new pack: its size counts the partition key instead of a separator; putRecords checks a lone entry itself.
        open.set(key, packs.length)
        packs.push({ entry, parts: [data], bytes: data.byteLength + utf8.encode(key).byteLength })
      }
      packOf[index] = open.get(key) as number
    }
  })
  return {
    entries: packs.map(({ entry, parts }) =>
      parts.length === 1
        ? entry
        : { ...entry, data: Buffer.concat(parts.flatMap((part, i) => (i ? [lineFeed, part] : [part]))) },
    ),
    unpack: ({ records, requests }) => {
      const results = entries.map(
        (_, index) => local[index] ?? (records[packOf[index] as number] as PutRecordsEntryResult),
      )
      return { records: results, failedCount: results.filter((result) => !result.ok).length, requests }
    },
  }
}
