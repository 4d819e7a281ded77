/**
 * Strict base64 decoding into a reused buffer. Node's decoder skips characters outside the alphabet instead of failing,
 * so a damaged payload is found by comparing the decoded length with the length the text promises: O(1) extra work,
 * not a scan of the text, and no allocation per record (figures in BENCHMARKS.md, fan-out section). Internal.
 *
 * @module
 */
import type { Buffer } from 'node:buffer'

/** The number of bytes `data` encodes, from its length and padding; `-1` when its length is not a multiple of 4. */
export function base64Size(data: string): number {
  const { length } = data
  if (length % 4 !== 0) return -1
  return (length / 4) * 3 - (data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0)
}

/** Decodes `data` into the start of `target` (at least `size` bytes); false when the text was no valid base64. */
export function writeBase64(data: string, target: Buffer, size: number): boolean {
  return target.write(data, 0, 'base64') === size
}
