/**
 * Where a context's budget lives: a private class field stamped on the context object itself (the "return override"
 * idiom), because a `WeakMap` keyed by the context costs measurably more per invocation (V8 treats every WeakMap
 * entry as an ephemeron during garbage collection; figures in BENCHMARKS.md, guards section). Frozen or sealed contexts fall back
 * to a `WeakMap`. Neither is per-invocation state shared between invocations: each holds one entry per live context
 * and drops it with the context. Internal.
 *
 * @module
 */

class ReturnsItsArgument {
  constructor(target: object) {
    // biome-ignore lint/correctness/noConstructorReturn: the return override idiom (see above), on purpose
    return target
  }
}

const frozenSlots = new WeakMap<object, unknown>()

/** Stamps the slot on a context; invisible to `JSON.stringify`, `Object.keys`, spreads and symbol listings. */
class Slot extends ReturnsItsArgument {
  #value: unknown

  constructor(target: object, value: unknown) {
    super(target)
    this.#value = value
  }

  static read(target: object): unknown {
    if (#value in target) return target.#value
    // Only a target that was not extensible when written has its slot in the map (it cannot have become extensible).
    return Object.isExtensible(target) ? undefined : frozenSlots.get(target)
  }

  static write(target: object, value: unknown): void {
    if (#value in target) target.#value = value
    else if (Object.isExtensible(target)) new Slot(target, value)
    else frozenSlots.set(target, value)
  }
}

/** What the slot of `target` holds; `undefined` when nothing was written. */
export const readSlot: (target: object) => unknown = Slot.read

/** Writes (or overwrites) the slot of `target`. */
export const writeSlot: (target: object, value: unknown) => void = Slot.write
