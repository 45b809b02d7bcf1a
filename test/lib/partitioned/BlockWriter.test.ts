/**
 * A sorted findings file in blocks: the assembly cuts parts from the blocks' first
 * keys and reads a part's findings with ranged reads of the blocks that hold it, so
 * the blocks must cover the file exactly, count their lines, never cut a key in two,
 * and each be readable alone (compressed too).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { BLOCK_CHARS, BlockWriter, blockCharsFor, readBlock, type Block } from '../../../lib/partitioned/BlockWriter';
import { compareLines, keyedLine, parseKeyedLine, type FindingLine } from '../../../lib/report/FindingSorter';
import { collect, tempDir } from '../../helpers/files';

async function written(entries: readonly FindingLine[], options: { blockChars?: number; compress?: boolean }): Promise<{ path: string; blocks: Block[] }> {
  const path = join(tempDir('blocks-'), 'sorted.findings');
  const writer = new BlockWriter(path, options);
  for (const entry of entries) await writer.write(entry);
  return { path, blocks: await writer.close() };
}

/** Each block's lines, read alone, parsed. */
const blockEntries = (path: string, blocks: readonly Block[], compressed: boolean) =>
  Promise.all(blocks.map(async (block) => (await collect(readBlock(path, block, compressed))).filter((text) => text !== '').map(parseKeyedLine)));

const line = (n: number, pad = 0) => `{"n":${n},"pad":"${'x'.repeat(pad)}"}`;

describe('BlockWriter', () => {
  it('writes blocks in order, each with its first key and line count, whose byte ranges cover the file exactly', async () => {
    const entries: FindingLine[] = [null, null, 'a', 'b', 'b', 'c', 'd', 'e', 'é', '\u{1F600}', '\uFFFF'].map((key, n) => ({ key, line: line(n, 20) }));
    const { path, blocks } = await written(entries, { blockChars: 60 });
    expect(blocks.length).toBeGreaterThan(3);
    expect(blocks[0]!.start).toBe(0);
    blocks.forEach((block, i) => i > 0 && expect(block.start).toBe(blocks[i - 1]!.end));
    expect(blocks.at(-1)!.end).toBe(readFileSync(path).length);
    expect(readFileSync(path, 'utf8')).toBe(entries.map(keyedLine).join(''));
    const read = await blockEntries(path, blocks, false);
    expect(read.flat()).toEqual(entries);
    read.forEach((lines, i) => expect([blocks[i]!.first, blocks[i]!.lines]).toEqual([lines[0]!.key, lines.length]));
    expect(blocks[0]!.first).toBeNull();
  });

  it('never cuts a key across two blocks: many equal keys past the size stay in one block', async () => {
    const entries: FindingLine[] = [
      { key: 'a', line: line(0, 60) },
      ...Array.from({ length: 40 }, (_, n) => ({ key: 'same', line: line(n + 1, 30) })),
      ...Array.from({ length: 5 }, (_, n) => ({ key: 'z', line: line(n + 41) })),
    ];
    const { path, blocks } = await written(entries, { blockChars: 50 });
    expect(blocks.map(({ first, lines }) => [first, lines])).toEqual([
      ['a', 1],
      ['same', 40],
      ['z', 5],
    ]);
    expect((await blockEntries(path, blocks, false)).flat()).toEqual(entries);
  });

  it('keeps null keys (items without an itemId) together at the start, with a null first key', async () => {
    const entries: FindingLine[] = [...Array.from({ length: 30 }, (_, n) => ({ key: null, line: line(n, 10) })), { key: 'a', line: line(30) }];
    const { blocks } = await written(entries, { blockChars: 10 });
    expect(blocks.map(({ first, lines }) => [first, lines])).toEqual([
      [null, 30],
      ['a', 1],
    ]);
  });

  it('with no line: no block, and an empty file', async () => {
    for (const compress of [false, true]) {
      const { path, blocks } = await written([], { compress });
      expect(blocks).toEqual([]);
      expect(readFileSync(path).length).toBe(0);
    }
  });

  it('removes its file when destroyed', async () => {
    const path = join(tempDir('blocks-'), 'failed.findings');
    const writer = new BlockWriter(path, { blockChars: 1 });
    await writer.write({ key: 'a', line: line(0) });
    await writer.write({ key: 'b', line: line(1) });
    await writer.destroy();
    expect(existsSync(path)).toBe(false);
  });

  it('for any sorted lines: blocks are readable alone, compressed or not, hold about blockChars each, and key before the next block', async () => {
    const key = fc.option(fc.string({ unit: fc.constantFrom('a', 'b', 'é', '\uFFFF', '\u{1F600}'), maxLength: 3 }), { nil: null });
    const entry = fc.record({ key, then: fc.option(fc.constantFrom('d1', 'd2'), { nil: undefined }), pad: fc.nat(40) });
    await fc.assert(
      fc.asyncProperty(fc.array(entry, { maxLength: 60 }), fc.integer({ min: 1, max: 300 }), fc.boolean(), async (raw, blockChars, compress) => {
        const entries = raw
          .map(({ key, then, pad }, n): FindingLine => ({ key, ...(then === undefined ? {} : { then }), line: line(n, pad) }))
          .sort(compareLines);
        const { path, blocks } = await written(entries, { blockChars, compress });
        const read = await blockEntries(path, blocks, compress);
        expect(read.flat()).toEqual(entries);
        expect(blocks.reduce((sum, block) => sum + block.lines, 0)).toBe(entries.length);
        expect(blocks.at(-1)?.end ?? 0).toBe(readFileSync(path).length);
        read.forEach((lines, i) => {
          const block = blocks[i]!;
          expect([block.first, block.lines]).toEqual([lines[0]!.key, lines.length]);
          if (i > 0) expect(block.start).toBe(blocks[i - 1]!.end);
          const next = blocks[i + 1];
          if (!next) return;
          // Every key of a block sorts before the next block's first: a key is never cut.
          expect(lines.every((entry) => entry.key !== next.first)).toBe(true);
          // A block ends at the first new key once it holds blockChars characters (keyed lines are ASCII).
          const chars = lines.map((entry) => keyedLine(entry).length);
          const lastKeyStart = lines.findIndex((entry) => entry.key === lines.at(-1)!.key);
          expect(chars.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(blockChars);
          expect(chars.slice(0, lastKeyStart).reduce((a, b) => a + b, 0)).toBeLessThan(blockChars);
        });
      }),
      { numRuns: 60 },
    );
  });
});

describe('blockCharsFor', () => {
  it('is half the sort budget, at least one character and at most BLOCK_CHARS', () => {
    expect(BLOCK_CHARS).toBe(8 << 20);
    expect([0, 1, 3, 8192, 16 << 20, 17 << 20, 1 << 30].map(blockCharsFor)).toEqual([1, 1, 1, 4096, 8 << 20, 8 << 20, 8 << 20]);
  });
});
