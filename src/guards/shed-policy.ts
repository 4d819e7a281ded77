/**
 * Which invocations the memory watchdog sheds when several share one process (Lambda Managed Instances run up to 64
 * per vCPU): a plain function of what the watchdog knows about each running invocation. Used by `MemoryMonitor`.
 *
 * Why this policy: RSS is the process's and the V8 heap is the thread's, so a reading cannot say which invocation
 * allocated what (V8 keeps no account per async context). A policy that blamed the invocation running when memory rose
 * would blame whoever ran next. So the watchdog does not guess; it sheds the least it can, in an order that loses the
 * least work:
 *
 * - **One at a time, youngest first.** At `shedRatio` only the youngest invocation that felt the pressure come is
 *   shed: it has done the least, so the least work goes back to the source, while the oldest are nearest done and free
 *   their memory by finishing anyway. The next one is shed only once that one has ended and a full reading taken after
 *   it still shows pressure. One invocation's allocation thus costs one shed invocation, not all of them, unless the
 *   memory stays used.
 * - **All at `shedAllRatio`.** Past it there is no time to go one by one: running out of memory ends every
 *   invocation in the process (or the worker thread) at once, so every invocation that felt the pressure is shed.
 * - **Never one that started under pressure.** As with a single invocation, one whose first reading was already over
 *   `shedRatio` is not shed for it (shed at once, neither it nor its retries would progress); it is shed for pressure
 *   that comes after a reading under `shedRatio`.
 *
 * @module
 */

/** What the policy needs to know about one running invocation. */
export interface Sheddable {
  /** Start order: a higher number started later. */
  readonly order: number
  /**
   * The used share of its limit at the latest reading, counted only when pressure came while it ran (some reading of
   * it was under `shedRatio`); `0` otherwise.
   */
  readonly pressure: number
  /** True once it was shed: it stays in the running list until it ends. */
  readonly shed: boolean
}

/** The thresholds, as the watchdog resolved them. */
export interface ShedThresholds {
  readonly shedRatio: number
  readonly shedAllRatio: number
}

/**
 * The invocations of `running` to shed after a reading: every one under pressure when one is at `shedAllRatio`;
 * otherwise the youngest under pressure, only when no shed invocation is still running and the reading may act
 * (`mayShedNext`: any reading, the 2 ms heap checks included, except after a shed invocation ended, when only a full
 * reading taken since may); otherwise none.
 */
export function invocationsToShed<W extends Sheddable>(
  running: readonly W[],
  { shedRatio, shedAllRatio }: ShedThresholds,
  mayShedNext: boolean,
): W[] {
  const pressured: W[] = []
  let youngest: W | undefined
  let stillShedding = false
  let overAll = false
  for (const watch of running) {
    if (watch.shed) stillShedding = true
    else if (watch.pressure >= shedRatio) {
      pressured.push(watch)
      if (watch.pressure >= shedAllRatio) overAll = true
      if (youngest === undefined || watch.order > youngest.order) youngest = watch
    }
  }
  if (overAll) return pressured
  return youngest === undefined || stillShedding || !mayShedNext ? [] : [youngest]
}
