import { getHeapStatistics } from 'node:v8'
import { heapUsage, oldGenerationLimitMb } from '../../src/guards/heap.js'

const heapSizeLimitMb = getHeapStatistics().heap_size_limit / (1024 * 1024)

describe('the heap limit memoryWatchdog() compares with', () => {
  it('is --max-old-space-size when the process has it, from the command line over NODE_OPTIONS', () => {
    expect(oldGenerationLimitMb(['--max-old-space-size=115'], undefined)).toBe(115)
    expect(oldGenerationLimitMb([], '--enable-source-maps --max_old_space_size=200')).toBe(200)
    expect(oldGenerationLimitMb(['--max-old-space-size=115'], '--max-old-space-size=200')).toBe(115)
    expect(oldGenerationLimitMb(['--max-old-space-size=100', '--max-old-space-size=90'], undefined)).toBe(90)
  })

  it("is V8's heap limit minus three semi-spaces without the flag", () => {
    expect(oldGenerationLimitMb([], '')).toBe(heapSizeLimitMb - 48)
    expect(oldGenerationLimitMb(['--max-semi-space-size=4'], undefined)).toBe(heapSizeLimitMb - 12)
    expect(oldGenerationLimitMb(['--max-old-space-size=abc'], undefined)).toBe(heapSizeLimitMb - 48)
  })

  it('reads the heap in use, and the part of it that is not young', () => {
    const { usedMb, keptMb } = heapUsage()
    expect(keptMb).toBeGreaterThan(0)
    expect(keptMb).toBeLessThanOrEqual(usedMb)
    // The same total V8 reports, give or take what was allocated (or collected) between the two reads.
    expect(Math.abs(usedMb - getHeapStatistics().used_heap_size / (1024 * 1024))).toBeLessThan(8)
  })
})
