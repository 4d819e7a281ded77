import fc from 'fast-check'
import { planLanes } from '../../src/batch/lanes.js'
import { StateSize } from '../../src/batch/state-size.js'

function lanesOf(keys: (string | undefined)[], ordering: 'key' | 'batch' | 'none'): number[][] {
  const { next, heads } = planLanes(keys, ordering)
  return heads.map((head) => {
    const lane = [head]
    for (let at = next[head] as number; at !== -1; at = next[at] as number) lane.push(at)
    return lane
  })
}

describe('planLanes', () => {
  it('links the records of each key in batch order; records without a key stand alone', () => {
    expect(lanesOf(['a', 'b', 'a', undefined, 'b', 'a', undefined], 'key')).toEqual([[0, 2, 5], [1, 4], [3], [6]])
    expect(lanesOf(['a', 'b', 'a'], 'batch')).toEqual([[0, 1, 2]])
    expect(lanesOf(['a', 'b', 'a'], 'none')).toEqual([[0], [1], [2]])
    expect(lanesOf([], 'batch')).toEqual([])
  })

  it('puts every record in exactly one lane, lanes ascending (fast-check)', () => {
    fc.assert(
      fc.property(fc.array(fc.option(fc.constantFrom('a', 'b', 'c', 'd'))), (raw) => {
        const keys = raw.map((key) => key ?? undefined)
        const lanes = lanesOf(keys, 'key')
        expect(lanes.flat().sort((x, y) => x - y)).toEqual(keys.map((_, index) => index))
        for (const lane of lanes) {
          expect(lane).toEqual([...lane].sort((x, y) => x - y))
          expect(new Set(lane.map((index) => keys[index])).size).toBe(1)
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
