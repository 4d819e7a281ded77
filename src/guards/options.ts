/**
 * How every guard factory rejects an option: each check is a condition and a rule, and the message is built here once.
 *
 * @module
 */

/**
 * Throws `Kind` (a `RangeError` unless told) saying `guard(options): option must be rule, got value` unless `valid`.
 */
export function checkOption(
  valid: boolean,
  guard: string,
  option: string,
  rule: string,
  value: unknown,
  Kind: ErrorConstructor = RangeError,
): void {
  if (!valid) throw new Kind(`${guard}(options): ${option} must be ${rule}, got ${String(value)}`)
}
