/**
 * sha256File hashes a file through two reused buffers, reading the next chunk while it hashes
 * this one: the digest must be the whole file's, whatever the file's length against the chunk.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256File } from '../../../lib/audit/sha256File';
import { FILE_CHUNK_BYTES } from '../../../lib/fileChunks';

const dir = mkdtempSync(join(tmpdir(), 'sha256-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function hashOf(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

describe('sha256File', () => {
  it.each([
    ['empty', 0],
    ['one byte', 1],
    ['one chunk less a byte', FILE_CHUNK_BYTES - 1],
    ['exactly one chunk', FILE_CHUNK_BYTES],
    ['two chunks and a byte (both buffers reused)', 2 * FILE_CHUNK_BYTES + 1],
    ['three chunks and a half', 3.5 * FILE_CHUNK_BYTES],
  ])('is the whole file’s digest: %s', async (name, length) => {
    const bytes = randomBytes(length);
    const path = join(dir, `${name}.bin`);
    writeFileSync(path, bytes);
    await expect(sha256File(path)).resolves.toBe(hashOf(bytes));
  });

  it('fails on a file that is not there', async () => {
    await expect(sha256File(join(dir, 'missing.json'))).rejects.toThrow(/ENOENT/);
  });
});
