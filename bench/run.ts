/**
 * `npm run bench`: runs every benchmark in this folder, one after another, and prints the results.
 * The benchmarks engineer extends this with the results files of `bench/lib/report.ts`.
 */
import { fanOutBenchmark } from './fan-out.js'

await fanOutBenchmark()
