'use strict';
// `npm test`'s pretest: the HTML report is tested in a real browser, Debian's Chromium
// (Playwright's own browser download cannot work on these machines). Installs it when it
// is missing and this is root on a Debian-like system; otherwise says what to run.
const { existsSync } = require('node:fs');
const { spawnSync } = require('node:child_process');

const CHROMIUM = '/usr/bin/chromium';
if (existsSync(CHROMIUM)) process.exit(0);
const hasApt = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
if (!hasApt || typeof process.getuid !== 'function' || process.getuid() !== 0) {
  console.error(`The HTML report's browser tests need Chromium at ${CHROMIUM}: install it with \`sudo apt-get install -y chromium\` (Debian, Ubuntu), then run npm test again.`);
  process.exit(1);
}
console.error(`Chromium is missing at ${CHROMIUM}: installing it (apt-get install -y chromium) for the HTML report's browser tests.`);
const install = spawnSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium'], { stdio: 'inherit' });
process.exit(install.status ?? 1);
