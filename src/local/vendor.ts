/**
 * Typed entry points to kinesalite and dynalite, which ship no types. Loaded lazily with `createRequire` so that
 * importing `serverless-done-right/local` costs nothing until a local cloud starts. Internal.
 *
 * @module
 */
import type { Server } from 'node:http'
import { createRequire } from 'node:module'

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

const requireCommonJs = createRequire(import.meta.url)

/**
 * A kinesalite HTTP server, not yet listening. Its `close()` closes the LevelDB store first, then the server.
 * kinesalite reads `AWS_REGION` (for ARNs) while this runs.
 */
export function createKinesalite(options: KinesaliteOptions): Server {
  const kinesalite = requireCommonJs('kinesalite') as (options: KinesaliteOptions) => Server
  return kinesalite(options)
}

/**
 * A dynalite HTTP server, not yet listening. Its `close()` closes the server, then the LevelDB store.
 * dynalite reads `AWS_REGION` (for ARNs) while this runs.
 */
export function createDynalite(options: DynaliteOptions): Server {
  const dynalite = requireCommonJs('dynalite') as (options: DynaliteOptions) => Server
  return dynalite(options)
}
