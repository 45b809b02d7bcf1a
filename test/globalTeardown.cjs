// Removes the test run's temporary folder (see globalSetup.cjs).
const { rmSync } = require('node:fs');

module.exports = async () => {
  const dir = process.env.RETENTION_AUDITOR_TEST_TMP;
  if (dir) rmSync(dir, { recursive: true, force: true });
};
