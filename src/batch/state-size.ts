/**
 * Tracks the JSON size of a tumbling-window state as records are folded in, without re-serialising the whole state
 * per record (which would be quadratic).
 *
 * Each entry (`"key":value,`) is measured when it is created. When a key is touched again, its entry is measured
 * again if it is small (up to {@link SMALL_ENTRY_BYTES}); a large entry is measured only every
 * `ceil(bytes / SMALL_ENTRY_BYTES)` touches, and in between its last observed growth per touch is added. So a record
 * costs at most about {@link SMALL_ENTRY_BYTES} of serialisation, amortised. The estimate only decides when to flush
 * early; the response's state is measured exactly once per invocation.
 *
 * @module
 */
import { Buffer } from 'node:buffer'

/** Entries up to this size are re-measured on every touch. */
export const SMALL_ENTRY_BYTES = 2048

interface Entry {
  bytes: number
  touches: number
  estimatedExtra: number
  growthPerTouch: number
}

/** The exact UTF-8 size of one state entry, with its separator. */
function entryBytes(key: string, value: unknown): number {
  return Buffer.byteLength(JSON.stringify(key), 'utf8') + Buffer.byteLength(JSON.stringify(value) ?? 'null') + 2
}

/** An incremental size estimate of one state object. Lives for one invocation. */
export class StateSize {
  #entries = new Map<string, Entry>()
  #total = 2

  /** The estimated JSON size of the state in bytes. */
  get bytes(): number {
    return this.#total
  }

  /** Records that `key` now holds `value`. */
  touch(key: string, value: unknown): void {
    const entry = this.#entries.get(key)
    if (entry === undefined) {
      const bytes = entryBytes(key, value)
      this.#entries.set(key, { bytes, touches: 0, estimatedExtra: 0, growthPerTouch: 0 })
      this.#total += bytes
      return
    }
    entry.touches++
    if (entry.bytes > SMALL_ENTRY_BYTES && entry.touches < Math.ceil(entry.bytes / SMALL_ENTRY_BYTES)) {
      entry.estimatedExtra += entry.growthPerTouch
      this.#total += entry.growthPerTouch
      return
    }
    const bytes = entryBytes(key, value)
    this.#total += bytes - entry.bytes - entry.estimatedExtra
    entry.growthPerTouch = Math.max(0, (bytes - entry.bytes) / entry.touches)
    entry.bytes = bytes
    entry.estimatedExtra = 0
    entry.touches = 0
  }

  /** Forgets every entry: the state was flushed. */
  clear(): void {
    this.#entries.clear()
    this.#total = 2
  }
}
