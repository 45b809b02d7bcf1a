import { existsSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { main } from '../../cli/main';
import { tempDir } from '../helpers/files';

const SEED = resolve(__dirname, '../../policies/sources/003_1f8b3763d6817eed.txt');

async function cli(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
  return { code, stdout, stderr };
}

describe('policy import', () => {
  it('drafts the rule file, keeps the source with its SHA-256, prints the review table', async () => {
    const dir = tempDir();
    const { code, stdout } = await cli('policy', 'import', SEED, '--module', 'instant-messaging', '--policies', dir);
    expect(code).toBe(0);
    expect(stdout).toMatch(/rule drafted/);
    expect(stdout).toMatch(/Log Data .*fixed-period: 7 days/);
    const ruleFile = JSON.parse(readFileSync(join(dir, 'instant-messaging.json'), 'utf8'));
    const bytes = readFileSync(join(dir, 'sources', '003_1f8b3763d6817eed.txt'));
    expect(ruleFile.sourceSha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(ruleFile.source).toBe('003_1f8b3763d6817eed.txt');
  });

  it('refuses to overwrite a rule file without --force (exit 2, one sentence)', async () => {
    const dir = tempDir();
    await cli('policy', 'import', SEED, '--module', 'instant-messaging', '--policies', dir);
    const again = await cli('policy', 'import', SEED, '--module', 'instant-messaging', '--policies', dir);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/exists already; pass --force/);
    expect(again.stderr.trim().split('\n')).toHaveLength(1);
    expect((await cli('policy', 'import', SEED, '--module', 'instant-messaging', '--policies', dir, '--force')).code).toBe(0);
  });

  it('rejects a module id that is not kebab-case and a missing document', async () => {
    const dir = tempDir();
    expect((await cli('policy', 'import', SEED, '--module', 'Instant_Messaging', '--policies', dir)).code).toBe(2);
    expect((await cli('policy', 'import', join(dir, 'missing.txt'), '--module', 'x', '--policies', dir)).code).toBe(2);
    expect(existsSync(join(dir, 'x.json'))).toBe(false);
  });
});
