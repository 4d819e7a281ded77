import { execFileSync, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'

// Suite 7 — supply chain. Reads the committed lockfile and asks the registry's audit service.
const root = new URL('../..', import.meta.url).pathname

interface LockPackage {
  dev?: boolean
  devOptional?: boolean
  optional?: boolean
  peer?: boolean
  hasInstallScript?: boolean
}

const lock = JSON.parse(readFileSync(`${root}package-lock.json`, 'utf8')) as {
  lockfileVersion: number
  packages: Record<string, LockPackage>
}

describe('supply chain', () => {
  it('has its lockfile committed', () => {
    const tracked = execFileSync('git', ['ls-files', 'package-lock.json'], { cwd: root, encoding: 'utf8' }).trim()
    expect(tracked).toBe('package-lock.json')
    expect(lock.lockfileVersion).toBeGreaterThanOrEqual(3)
  })

  it('installs no production dependency that runs an install script', () => {
    const production = Object.entries(lock.packages).filter(
      ([path, pkg]) => path.startsWith('node_modules/') && !pkg.dev && !pkg.devOptional,
    )
    expect(production.length).toBeGreaterThan(0)
    const withScripts = production.filter(([, pkg]) => pkg.hasInstallScript).map(([path]) => path)
    expect(withScripts).toEqual([])
  })

  it('has no high or critical advisory in production dependencies (when the audit service answers)', () => {
    const audit = spawnSync('npm', ['audit', '--omit=dev', '--json', '--audit-level=high'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
    })
    const report = JSON.parse(audit.stdout || '{}') as {
      metadata?: { vulnerabilities?: Record<string, number> }
      message?: string
    }
    const counts = report.metadata?.vulnerabilities
    if (counts === undefined) {
      // The registry mirror this project's CI reaches answers the bulk advisory endpoint with 405; say so loudly
      // instead of passing silently as if the audit had run.
      console.warn(`supply chain: npm audit unavailable here (${report.message ?? audit.stderr.trim().split('\n')[0]})`)
      expect(report.message ?? audit.stderr).toMatch(/405|ENOTFOUND|ECONNREFUSED|audit endpoint/i)
      return
    }
    console.log(`supply chain: audit ${JSON.stringify(counts)}`)
    expect((counts.high ?? 0) + (counts.critical ?? 0)).toBe(0)
  })
})
