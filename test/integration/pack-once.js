// globalSetup of jest.package.config.js: `npm pack` once, as a user of the clone does (its prepack builds dist/ for
// every suite that tests the built package). The tarball's path goes to the suites in SDR_PACKED_TARBALL; the
// installed-package suite installs it from, and removes, the folder it is in.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export default function packOnce() {
  const dir = mkdtempSync(join(tmpdir(), 'sdr-installed-'))
  execFileSync('npm', ['pack', '--loglevel=warn', '--pack-destination', dir], {
    cwd: new URL('../..', import.meta.url).pathname,
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  const tarball = readdirSync(dir).find((name) => name.endsWith('.tgz'))
  if (tarball === undefined) throw new Error(`npm pack made no tarball in ${dir}`)
  process.env.SDR_PACKED_TARBALL = join(dir, tarball)
}
