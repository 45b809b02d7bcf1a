import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { eachLine, readLines } from '../../../lib/inventory/readLines';
import { collect, tempDir } from '../../helpers/files';

const dir = tempDir('readlines-');
let files = 0;
const fileOf = (bytes: Uint8Array): string => {
  const path = join(dir, `f${(files += 1)}.txt`);
  writeFileSync(path, bytes);
  return path;
};

const lines = async (path: string, options: Parameters<typeof eachLine>[2] = {}): Promise<string[]> => {
  const out: string[] = [];
  await eachLine(path, (line) => out.push(line), options);
  return out;
};

/** Pieces of files: text, line ends, multi-byte characters, a BOM, and bytes that are not UTF-8 (cut sequences, stray continuation bytes). */
const piece = fc.oneof(
  fc.string({ maxLength: 6 }).map((text) => Buffer.from(text)),
  fc.constantFrom('\n', '\r', '\r\n', '\n\n', 'é', '€', '😀', '\uFEFF', '{"a":1}').map((text) => Buffer.from(text)),
  fc.constantFrom([0xff], [0xc3], [0xe2, 0x82], [0xf0, 0x9f, 0x98], [0x80], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0x0d, 0xe2]).map((bytes) => Buffer.from(bytes)),
);
const content = fc.array(piece, { maxLength: 40 }).map((pieces) => new Uint8Array(Buffer.concat(pieces)));

describe('eachLine', () => {
  it('hands over exactly the lines readLines yields, whatever the bytes and wherever the reads cut them', async () => {
    await fc.assert(
      fc.asyncProperty(content, fc.integer({ min: 1, max: 48 }), async (bytes, bufferSize) => {
        const path = fileOf(bytes);
        expect(await lines(path, { bufferSize })).toEqual(await collect(readLines(path)));
      }),
      { numRuns: 400 },
    );
  });

  it('reads a byte range as readLines reads it', async () => {
    await fc.assert(
      fc.asyncProperty(content, fc.nat(), fc.nat(), fc.integer({ min: 1, max: 16 }), async (bytes, a, b, bufferSize) => {
        const path = fileOf(bytes);
        const range = { start: a % (bytes.length + 2), end: b % (bytes.length + 2) };
        expect(await lines(path, { range, bufferSize })).toEqual(await collect(readLines(path, undefined, undefined, range)));
      }),
      { numRuns: 200 },
    );
  });

  it('holds a line longer than its buffer, and a last line without a newline', async () => {
    const long = 'x'.repeat(1000);
    const path = fileOf(Buffer.from(`a\r\n${long}\n\nlast\r`));
    expect(await lines(path, { bufferSize: 7 })).toEqual(['a', long, '', 'last']);
  });

  it('reports the bytes read, counted from the range start', async () => {
    const path = fileOf(Buffer.from('one\ntwo\nthree\n'));
    const seen: number[] = [];
    await eachLine(path, () => undefined, { range: { start: 4, end: 14 }, bufferSize: 4, onBytes: (bytes) => seen.push(bytes) });
    expect(seen).toEqual([4, 8, 10]);
  });

  it('stops before the next read once asked to', async () => {
    const path = fileOf(Buffer.from('1\n2\n3\n4\n'));
    const out: string[] = [];
    await eachLine(path, (line) => out.push(line), { bufferSize: 4, stop: () => out.length >= 2 });
    expect(out).toEqual(['1', '2']);
  });

  it('fails as opening the file fails', async () => {
    await expect(eachLine(join(dir, 'missing.txt'), () => undefined)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
