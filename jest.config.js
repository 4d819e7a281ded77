/** Jest runs the TypeScript sources as ESM through ts-jest (type checking is `npm run typecheck`'s job). */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  roots: ['<rootDir>/test', '<rootDir>/recipes'],
  testMatch: ['**/*.test.ts'],
  // recipes/<name>/local.test.ts run on Node's test runner (they are what `init` scaffolds): test/init/ runs them.
  // test/reliability/ and test/integration/ (the built and packed package) have configs of their own.
  testPathIgnorePatterns: [
    '/node_modules/',
    '/test/types/',
    '/test/reliability/',
    '/test/integration/',
    '/recipes/[^/]+/local\\.test\\.ts$',
  ],
  // Three workers on the two-core machine: many suites wait on timers, sockets and child processes, so they overlap
  // (jest's default there, cores - 1, runs every suite in band, one after another). Measured at load average ~2.5:
  // jest 117 s with two workers, 89 s with three.
  maxWorkers: 3,
  moduleNameMapper: {
    '^serverless-done-right$': '<rootDir>/src/index.ts',
    '^serverless-done-right/local$': '<rootDir>/src/local/index.ts',
    '^serverless-done-right/cdk$': '<rootDir>/recipes/deploy/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, diagnostics: false, tsconfig: { isolatedModules: true } }],
  },
  testTimeout: 30000,
  reporters: ['default', '<rootDir>/.ci/jest-summary.cjs'],
}
