/**
 * The records ready to start, smallest index first, so that an abort leaves the lowest possible unfinished sequence
 * number: the chain heads not taken yet (ascending, read with a cursor) and the records that became ready when the one
 * before them in their chain finished (a binary min-heap). Why not a sorted array: a batch with one record per key, or
 * ordering `none`, never touches the heap, and a busy key costs O(log n) a record instead of O(n).
 *
 * @module
 */

/** The ready records of one batch run. */
export class ReadyQueue {
  readonly #heads: readonly number[]
  #cursor = 0
  readonly #heap: number[] = []

  /** @param heads - the first record of every chain, ascending */
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
