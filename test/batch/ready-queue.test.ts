import fc from 'fast-check'
import { ReadyQueue } from '../../src/batch/ready-queue.js'

describe('ReadyQueue', () => {
  it('always pops the smallest ready index (-1 when empty), whatever the heads and the pushes between pops (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.nat(1000)),
        fc.array(fc.oneof(fc.nat(1000), fc.constant('pop' as const))),
        (rawHeads, steps) => {
          const heads = [...rawHeads].sort((x, y) => x - y)
          const queue = new ReadyQueue(heads)
          const model = [...heads]
          const popOne = () => {
            model.sort((x, y) => x - y)
            expect(queue.pop()).toBe(model.shift() ?? -1)
          }
          for (const step of steps) {
            if (step === 'pop') popOne()
            else {
              queue.push(step)
              model.push(step)
            }
          }
          while (model.length > 0) popOne()
          expect(queue.pop()).toBe(-1)
        },
      ),
    )
  })
})
