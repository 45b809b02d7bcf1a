/**
 * npm run bench:cold-start [-- --package DIR]
 *
 * Packages the service (`osls package --stage prod`, real-looking addresses) or
 * reads an existing package folder, and prints per function the zip size and
 * the time its handler module takes to load in a fresh Node process (the part
 * of a Lambda cold start the code controls), median of 5.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const ROOT = resolve(__dirname, '..');
const { values } = parseArgs({ options: { package: { type: 'string' } } });

let dir = values.package;
if (!dir) {
  dir = mkdtempSync(join(tmpdir(), 'cold-start-'));
  process.stderr.write(`packaging into ${dir}…\n`);
  execFileSync(
    process.execPath,
    [join(ROOT, 'node_modules/osls/bin/serverless.js'), 'package', '--stage', 'prod', '--package', dir,
      '--param', 'dpoEmail=dpo@acme-health.eu', '--param', 'senderEmail=retention-auditor@acme-health.eu', '--param', 'alarmEmail=alerts@acme-health.eu'],
    { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, SLS_TELEMETRY_DISABLED: '1' } },
  );
}

const rows: string[][] = [['function', 'zip', 'handler load (median of 5)']];
for (const zip of readdirSync(dir).filter((name) => name.endsWith('.zip')).sort()) {
  const name = zip.replace(/\.zip$/, '');
  const root = mkdtempSync(join(tmpdir(), `cold-${name}-`));
  execFileSync('unzip', ['-q', join(dir, zip), '-d', root]);
  const handler = join(root, 'handlers', `${name}.js`);
  const times: number[] = [];
  for (let i = 0; i < 5; i += 1) {
    const out = execFileSync(process.execPath, ['-e', `const t=process.hrtime.bigint();require(${JSON.stringify(handler)});console.log(Number(process.hrtime.bigint()-t)/1e6)`], {
      cwd: root,
      env: { PATH: process.env.PATH, LAMBDA_TASK_ROOT: root, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      encoding: 'utf8',
    });
    times.push(Number(out.trim()));
  }
  times.sort((a, b) => a - b);
  rows.push([name, `${(statSync(join(dir, zip)).size / 1024 / 1024).toFixed(2)} MB`, `${times[2]!.toFixed(0)} ms`]);
}
const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
for (const row of rows) process.stdout.write(`${row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ')}\n`);
