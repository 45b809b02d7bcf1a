/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  testTimeout: 60_000,
  // A worker per core (Jest's default leaves one out): most suites wait on servers and child
  // processes, not the CPU. On the 2-core CI machine the suite took 547 s with one worker, 227 s with two.
  maxWorkers: '100%',
  setupFiles: ['<rootDir>/test/setupEnv.ts'],
  // One temporary folder per run, removed at its end (test/globalSetup.cjs).
  globalSetup: '<rootDir>/test/globalSetup.cjs',
  globalTeardown: '<rootDir>/test/globalTeardown.cjs',
};
