/**
 * The scheduling plan of a batch: records that share an ordering key form a lane and run one at a time in batch
 * order; across lanes, the earliest ready record in batch order starts first, so that an abort leaves the lowest
 * possible unfinished sequence number (Lambda checkpoints a stream at the lowest reported one).
 *
 * @module
 */

/** How records are ordered: by key, as one strictly sequential lane, or not at all. */
export type Ordering = 'key' | 'batch' | 'none'

/** The lanes of a batch, as links between record indexes. */
export interface LanePlan {
  /** `next[i]` is the index of the record after record `i` in its lane, or `-1`. */
  readonly next: Int32Array
  /** The first record of every lane, in ascending order: a valid min-heap as it is. */
  readonly heads: number[]
}

/**
 * Splits a batch into lanes. One pass, one map lookup per record.
 *
 * @param keys - the ordering key of each record; `undefined` puts a record in a lane of its own
 * @param ordering - `key`: one lane per key; `batch`: one lane for all; `none`: one lane per record
 */
export function planLanes(keys: readonly (string | undefined)[], ordering: Ordering): LanePlan {
  const count = keys.length
  const next = new Int32Array(count).fill(-1)
  const heads: number[] = []
  if (ordering === 'batch') {
    for (let i = 0; i < count - 1; i++) next[i] = i + 1
    if (count > 0) heads.push(0)
    return { next, heads }
  }
  if (ordering === 'none') {
    for (let i = 0; i < count; i++) heads.push(i)
    return { next, heads }
  }
  const lastOfKey = new Map<string, number>()
  for (let i = 0; i < count; i++) {
    const key = keys[i]
    const last = key === undefined ? undefined : lastOfKey.get(key)
    if (last === undefined) heads.push(i)
    else next[last] = i
    if (key !== undefined) lastOfKey.set(key, i)
  }
  return { next, heads }
}

/** Adds `value` to the binary min-heap `heap`. */
export function heapPush(heap: number[], value: number): void {
  let at = heap.length
  heap.push(value)
  while (at > 0) {
    const parent = (at - 1) >> 1
    const above = heap[parent] as number
    if (above <= value) break
    heap[at] = above
    at = parent
  }
  heap[at] = value
}

/** Removes and returns the smallest value of the non-empty binary min-heap `heap`. */
export function heapPop(heap: number[]): number {
  const top = heap[0] as number
  const last = heap.pop() as number
  const size = heap.length
  if (size === 0) return top
  let at = 0
  for (;;) {
    let child = 2 * at + 1
    if (child >= size) break
    const right = child + 1
    if (right < size && (heap[right] as number) < (heap[child] as number)) child = right
    if ((heap[child] as number) >= last) break
    heap[at] = heap[child] as number
    at = child
  }
  heap[at] = last
  return top
}
