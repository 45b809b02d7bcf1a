/**
 * The parts a partitioned run's reports are assembled in: whatever the sources and
 * the part count, the parts' lines in part order are the whole run's lines in the
 * report's order, every copy of an itemId falls in one part (repeats are marked
 * there), parts hold about as many lines each, and a part reads only the blocks
 * that may hold its range.
 */
import { join } from 'node:path';
import fc from 'fast-check';
import { BlockWriter, readBlock, type Block } from '../../../lib/partitioned/BlockWriter';
import { blocksOf, cutParts, partLines, partRange, type PartRange, type SortedSource } from '../../../lib/partitioned/cutParts';
import { compareKeys, compareLines, mergeSorted, type FindingLine } from '../../../lib/report/FindingSorter';
import { collect, tempDir } from '../../helpers/files';

/** A source written with BlockWriter, whose reads are recorded (block, range being read). */
interface CountedSource extends SortedSource {
  reads: Block[];
}

async function sourceOf(entries: readonly FindingLine[], blockChars: number, compress: boolean): Promise<CountedSource> {
  const path = join(tempDir('cut-'), 'sorted.findings');
  const writer = new BlockWriter(path, { blockChars, compress });
  for (const entry of entries) await writer.write(entry);
  const blocks = await writer.close();
  const reads: Block[] = [];
  return {
    blocks,
    reads,
    read(block) {
      reads.push(block);
      return readBlock(path, block, compress);
    },
  };
}

async function* each<T>(values: readonly T[]): AsyncGenerator<T> {
  yield* values;
}

const merged = (sources: readonly AsyncIterable<FindingLine>[]) => collect(mergeSorted(sources));
const partOf = (sources: readonly SortedSource[], range: PartRange) => merged(sources.map((source) => partLines(source, range)));

const block = (first: string | null, lines: number, start = 0): Block => ({ start, end: start + 10, lines, first });

describe('cutParts, partRange, blocksOf', () => {
  it('cut at block first keys weighted by lines; parts past the cuts are empty', () => {
    expect(cutParts([[block('a', 5), block('m', 5)]], 2)).toEqual(['m']);
    expect(cutParts([[block('a', 5), block('m', 5)]], 1)).toEqual([]);
    // Two blocks cannot make more than two non-empty parts.
    expect(cutParts([[block('a', 5), block('m', 5)]], 5)).toEqual(['m']);
    // A null first key (items without an itemId) is never a cut: those items are part 0's.
    expect(cutParts([[block(null, 5), block('b', 5)], [block(null, 5)]], 4)).toEqual(['b']);
    expect(partRange(['m'], 0)).toEqual({ from: null, to: 'm', empty: false });
    expect(partRange(['m'], 1)).toEqual({ from: 'm', to: null, empty: false });
    expect(partRange(['m'], 2)).toEqual({ from: null, to: null, empty: true });
    expect(partRange([], 0)).toEqual({ from: null, to: null, empty: false });
  });

  it('blocksOf takes the blocks whose keys (from their first to before the next one\'s) meet the range', () => {
    const blocks = [block(null, 1, 0), block('c', 1, 10), block('e', 1, 20), block('g', 1, 30)];
    const firsts = (range: PartRange) => blocksOf(blocks, range).map((b) => b.first);
    expect(firsts({ from: null, to: 'c', empty: false })).toEqual([null]);
    expect(firsts({ from: 'c', to: 'e', empty: false })).toEqual(['c']);
    expect(firsts({ from: 'b', to: 'd', empty: false })).toEqual([null, 'c']);
    expect(firsts({ from: 'f', to: null, empty: false })).toEqual(['e', 'g']);
    expect(firsts({ from: 'e', to: 'e\u0000', empty: false })).toEqual(['e']);
    expect(firsts({ from: null, to: null, empty: true })).toEqual([]);
  });

  it('for any sorted sources and part count, the parts in order are the whole merge, each key in one part, reading only the blocks that may hold it', async () => {
    // Few distinct keys: many copies of a key within a source and across sources; non-ASCII and
    // surrogate pairs, where code-unit order differs from code-point order.
    const key = fc.option(fc.string({ unit: fc.constantFrom('a', 'b', 'é', '\uFFFF', '\u{1F600}'), maxLength: 3 }), { nil: null });
    const entry = fc.record({ key, then: fc.option(fc.constantFrom('d1', 'd2'), { nil: undefined }), pad: fc.nat(30) });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(entry, { maxLength: 40 }), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 1, max: 120 }),
        fc.integer({ min: 1, max: 9 }),
        fc.boolean(),
        async (raw, blockChars, parts, compress) => {
          const entries = raw.map((list, s) =>
            list.map(({ key, then, pad }, n): FindingLine => ({ key, ...(then === undefined ? {} : { then }), line: `{"s":${s},"n":${n},"pad":"${'x'.repeat(pad)}"}` })).sort(compareLines),
          );
          const sources = await Promise.all(entries.map((list) => sourceOf(list, blockChars, compress)));
          const cuts = cutParts(sources.map((source) => source.blocks), parts);

          expect(cuts.length).toBeLessThanOrEqual(parts - 1);
          cuts.forEach((cut, i) => {
            expect(cut).not.toBeNull();
            if (i > 0) expect(cut > cuts[i - 1]!).toBe(true);
          });

          const byPart: FindingLine[][] = [];
          for (let part = 0; part < parts; part += 1) {
            const range = partRange(cuts, part);
            const before = sources.map((source) => source.reads.length);
            byPart.push(await partOf(sources, range));
            // A block is read only if its keys (first to before the next block's first) can meet the range.
            sources.forEach((source, s) => {
              for (const read of source.reads.slice(before[s])) {
                const next = source.blocks[source.blocks.indexOf(read) + 1];
                if (range.to !== null) expect(compareKeys(read.first, range.to)).toBeLessThan(0);
                if (range.from !== null && next) expect(compareKeys(next.first, range.from)).toBeGreaterThan(0);
              }
            });
            if (part > cuts.length) expect([range.empty, byPart[part]]).toEqual([true, []]);
          }

          expect(byPart.flat()).toEqual(await merged(entries.map(each)));
          const partsOfKey = new Map<string | null, Set<number>>();
          byPart.forEach((lines, part) => lines.forEach(({ key }) => partsOfKey.set(key, (partsOfKey.get(key) ?? new Set()).add(part))));
          for (const [, partSet] of partsOfKey) expect(partSet.size).toBe(1);
          // Each block is read once, but for a block that holds keys on both sides of a cut (at most one per source and cut).
          const reads = sources.reduce((sum, source) => sum + source.reads.length, 0);
          const blocks = sources.reduce((sum, source) => sum + source.blocks.length, 0);
          expect(reads).toBeLessThanOrEqual(blocks + cuts.length * sources.length);
        },
      ),
      { numRuns: 120 },
    );
  });

  /**
   * Parts weighed in lines, with distinct keys and blocks of `perBlock` lines each: cutParts counts
   * a block's lines before its first key, so one source's parts miss the average by less than one
   * block (the block a cut falls after); with S sources, each other source's block that straddles a
   * cut may add its lines too, so at most S blocks above the average.
   */
  it('balances the parts: no part holds more than the average plus one block per source', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 1, max: 9 }),
        fc.infiniteStream(fc.nat()),
        async (sourceCount, perBlock, total, parts, picks) => {
          // Equal-length lines and distinct keys, dealt at random among the sources.
          const dealt: FindingLine[][] = Array.from({ length: sourceCount }, () => []);
          const it = picks[Symbol.iterator]();
          for (let n = 0; n < total; n += 1) dealt[it.next().value! % sourceCount]!.push({ key: `k${String(n).padStart(4, '0')}`, line: `{"n":${String(n).padStart(4, '0')}}` });
          const lineChars = `"k0000"\t{"n":0000}\n`.length;
          const sources = await Promise.all(dealt.map((list) => sourceOf(list, perBlock * lineChars, false)));
          for (const source of sources) expect(source.blocks.slice(0, -1).every((b) => b.lines === perBlock)).toBe(true);
          const cuts = cutParts(sources.map((source) => source.blocks), parts);
          const sizes: number[] = [];
          for (let part = 0; part < parts; part += 1) sizes.push((await partOf(sources, partRange(cuts, part))).length);
          expect(sizes.reduce((a, b) => a + b, 0)).toBe(total);
          expect(Math.max(...sizes)).toBeLessThanOrEqual(total / parts + sourceCount * perBlock);
          // One source with at least as many blocks as parts: every part gets a cut (no part left empty).
          if (sourceCount === 1 && sources[0]!.blocks.length >= parts) expect(cuts).toHaveLength(parts - 1);
        },
      ),
      { numRuns: 150 },
    );
  });
});
