import { preset } from '../jest.preset.js';

export default preset(import.meta.dirname, {
  // One PostgreSQL for the run (embedded unless TEST_DATABASE_URL/DATABASE_URL); a database per file.
  globalSetup: '<rootDir>/test/support/global-setup.mjs',
  globalTeardown: '<rootDir>/test/support/global-teardown.mjs',
  setupFilesAfterEnv: ['<rootDir>/test/support/jest-setup.ts'],
});
