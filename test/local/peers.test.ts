import { readFileSync } from 'node:fs'
import { localCloudInstallLine, localCloudPeers } from '../../src/local/peers.js'

// The install line that LocalCloudError and the README give must be the ranges package.json declares as optional
// peers (the missing-peer error itself is exercised in test/integration/installed-package.test.ts, where they are
// really missing).
const root = new URL('../..', import.meta.url).pathname
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as {
  peerDependencies: Record<string, string>
  peerDependenciesMeta: Record<string, { optional?: boolean }>
}

describe('the local cloud peers', () => {
  it('are optional peers of package.json at the same ranges', () => {
    for (const [name, range] of Object.entries(localCloudPeers)) {
      expect([name, pkg.peerDependencies[name], pkg.peerDependenciesMeta[name]?.optional]).toEqual([name, range, true])
    }
  })

  it('have one install line, given by the README', () => {
    const readme = readFileSync(`${root}README.md`, 'utf8')
    expect(localCloudInstallLine).toMatch(/^npm install -D kinesalite@\^3\.\d+\.\d+ dynalite@\^4/)
    expect(readme).toContain(`\n${localCloudInstallLine}\n`)
  })
})
