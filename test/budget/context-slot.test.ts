import { readSlot, writeSlot } from '../../src/budget/context-slot.js'

describe('the context slot', () => {
  it('keeps a value with the object, invisible to keys, JSON, spreads and symbols, and overwritable', () => {
    const context = { awsRequestId: 'r1' }
    expect(readSlot(context)).toBeUndefined()
    writeSlot(context, 'first')
    writeSlot(context, 'second')
    expect(readSlot(context)).toBe('second')
    expect(Object.keys(context)).toEqual(['awsRequestId'])
    expect(JSON.stringify(context)).toBe('{"awsRequestId":"r1"}')
    expect(Object.getOwnPropertySymbols(context)).toEqual([])
    expect(readSlot({ ...context })).toBeUndefined()
  })

  it('falls back to a side table for frozen and sealed objects', () => {
    const frozen = Object.freeze({})
    const sealed = Object.seal({})
    writeSlot(frozen, 1)
    writeSlot(sealed, 2)
    writeSlot(frozen, 3)
    expect([readSlot(frozen), readSlot(sealed)]).toEqual([3, 2])
  })
})
