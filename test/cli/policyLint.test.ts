/** `policy lint [--policies DIR]`: one line per problem on stdout, exit 1 when any; exit 0 with one OK line otherwise. */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_POLICIES_DIR } from '../../lib/catalog/loadCatalog';
import { main } from '../../cli/main';
import { tempDir } from '../helpers/files';

async function cli(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
  return { code, stdout, stderr };
}

function copyOfCatalog(): string {
  const dir = tempDir('lint-cli-');
  cpSync(DEFAULT_POLICIES_DIR, dir, { recursive: true });
  return dir;
}

describe('policy lint', () => {
  it('passes the shipped policies with one OK line (the default folder)', async () => {
    const { code, stdout, stderr } = await cli('policy', 'lint');
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toMatch(/^OK: .*policies: 6 rule files, \d+ clauses, 5 source documents, no problems\.\n$/);
  });

  it('prints <file>:<json path>: <problem> per problem and exits 1', async () => {
    const dir = copyOfCatalog();
    const file = join(dir, 'tokenhub.json');
    const data = JSON.parse(readFileSync(file, 'utf8'));
    data.clauses[0].text = 'Stored for\nseven days.';
    data.sourceSha256 = '0'.repeat(64);
    writeFileSync(file, JSON.stringify(data));
    const { code, stdout, stderr } = await cli('policy', 'lint', '--policies', dir);
    expect(code).toBe(1);
    expect(stdout.trimEnd().split('\n')).toEqual([
      expect.stringMatching(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:/sourceSha256: sources/000_1f061452a332244d\\.txt changed since import`)),
      `${file}:/clauses/0/text: "Stored for seven days." is not verbatim in sources/000_1f061452a332244d.txt`,
    ]);
    expect(stderr).toBe(`2 problems in ${dir} (6 rule files, 22 clauses, 5 source documents).\n`);
  });

  it('exits 2 on a folder it cannot read', async () => {
    const { code, stderr } = await cli('policy', 'lint', '--policies', join(tempDir(), 'missing'));
    expect(code).toBe(2);
    expect(stderr).toMatch(/^error: Cannot read the rule folder .*missing\.\n$/);
  });

  it('--help says what it checks and how it exits', async () => {
    const { code, stdout } = await cli('policy', 'lint', '--help');
    expect(code).toBe(0);
    expect(stdout).toContain('--policies <dir>');
    expect(stdout).toMatch(/<file>:<json path>: <problem>/);
    expect(stdout).toMatch(/Exit status: 0 no problems; 1 problems; 2 unreadable folder/);
  });
});
