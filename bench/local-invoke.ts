/**
 * The local `invoke()` (issue 18, target 3): what one call adds to calling the handler directly. The event sources and
 * the HTTP gateway invoke every function through it, so its cost is paid per batch and per request.
 *
 * Two candidates, interleaved in rounds (`lib/stats.ts`), each round `perRound` calls awaited one after the other:
 * a trivial async handler called directly with a ready-made context, and the same handler through `invoke()` (context,
 * Lambda environment variables set and restored, timeout timer, the shared RSS sampler, the JSON round trip of the
 * result). Overhead per call = (invoke − direct) / perRound, on the median of the rounds' CPU time (user + system of
 * this process; the machine is shared) and, for reference, wall time.
 */
import { invoke } from '../src/local/index.js'
import { lambdaContext } from './lib/lambda-context.js'
import type { Figure, SectionResult, Target } from './lib/report.js'
import { target } from './lib/report.js'
import { interleave, medianFigure, printFigures, summarize } from './lib/stats.js'

export const SECTION = 'Local invoke() overhead per call'

const handler = async (event: { n: number }, _context?: unknown) => ({ ok: true, n: event.n })

export async function localInvokeBenchmark(
  options: { rounds?: number; perRound?: number; warmup?: number } = {},
): Promise<SectionResult> {
  const rounds = options.rounds ?? 21
  const perRound = options.perRound ?? 2000
  const warmup = options.warmup ?? 3
  console.log(SECTION)
  const context = lambdaContext({ timeoutMs: 3000, memoryMb: 1024 })
  const invokeOptions = { timeoutMs: 3000, memoryMb: 1024, functionName: 'bench' }
  const { wall, cpu } = await interleave(
    [
      {
        name: 'direct',
        run: async () => {
          for (let n = 0; n < perRound; n++) await handler({ n }, context)
        },
      },
      {
        name: 'invoke',
        run: async () => {
          for (let n = 0; n < perRound; n++) {
            const outcome = await invoke(handler, { n }, invokeOptions)
            if (outcome.status !== 'ok') throw new Error(`invoke() answered ${outcome.status}`)
          }
        },
      },
    ],
    { rounds, warmup },
  )
  const perCall = (values: readonly number[] | undefined) => (values ?? []).map((ms) => (ms / perRound) * 1000)
  const overhead = (series: Map<string, number[]>) => {
    const direct = series.get('direct') ?? []
    return (series.get('invoke') ?? []).map((ms, i) => ((ms - (direct[i] ?? 0)) / perRound) * 1000)
  }
  const cpuOverhead = overhead(cpu)
  const figures: Figure[] = [
    medianFigure(SECTION, 'handler called directly, CPU time per call', 'µs', perCall(cpu.get('direct'))),
    medianFigure(SECTION, 'through invoke(), CPU time per call', 'µs', perCall(cpu.get('invoke')), {
      comparedTo: 'handler called directly, CPU time per call',
    }),
    medianFigure(SECTION, 'invoke() overhead per call (invoke − direct, same round), CPU time', 'µs', cpuOverhead),
    medianFigure(SECTION, 'invoke() overhead per call (invoke − direct, same round), wall time', 'µs', overhead(wall)),
  ]
  for (const f of figures) f.samples = rounds
  printFigures(figures)
  const medianMs = summarize(cpuOverhead).median / 1000
  const targets: Target[] = [
    target(
      SECTION,
      'invoke() overhead per call (CPU time) / 0.1 ms',
      medianMs / 0.1,
      1,
      'atMost',
      `issue 18: the local invoke() adds at most 0.1 ms per call to a direct call of the handler (measured ${(medianMs * 1000).toFixed(0)} µs, median of ${rounds} rounds of ${perRound} calls)`,
    ),
  ]
  return {
    figures,
    targets,
    notes: [
      `Each round: ${perRound} calls awaited one after the other, a trivial async handler returning a small object; the overhead is taken round by round (invoke − direct of the same round) so that drift on the shared machine cancels.`,
    ],
  }
}
