/**
 * A small deterministic random number generator, so that fault injection can be replayed from a seed. Internal.
 *
 * @module
 */

/**
 * Returns a generator of numbers in [0, 1) fully determined by `seed` (mulberry32: 32-bit state, fast, and
 * statistically good enough to pick which requests fail; not for anything secret).
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let mixed = state
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1)
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61)
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296
  }
}
