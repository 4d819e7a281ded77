/**
 * How every public factory checks its options, once, at creation: unknown names are refused with the closest known
 * name, enums by exact value, numbers must be finite numbers (never strings), times fit a Node timer, callbacks must be
 * functions. An option given as `undefined` means its default. Internal: each factory has a spec, a `defaults` object
 * and one {@link resolveOptions} call; nothing here runs per invocation.
 *
 * @module
 */

/** What is wrong with a value: a `TypeError` (wrong kind of value) or a `RangeError` (right kind, out of range). */
export interface OptionProblem {
  readonly kind: 'type' | 'range'
  /** What the value must be, completing "x must be …". */
  readonly expected: string
}

/** Checks one (defined) option value: `undefined` when it is fine. */
export type OptionRule = (value: unknown) => OptionProblem | undefined

/** The rules of a factory's options, one per known name. */
export type OptionSpec = Readonly<Record<string, OptionRule>>

/** Builds the error a factory throws; the local emulators throw their own `LocalOptionsError`. */
export type OptionErrorFactory = (message: string, kind: 'type' | 'range') => Error

/** The longest delay a Node timer takes: a longer one (or NaN, or Infinity) fires after 1 ms. */
export const maxTimerMs = 2 ** 31 - 1

/** A value as a message shows it: strings quoted, so that `'100'` is told apart from `100`. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'function') return 'a function'
  if (typeof value === 'bigint') return `${value}n`
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'object' && value !== null) return value instanceof RegExp ? String(value) : 'an object'
  return String(value)
}

/** Edit distance between two names, case ignored. */
function distance(a: string, b: string): number {
  const x = a.toLowerCase()
  const y = b.toLowerCase()
  let previous = Array.from({ length: y.length + 1 }, (_, index) => index)
  for (let i = 1; i <= x.length; i++) {
    const current = [i]
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1
      current[j] = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + cost,
      )
    }
    previous = current
  }
  return previous[y.length] as number
}

/** The known name closest to `name`, or the list of known names when none is close. */
export function closestName(name: string, known: readonly string[]): string {
  const lower = name.toLowerCase()
  const scored = known.map((candidate) => {
    const other = candidate.toLowerCase()
    // A name that contains the other (isWarmingUp / isWarmup share a stem) counts as close too.
    const contained = lower.includes(other) || other.includes(lower) ? Math.abs(lower.length - other.length) / 2 : 99
    return { candidate, score: Math.min(distance(name, candidate), contained) }
  })
  scored.sort((a, b) => a.score - b.score)
  const best = scored[0]
  if (best !== undefined && best.score <= Math.max(2, Math.ceil(name.length / 3)))
    return `did you mean ${best.candidate}?`
  return `known options: ${known.join(', ')}`
}

const defaultError: OptionErrorFactory = (message, kind) =>
  kind === 'type' ? new TypeError(message) : new RangeError(message)

/** How a factory names itself and its errors in {@link checkOptions}. */
export interface CheckSettings {
  /** Shown before each message, e.g. `'warmup(options)'`. */
  readonly owner: string
  /** Old names and their new ones: the error says the option was renamed. */
  readonly renamed?: Readonly<Record<string, string>>
  /** The error to throw; a `TypeError` or a `RangeError` unless told. */
  readonly error?: OptionErrorFactory
}

/**
 * Checks `options` against `spec`: throws at the first unknown name (suggesting the closest known one) or the first
 * value its rule refuses. Options given as `undefined` are skipped: they mean the default.
 */
export function checkOptions(options: unknown, spec: OptionSpec, settings: CheckSettings): void {
  const { owner, renamed = {}, error = defaultError } = settings
  if (options === undefined) return
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    throw error(`${owner}: options must be an object, got ${show(options)}`, 'type')
  const known = Object.keys(spec)
  for (const [name, value] of Object.entries(options)) {
    const rule = spec[name]
    if (rule === undefined) {
      const hint = renamed[name] === undefined ? closestName(name, known) : `it was renamed ${renamed[name]}`
      throw error(`${owner}: unknown option ${name}; ${hint}`, 'type')
    }
    if (value === undefined) continue
    const problem = rule(value)
    if (problem !== undefined)
      throw error(`${owner}: ${name} must be ${problem.expected}, got ${show(value)}`, problem.kind)
  }
}

/** The options a caller left out or gave as `undefined` take their default; the others stay. */
export type WithDefaults<O, D> = Omit<O, keyof D> & {
  [K in keyof D]-?: Exclude<K extends keyof O ? O[K] : never, undefined> | D[K]
}

/** `{ ...defaults, ...options }`, except that an option given as `undefined` keeps its default. */
export function withDefaults<O extends object, D extends object>(
  defaults: D,
  options: O | undefined,
): WithDefaults<O, D> {
  const merged: Record<string, unknown> = { ...(defaults as Record<string, unknown>) }
  if (options !== undefined)
    for (const [name, value] of Object.entries(options)) if (value !== undefined) merged[name] = value
  return merged as WithDefaults<O, D>
}

/** Throws a `TypeError` naming the first of `names` that `options` lacks (or holds as `undefined`). */
export function requireOptions(options: object, names: readonly string[], settings: CheckSettings): void {
  const { owner, error = defaultError } = settings
  for (const name of names)
    if ((options as Record<string, unknown>)[name] === undefined) throw error(`${owner}: ${name} is required`, 'type')
}

/** {@link checkOptions}, then {@link withDefaults}: what a factory calls once, at creation. */
export function resolveOptions<O extends object, D extends object>(
  options: O | undefined,
  defaults: D,
  spec: OptionSpec,
  settings: CheckSettings,
): WithDefaults<O, D> {
  checkOptions(options, spec, settings)
  return withDefaults(defaults, options)
}
