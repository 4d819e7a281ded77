/**
 * The rules factories build their option specs from, one export each so that a bundle keeps only those it uses.
 * Import as a namespace: `import * as rules from './option-rules.js'`. Internal.
 *
 * @module
 */
import { maxTimerMs, type OptionProblem, type OptionRule, show } from './options.js'

const typeProblem = (expected: string): OptionProblem => ({ kind: 'type', expected })
const rangeProblem = (expected: string): OptionProblem => ({ kind: 'range', expected })

interface NumberBounds {
  /** Inclusive lower bound. */
  readonly min?: number
  /** Exclusive lower bound. */
  readonly above?: number
  /** Inclusive upper bound. */
  readonly max?: number
  readonly integer?: boolean
  /** Words for the unit, e.g. `'milliseconds'`. */
  readonly unit?: string
}

function numberRule(bounds: NumberBounds): OptionRule {
  const { min, above, max, integer = false, unit } = bounds
  const kind = `${integer ? 'an integer' : 'a finite number'}${unit === undefined ? '' : ` of ${unit}`}`
  const range = [
    min === undefined ? undefined : `>= ${min}`,
    above === undefined ? undefined : `> ${above}`,
    max === undefined ? undefined : `<= ${max}`,
  ].filter((part) => part !== undefined)
  const expected = range.length === 0 ? kind : `${kind} ${range.join(' and ')}`
  return (value) => {
    if (typeof value !== 'number') return typeProblem(expected)
    if (!Number.isFinite(value) || (integer && !Number.isInteger(value))) return rangeProblem(expected)
    if ((min !== undefined && value < min) || (above !== undefined && value <= above)) return rangeProblem(expected)
    return max !== undefined && value > max ? rangeProblem(expected) : undefined
  }
}

/** A finite number (never a numeric string), within the bounds given. */
export const number = numberRule
/** Milliseconds a timer can wait: a finite number from `min` (default 0) to 2^31−1. */
export const ms = (bounds: Omit<NumberBounds, 'max' | 'unit'> = {}): OptionRule =>
  numberRule({ min: 0, ...bounds, max: maxTimerMs, unit: 'milliseconds' })
/** One of the listed values, exactly (case included). */
export const oneOf =
  (...values: readonly unknown[]): OptionRule =>
  (value) =>
    values.includes(value) ? undefined : typeProblem(`one of ${values.map(show).join(', ')}`)
/** A function. */
export const fn = (): OptionRule => (value) => (typeof value === 'function' ? undefined : typeProblem('a function'))
/** `true` or `false`. */
export const boolean = (): OptionRule => (value) =>
  typeof value === 'boolean' ? undefined : typeProblem('true or false')
/** A string, non-empty unless told. */
export const string =
  (allowEmpty = false): OptionRule =>
  (value) =>
    typeof value === 'string' && (allowEmpty || value !== '') ? undefined : typeProblem('a non-empty string')
/** A non-null object (not a function). */
export const object =
  (what = 'an object'): OptionRule =>
  (value) =>
    typeof value === 'object' && value !== null ? undefined : typeProblem(what)
/** `false` (no logging) or a logger with `debug`, `info`, `warn` and `error` methods, such as Powertools' `Logger`. */
export const logger = (): OptionRule => (value) =>
  value === false ||
  (typeof value === 'object' &&
    value !== null &&
    ['debug', 'info', 'warn', 'error'].every(
      (level) => typeof (value as Record<string, unknown>)[level] === 'function',
    ))
    ? undefined
    : typeProblem('false or a logger with debug, info, warn and error methods (a Powertools Logger, console)')
/** A Standard Schema: an object (or function) with `~standard.validate`. */
export const standardSchema = (): OptionRule => (value) => {
  const standard: unknown =
    (typeof value === 'object' || typeof value === 'function') && value !== null
      ? (value as { '~standard'?: unknown })['~standard']
      : undefined
  return typeof standard === 'object' &&
    standard !== null &&
    typeof (standard as { validate?: unknown }).validate === 'function'
    ? undefined
    : typeProblem('a Standard Schema (zod 4, valibot, arktype, …)')
}
/** The first rule that passes wins; otherwise the problem of the last, with every expectation listed. */
export const either =
  (...alternatives: readonly OptionRule[]): OptionRule =>
  (value) => {
    const problems: OptionProblem[] = []
    for (const rule of alternatives) {
      const problem = rule(value)
      if (problem === undefined) return undefined
      problems.push(problem)
    }
    const kind = problems.every((problem) => problem.kind === 'type') ? 'type' : 'range'
    return { kind, expected: problems.map((problem) => problem.expected).join(', or ') }
  }
/** A custom test with its own wording. */
export const where =
  (test: (value: unknown) => boolean, expected: string, kind: 'type' | 'range' = 'range'): OptionRule =>
  (value) =>
    test(value) ? undefined : { kind, expected }
