/**
 * The options of kinesalite and dynalite, which ship no types. `peers.ts` loads them on first use. Internal.
 *
 * @module
 */

/** The kinesalite options this project uses (kinesalite 3.3.3 `index.js` and `db/index.js`). */
export interface KinesaliteOptions {
  /** Milliseconds a new stream stays `CREATING` (kinesalite's default is 500). */
  createStreamMs?: number
  /** Milliseconds a deleted stream stays `DELETING`. */
  deleteStreamMs?: number
  /** Milliseconds a split or merge keeps the stream `UPDATING`. */
  updateStreamMs?: number
  /** Open shards allowed in total. */
  shardLimit?: number
  /** A LevelDB folder (leveldown) instead of memory. */
  path?: string
}

/** The dynalite options this project uses (dynalite 4.0.0 `index.js` and `db/index.js`). */
export interface DynaliteOptions {
  /** Milliseconds a new table stays `CREATING` (dynalite's default is 500). */
  createTableMs?: number
  /** Milliseconds a deleted table stays `DELETING`. */
  deleteTableMs?: number
  /** Milliseconds an updated table stays `UPDATING`. */
  updateTableMs?: number
  /** A LevelDB folder (classic-level) instead of memory. */
  path?: string
}
