'use strict';
// `npm test`'s pretest: the HTML report is tested in a real browser, Debian's Chromium
// (Playwright's own browser download cannot work on these machines). Installs it when it
// is missing and this is root on a Debian-like system; otherwise it says what to run and lets
// the suite go on (only the browser tests then fail, with the same sentence).
const { existsSync } = require('node:fs');
const { spawnSync } = require('node:child_process');

const CHROMIUM = '/usr/bin/chromium';
if (existsSync(CHROMIUM)) process.exit(0);
const hasApt = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
if (!hasApt || typeof process.getuid !== 'function' || process.getuid() !== 0) {
  console.error(`warning: the HTML report's browser tests need Chromium at ${CHROMIUM}: install it with \`sudo apt-get install -y chromium\` (Debian, Ubuntu); they fail until then.`);
  process.exit(0);
}
console.error(`Chromium is missing at ${CHROMIUM}: installing it (apt-get install -y chromium) for the HTML report's browser tests.`);
const install = spawnSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium'], { stdio: 'inherit' });
// A failed install leaves the rest of the suite to run; the browser tests then say what is missing.
if (install.status !== 0) console.error('warning: installing Chromium failed; the browser tests will fail until it is installed.');
process.exit(0);
