/**
 * The itemId ranges ("parts") a partitioned run's reports are assembled in
 * (lib/partitioned/assemblePart.ts): cut from the first keys of the blocks of
 * every sorted findings file (lib/partitioned/BlockWriter.ts), weighted by the
 * blocks' lines, so parts hold about as many findings each. The cut is a pure
 * function of the blocks, so every step that computes it gets the same parts;
 * every copy of an itemId falls in one part, so repeated itemIds are found there.
 */
import { compareKeys, parseKeyedLine, type FindingLine } from '../report/FindingSorter';
import type { Block } from './BlockWriter';

/** A sorted findings file as the assembly reads it: its blocks, and one block's lines (keyed lines). */
export interface SortedSource {
  blocks: readonly Block[];
  read(block: Block): AsyncIterable<string>;
}

/**
 * Up to `parts - 1` itemIds, ascending, that cut the findings into `parts` ranges of about equal lines.
 * Fewer when the blocks are fewer: the parts past the last cut are empty.
 *
 * @example
 * cutParts([[{ start: 0, end: 10, lines: 5, first: 'a' }, { start: 10, end: 20, lines: 5, first: 'm' }]], 2) // ['m']
 */
export function cutParts(sources: readonly (readonly Block[])[], parts: number): string[] {
  const blocks = sources.flat().sort((a, b) => compareKeys(a.first, b.first));
  const total = blocks.reduce((sum, block) => sum + block.lines, 0);
  const cuts: string[] = [];
  let before = 0;
  for (const block of blocks) {
    const target = (total * (cuts.length + 1)) / parts;
    if (cuts.length < parts - 1 && before >= target && block.first !== null && (cuts.length === 0 || block.first > cuts[cuts.length - 1]!)) cuts.push(block.first);
    before += block.lines;
  }
  return cuts;
}

/** A part's itemId range: from `from` (null: the start, items without an itemId included) to before `to` (null: the end). */
export interface PartRange {
  from: string | null;
  to: string | null;
  /** A part past the last cut: it holds nothing. */
  empty: boolean;
}

/**
 * The itemId range of part `part` (0-based) for the cuts.
 *
 * @example
 * partRange(['m'], 1) // { from: 'm', to: null, empty: false }
 */
export function partRange(cuts: readonly string[], part: number): PartRange {
  if (part > cuts.length) return { from: null, to: null, empty: true };
  return { from: part === 0 ? null : cuts[part - 1]!, to: cuts[part] ?? null, empty: false };
}

/** Whether a key is in the range. */
function inRange(key: string | null, range: PartRange): boolean {
  if (range.empty) return false;
  if (range.from !== null && (key === null || key < range.from)) return false;
  return range.to === null || compareKeys(key, range.to) < 0;
}

/**
 * The blocks of a source that may hold keys of the range: a block's keys run from its first to
 * before the next block's first.
 *
 * @example
 * blocksOf(source.blocks, partRange(cuts, 2)).length // the ranged reads part 3 needs
 */
export function blocksOf(blocks: readonly Block[], range: PartRange): Block[] {
  if (range.empty) return [];
  return blocks.filter((block, index) => {
    const next = blocks[index + 1];
    const startsBefore = range.to === null || compareKeys(block.first, range.to) < 0;
    const endsAfter = range.from === null || next === undefined || compareKeys(next.first, range.from) > 0;
    return startsBefore && endsAfter;
  });
}

/**
 * A source's lines in the range, in order: the blocks that may hold it read one after the other, the lines outside it skipped.
 *
 * @example
 * for await (const line of partLines(source, partRange(cuts, 0))) write(line);
 */
export async function* partLines(source: SortedSource, range: PartRange): AsyncGenerator<FindingLine> {
  for (const block of blocksOf(source.blocks, range)) {
    for await (const text of source.read(block)) {
      if (!text) continue;
      const entry = parseKeyedLine(text);
      if (inRange(entry.key, range)) yield entry;
      else if (range.to !== null && compareKeys(entry.key, range.to) >= 0) return;
    }
  }
}
