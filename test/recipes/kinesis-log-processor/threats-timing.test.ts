/**
 * Every threat rule runs in linear time: a log event is attacker-controlled text, and one rule that backtracks
 * quadratically on a 100 KB path would stall a whole shard. For each rule and each adversarial filler (fragments that
 * start a match and never finish one), the time at 100 KB is compared with the time at 6.25 KB in the same run: a
 * linear scan grows about 16-fold, a quadratic one about 256-fold. Ratios, minima of several runs, and a generous
 * bound, so that a loaded machine (event-loop lag, GC, neighbours evicting the caches) does not fail it, while a
 * quadratic rule (seconds at 100 KB) does. (With 12.5 KB and a bound of 24, the sql-tautology rule, linear but 13-fold
 * from cache effects alone on a quiet machine, measured 26-fold once under load: CI ci18.)
 */
import { performance } from 'node:perf_hooks'
import { describe, expect, it } from '@jest/globals'
import { threatRules } from '../../../recipes/kinesis-log-processor/threats.js'

const largeBytes = 100_000
/** How much larger the large text is than the small one. */
const sizeRatio = 16
/** Linear is 16; quadratic is 256; this is their geometric middle. Anything past it is not linear, whatever the load. */
const maxGrowth = 64
const runs = 9

/** Repeated fragments that open a match of some rule and leave it unfinished (the canonical text: lower case, one space). */
const fillers = [
  'a',
  ' ',
  "'",
  "' ",
  "' or ",
  "' or 1 ",
  "'||1",
  "')",
  '"',
  '`',
  '`a',
  'union ',
  'union all ',
  'union (',
  '(',
  '( ',
  '<',
  '<a ',
  '<a on',
  '<a onerror ',
  ';',
  '; ',
  '; update a ',
  '|',
  '||',
  '&&',
  '\n',
  '$(',
  '${',
  '${ ',
  '() {',
  '() { : ; }',
  '../',
  '..;',
  '/etc',
  '%c0%',
  '%u',
  '=',
  'or 1 = ',
  ' or 11=',
  'javascript:',
  'javascript:a',
  'document. ',
  'string.fromcharcode ',
  'alert ',
  'sleep ',
  'information_schema. ',
  'burp ',
]

/** Milliseconds of one scan of `text` by `pattern` (a string with no match: the whole of it is scanned). */
function timeOnce(pattern: RegExp, text: string): number {
  const start = performance.now()
  pattern.test(text)
  return performance.now() - start
}

/**
 * The shortest of `runs` scans of each text, the two interleaved: a busy spell on the shared machine then slows
 * both sizes alike instead of only the one measured during it.
 */
function fastestOfEach(pattern: RegExp, small: string, large: string): { smallMs: number; largeMs: number } {
  let smallMs = Number.POSITIVE_INFINITY
  let largeMs = Number.POSITIVE_INFINITY
  for (let run = 0; run < runs; run++) {
    smallMs = Math.min(smallMs, timeOnce(pattern, small))
    largeMs = Math.min(largeMs, timeOnce(pattern, large))
  }
  return { smallMs, largeMs }
}

const fill = (filler: string, bytes: number) => filler.repeat(Math.ceil(bytes / filler.length)).slice(0, bytes)

/** The largest growth from `bytes / sizeRatio` to `bytes` of `pattern`'s scan time over every filler it does not match. */
function worstGrowth(pattern: RegExp, bytes: number): number {
  let worst = 0
  for (const filler of fillers) {
    const small = fill(filler, bytes / sizeRatio)
    const large = fill(filler, bytes)
    // A match ends the scan early and proves nothing: only fillers the rule does not match are measured.
    if (pattern.test(large.slice(0, 2_000))) continue
    fastestOfEach(pattern, small, small) // warm the regex up: V8 compiles it to native code after a few runs
    const { smallMs, largeMs } = fastestOfEach(pattern, small, large)
    // A floor of 0.05 ms keeps timer resolution from making a fast scan look like growth.
    worst = Math.max(worst, largeMs / Math.max(smallMs, 0.05))
  }
  return worst
}

describe('threat rules at 100 KB', () => {
  it('the measure flags a quadratic pattern (the control: this test can fail)', () => {
    // `a+b` on a run of `a`s with no `b`: every start position scans to the end.
    expect(worstGrowth(/a+b/, 8_000)).toBeGreaterThan(maxGrowth)
  })

  it.each(threatRules.map((rule) => [rule.rule, rule.pattern] as const))('%s grows linearly', (_name, pattern) => {
    expect(worstGrowth(pattern, largeBytes)).toBeLessThan(maxGrowth)
  })
})
