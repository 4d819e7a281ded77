/**
 * The scheduling plan of a batch: records that share an ordering key form a lane and run one at a time in batch
 * order; across lanes, the earliest ready record in batch order starts first, so that an abort leaves the lowest
 * possible unfinished sequence number (Lambda checkpoints a stream at the lowest reported one).
 *
 * @module
 */

/**
 * How records are ordered: by key, as one strictly sequential lane, or not at all.
 * @group Batches
 */
export type Ordering = 'key' | 'batch' | 'none'

/** The lanes of a batch, as links between record indexes. */
export interface LanePlan {
  /** `next[i]` is the index of the record after record `i` in its lane, or `-1`. */
  readonly next: Int32Array
  /** The first record of every lane, in ascending order. */
  readonly heads: number[]
}

/**
 * Splits a batch into lanes. One pass, one map lookup per record.
 *
 * @param keys - the ordering key of each record; `undefined` puts a record in a lane of its own
 * @param ordering - `key`: one lane per key; `batch`: one lane for all; `none`: one lane per record
 */
export function planLanes(keys: readonly (string | undefined)[], ordering: Ordering): LanePlan {
  const next = new Int32Array(keys.length).fill(-1)
  const heads: number[] = []
  const lastOfKey = new Map<string, number>()
  for (let i = 0; i < keys.length; i++) {
    // `batch` is one key shared by every record; `none` is no key at all.
    const key = ordering === 'key' ? keys[i] : ordering === 'batch' ? '' : undefined
    const last = key === undefined ? undefined : lastOfKey.get(key)
    if (last === undefined) heads.push(i)
    else next[last] = i
    if (key !== undefined) lastOfKey.set(key, i)
  }
  return { next, heads }
}

/**
 * The records ready to start, smallest index first: the lane heads not taken yet (ascending, read with a cursor) and
 * the records that became ready when the one before them in their lane finished (a binary min-heap). A batch with one
 * record per key, or ordering `none`, never touches the heap: taking a record costs a comparison.
 */
export class ReadyQueue {
  readonly #heads: readonly number[]
  #cursor = 0
  readonly #heap: number[] = []

  /** @param heads - the first record of every lane, ascending */
  constructor(heads: readonly number[]) {
    this.#heads = heads
  }

  /** Makes `index` ready. */
  push(index: number): void {
    const heap = this.#heap
    let at = heap.length
    heap.push(index)
    while (at > 0) {
      const parent = (at - 1) >> 1
      const above = heap[parent] as number
      if (above <= index) break
      heap[at] = above
      at = parent
    }
    heap[at] = index
  }

  /** Removes and returns the smallest ready index; `-1` when none is ready. */
  pop(): number {
    const heap = this.#heap
    const head = this.#heads[this.#cursor]
    if (head !== undefined && (heap.length === 0 || head < (heap[0] as number))) {
      this.#cursor++
      return head
    }
    const last = heap.pop()
    if (last === undefined) return -1
    const top = heap[0] ?? last
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
}
