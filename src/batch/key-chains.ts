/**
 * The scheduling plan of a batch: records that share an ordering key form a chain and run one at a time in
 * batch order; across chains, the earliest ready record in batch order starts first, so that an abort leaves the lowest
 * possible unfinished sequence number (Lambda checkpoints a stream at the lowest reported one).
 *
 * @module
 */

/**
 * How records are ordered: by key, as one strictly sequential chain, or not at all.
 * @group Batches
 */
export type Ordering = 'key' | 'batch' | 'none'

/** The key chains of a batch, as links between record indexes. */
export interface ChainPlan {
  /** `next[i]` is the index of the record after record `i` in its chain, or `-1`. */
  readonly next: Int32Array
  /** The first record of every chain, in ascending order. */
  readonly heads: number[]
}

/**
 * Splits a batch into key chains. One pass, one map lookup per record.
 *
 * @param keys - the ordering key of each record; `undefined` puts a record in a chain of its own
 * @param ordering - `key`: one chain per key; `batch`: one chain for all; `none`: one chain per record
 */
export function planChains(keys: readonly (string | undefined)[], ordering: Ordering): ChainPlan {
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
