// Jest reporter for CI: when JEST_SUMMARY_DIR is set, writes this run's pass/fail counts there so that .ci/run
// can print one closing line over every jest run (unit, integration, reliability).
const { mkdirSync, writeFileSync } = require('node:fs')
const { join } = require('node:path')

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const dir = process.env.JEST_SUMMARY_DIR
    if (!dir) return
    mkdirSync(dir, { recursive: true })
    const summary = {
      passed: results.numPassedTests,
      failed: results.numFailedTests + results.numRuntimeErrorTestSuites,
    }
    writeFileSync(join(dir, `${process.pid}-${Date.now()}.json`), JSON.stringify(summary))
  }
}
module.exports = SummaryReporter
