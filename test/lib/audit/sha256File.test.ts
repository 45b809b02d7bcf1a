/**
 * sha256File hashes a file through two reused buffers, reading the next chunk while it hashes
 * this one: the digest must be the whole file's, whatever the file's length against the chunk,
 * no buffer may be hashed while a read owns it, and the file is closed once, after the last read
 * settled, when a read fails or the hash throws too.
 *
 * The file handle is the real one, wrapped: each read scribbles over its buffer at once and fills
 * it a moment later, so hashing a buffer a read still owns gives a wrong digest every time.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256File } from '../../../lib/audit/sha256File';
import { FILE_CHUNK_BYTES } from '../../../lib/fileChunks';

const { createHash, randomBytes } = jest.requireActual<typeof import('node:crypto')>('node:crypto');

/** What the wrapped handles did, in order. */
const log: string[] = [];
/** The read (1-based) that fails with EIO; 0: none. */
let failingRead = 0;
/** The hash update (1-based) that throws; 0: none. */
let throwingUpdate = 0;

jest.mock('node:fs/promises', () => {
  const actual = jest.requireActual<typeof import('node:fs/promises')>('node:fs/promises');
  return {
    ...actual,
    open: async (path: string, flags: string) => {
      const real = await actual.open(path, flags);
      let reads = 0;
      let pending = 0;
      return {
        read: (buffer: Buffer, offset: number, length: number, position: number) => {
          const read = ++reads;
          if (pending > 0) log.push('overlapping reads');
          pending += 1;
          buffer.fill(0xee, offset, offset + length);
          return new Promise((settle) => setTimeout(settle, 2))
            .then(() => (read === failingRead ? Promise.reject(Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' })) : real.read(buffer, offset, length, position)))
            .finally(() => {
              pending -= 1;
              log.push(`read ${read} settled`);
            });
        },
        close: async () => {
          if (pending > 0) log.push('closed with a read pending');
          log.push('close');
          await real.close();
        },
      };
    },
  };
});

jest.mock('node:crypto', () => {
  const actual = jest.requireActual<typeof import('node:crypto')>('node:crypto');
  return {
    ...actual,
    createHash: (algorithm: string) => {
      const hash = actual.createHash(algorithm);
      let updates = 0;
      const wrapped = {
        update: (data: Buffer) => {
          if (++updates === throwingUpdate) throw new Error('hash failed');
          hash.update(data);
          return wrapped;
        },
        digest: (encoding: 'hex') => hash.digest(encoding),
      };
      return wrapped;
    },
  };
});

const dir = mkdtempSync(join(tmpdir(), 'sha256-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeEach(() => {
  log.length = 0;
  failingRead = 0;
  throwingUpdate = 0;
});

function fileOf(name: string, length: number): { path: string; bytes: Buffer } {
  const bytes = randomBytes(length);
  const path = join(dir, `${name}.bin`);
  writeFileSync(path, bytes);
  return { path, bytes };
}

describe('sha256File', () => {
  it.each([
    ['empty', 0],
    ['one byte', 1],
    ['one chunk less a byte', FILE_CHUNK_BYTES - 1],
    ['exactly one chunk', FILE_CHUNK_BYTES],
    ['one chunk and a byte', FILE_CHUNK_BYTES + 1],
    ['two chunks and a byte (both buffers reused)', 2 * FILE_CHUNK_BYTES + 1],
    ['three chunks and a half', 3.5 * FILE_CHUNK_BYTES],
  ])('is the whole file’s digest, never hashing a buffer a read owns: %s', async (name, length) => {
    const { path, bytes } = fileOf(name, length);
    await expect(sha256File(path)).resolves.toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(log).not.toContain('overlapping reads');
    expect(log).not.toContain('closed with a read pending');
    expect(log.filter((entry) => entry === 'close')).toHaveLength(1);
  });

  it('fails with the read’s error, closing the file once after it', async () => {
    const { path } = fileOf('read-fails', 3 * FILE_CHUNK_BYTES);
    failingRead = 2;
    await expect(sha256File(path)).rejects.toThrow(/EIO/);
    expect(log).not.toContain('closed with a read pending');
    expect(log.filter((entry) => entry === 'close')).toHaveLength(1);
    expect(log.at(-1)).toBe('close');
  });

  it('lets the read under way settle before it closes the file when the hash throws', async () => {
    const { path } = fileOf('hash-throws', 3 * FILE_CHUNK_BYTES);
    throwingUpdate = 1;
    await expect(sha256File(path)).rejects.toThrow('hash failed');
    expect(log).not.toContain('closed with a read pending');
    expect(log.at(-1)).toBe('close');
  });

  it('fails on a file that is not there, and on a folder', async () => {
    await expect(sha256File(join(dir, 'missing.json'))).rejects.toThrow(/ENOENT/);
    await expect(sha256File(dir)).rejects.toThrow(/EISDIR/);
  });
});
