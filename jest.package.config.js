/**
 * The packed-package suites (test/integration/): `npm pack` once (its prepack builds dist/), then the built package
 * imported by self-reference and synthesized, and the tarball installed into a fresh project with the README's install
 * lines. Slow (a build, real `npm install`s, a CDK synth), so not in `npm test`: run by `npm run test:package` and by CI.
 */
import base from './jest.config.js'

export default {
  ...base,
  roots: ['<rootDir>/test/integration'],
  testPathIgnorePatterns: ['/node_modules/'],
  globalSetup: '<rootDir>/test/integration/pack-once.js',
  testTimeout: 240_000,
}
