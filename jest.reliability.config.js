/** The reliability suites (test/reliability/): slow, run by `npm run test:reliability` and by CI. */
import base from './jest.config.js'

export default {
  ...base,
  roots: ['<rootDir>/test/reliability'],
  testPathIgnorePatterns: ['/node_modules/'],
  testTimeout: 600_000,
  maxWorkers: 1,
}
