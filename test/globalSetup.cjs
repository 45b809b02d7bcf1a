// Every temporary file of a test run goes into one folder of its own (TMPDIR, which os.tmpdir()
// reads, inherited by Jest's workers and every process they start: local S3 and DynamoDB
// folders, DuckDB's spill folders, unzipped Lambda packages, reports), removed when the run ends
// (globalTeardown.cjs). Left in the system's temp directory, one run of the suite left about
// 5 GB behind (126 local S3 folders of ~350 MB in a day of runs), until the disk was full.
const { mkdtempSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

module.exports = async () => {
  const dir = mkdtempSync(join(tmpdir(), 'retention-auditor-tests-'));
  process.env.RETENTION_AUDITOR_TEST_TMP = dir;
  process.env.TMPDIR = dir;
};
