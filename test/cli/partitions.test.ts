/**
 * `run --partitions N`: each partition read and evaluated by a process of its own
 * (cli/mapWorker.ts), then merged; the reports are a one-process run's, apart
 * from the run id and the clock.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { main } from '../../cli/main';
import { tempDir, writeTemp } from '../helpers/files';

const EXAMPLE = resolve(__dirname, '../../examples/inventory.ndjson');

async function run(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(['run', '--no-progress', ...argv], { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
  return { code, stdout, stderr };
}

/** A report with its run id and times made equal, so that two runs compare. */
function normalized(dir: string, extension: string): string {
  const name = readdirSync(dir).find((file) => file.startsWith('audit-') && file.endsWith(`.${extension}`))!;
  return readFileSync(join(dir, name), 'utf8')
    .replace(/audit-\d{8}T\d{6}Z-[0-9a-f]+/g, 'RUN')
    .replace(/"(startedAt|finishedAt|firstSeenAt)":"[^"]+"/g, '"$1":"T"');
}

describe('run --partitions', () => {
  it('maps the partitions in processes of their own and writes the reports of a one-process run, twice with history', async () => {
    const lines = readFileSync(EXAMPLE, 'utf8').trim().split('\n');
    // A line that is not JSON and one that is no item: named by their line numbers, whichever process reads them.
    const file = writeTemp('partitions-cli.ndjson', [...lines.slice(0, 20), '{broken', '[1]', ...lines.slice(20)].join('\n'));
    const history = { one: tempDir('cli-one-'), split: tempDir('cli-split-') };
    for (const round of [1, 2]) {
      const dirs = { one: tempDir('cli-one-'), split: tempDir('cli-split-') };
      const one = await run('--inventory', file, '--out', dirs.one, '--history', history.one, '--format', 'json,csv');
      const split = await run('--inventory', file, '--out', dirs.split, '--history', history.split, '--format', 'json,csv', '--partitions', round === 1 ? '3' : '5', '--workers', '2');
      expect(split.stderr).toBe(one.stderr);
      expect(split.code).toBe(one.code);
      expect(normalized(dirs.split, 'csv')).toBe(normalized(dirs.one, 'csv'));
      expect(normalized(dirs.split, 'json')).toBe(normalized(dirs.one, 'json'));
      expect(normalized(dirs.split, 'json')).toContain('Line 21 is not valid JSON.');
      // The second run compared with the first: findings persisting.
      if (round === 2) expect(normalized(dirs.split, 'json')).toContain('"status":"persisting"');
    }
  }, 120_000);

  it('refuses 0 partitions as bad usage', async () => {
    const { code, stderr } = await run('--inventory', EXAMPLE, '--partitions', '0');
    expect(code).toBe(2);
    expect(stderr).toMatch(/--partitions must be a whole number above 0/);
  });
});
