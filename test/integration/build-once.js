// globalSetup of jest.package.config.js: `npm run build` once for every suite that tests the built or packed package.
import { execFileSync } from 'node:child_process'

export default function buildOnce() {
  execFileSync('npm', ['run', 'build', '--silent'], {
    cwd: new URL('../..', import.meta.url).pathname,
    stdio: 'inherit',
  })
}
