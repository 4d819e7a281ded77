/**
 * The Lambda environment variables `invoke()` shows a handler while it runs. Internal to `serverless-done-right/local`.
 *
 * @module
 */

/**
 * Where the overlay's bookkeeping lives. `process.env` is process-wide by nature, so the record of what it held before
 * the first running invocation is kept on `process` too (under a registered symbol, so that two copies of this module,
 * such as `src/` and `dist/`, agree), not in a module variable.
 */
const overlaySlot = Symbol.for('serverless-done-right/local.lambda-env')

interface EnvOverlay {
  /** Invocations currently running with the overlay applied. */
  active: number
  /** The value each overlaid variable had before the first of them started; `undefined` when it was unset. */
  readonly saved: Map<string, string | undefined>
}

type ProcessWithOverlay = NodeJS.Process & { [overlaySlot]?: EnvOverlay }

/**
 * Sets `variables` in `process.env` and returns a function that releases them.
 *
 * Overlapping calls are reference-counted: every call writes its values (the last writer wins for a variable two
 * callers set differently), and only when the last running caller releases does `process.env` get back exactly what it
 * held before the first one started. Releasing twice does nothing.
 */
export function applyLambdaEnv(variables: Readonly<Record<string, string>>): () => void {
  const host = process as ProcessWithOverlay
  const overlay = host[overlaySlot] ?? { active: 0, saved: new Map<string, string | undefined>() }
  host[overlaySlot] = overlay
  overlay.active += 1
  for (const [name, value] of Object.entries(variables)) {
    if (!overlay.saved.has(name)) overlay.saved.set(name, process.env[name])
    process.env[name] = value
  }
  let released = false
  return () => {
    if (released) return
    released = true
    overlay.active -= 1
    if (overlay.active > 0) return
    for (const [name, previous] of overlay.saved) {
      if (previous === undefined) delete process.env[name]
      else process.env[name] = previous
    }
    delete host[overlaySlot]
  }
}
