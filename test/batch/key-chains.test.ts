import fc from 'fast-check'
import { planChains } from '../../src/batch/key-chains.js'
import { StateSize } from '../../src/batch/state-size.js'

function chainsOf(keys: (string | undefined)[], ordering: 'key' | 'batch' | 'none'): number[][] {
  const { next, heads } = planChains(keys, ordering)
  return heads.map((head) => {
    const chain = [head]
    for (let at = next[head] as number; at !== -1; at = next[at] as number) chain.push(at)
    return chain
  })
}

describe('planChains', () => {
  it('links the records of each key in batch order; records without a key stand alone', () => {
    expect(chainsOf(['a', 'b', 'a', undefined, 'b', 'a', undefined], 'key')).toEqual([[0, 2, 5], [1, 4], [3], [6]])
    expect(chainsOf(['a', 'b', 'a'], 'batch')).toEqual([[0, 1, 2]])
    expect(chainsOf(['a', 'b', 'a'], 'none')).toEqual([[0], [1], [2]])
    expect(chainsOf([], 'batch')).toEqual([])
  })

  it('puts every record in exactly one chain, chains ascending (fast-check)', () => {
    fc.assert(
      fc.property(fc.array(fc.option(fc.constantFrom('a', 'b', 'c', 'd'))), (raw) => {
        const keys = raw.map((key) => key ?? undefined)
        const chains = chainsOf(keys, 'key')
        expect(chains.flat().sort((x, y) => x - y)).toEqual(keys.map((_, index) => index))
        for (const chain of chains) {
          expect(chain).toEqual([...chain].sort((x, y) => x - y))
          expect(new Set(chain.map((index) => keys[index])).size).toBe(1)
        }
      }),
    )
  })
})

describe('StateSize', () => {
  it('tracks small entries exactly and large ones within the next re-measure', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('a', 'b', 'ü', 'long-key'), fc.string({ maxLength: 40 }))),
        (touches) => {
          const size = new StateSize()
          const state: Record<string, string[]> = {}
          for (const [key, text] of touches) {
            state[key] = [...(state[key] ?? []), text]
            size.touch(key, state[key])
          }
          const exact = Buffer.byteLength(JSON.stringify(state))
          // Each entry is counted with a trailing separator, so small states are estimated at exactly one byte
          // over; large accumulators are between re-measures, within their last observed growth.
          const entries = Object.keys(state).length
          if (exact < 2048) expect(size.bytes).toBe(exact + (entries > 0 ? 1 : 0))
          else expect(Math.abs(size.bytes - exact)).toBeLessThan(0.2 * exact + 2048)
        },
      ),
    )
  })

  it('starts again from an empty object after clear()', () => {
    const size = new StateSize()
    size.touch('k', 'v'.repeat(100))
    size.clear()
    expect(size.bytes).toBe(2)
  })
})
