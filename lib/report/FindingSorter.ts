import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliLinesOf, readLines } from '../inventory/readLines';
import { TextSink } from './formats/TextSink';

/** A finding serialized once, as its JSON report line, with its sort key (null sorts first). */
export interface FindingLine {
  key: string | null;
  line: string;
  /**
   * A second sort key, compared when the keys are equal: after the history diff, the report's
   * order is the itemId, then the diff key (a partitioned run's diff ranges, lib/partitioned/diffRange.ts).
   */
  then?: string;
}

const NON_ASCII = /[\u007f-\uffff]/g;
const escapeChar = (char: string) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;

/**
 * A finding as its JSON report line, ASCII only: characters beyond ASCII are
 * written as \uXXXX escapes, the same text to any JSON reader, which keeps the
 * line a one-byte string in memory (half the size, and cheap to encode).
 *
 * @example
 * toJsonLine(finding) // '{"itemId":"a-1",…,"text":"the customer\\u2019s deletion request."}}'
 */
export function toJsonLine(finding: unknown): string {
  const json = JSON.stringify(finding);
  NON_ASCII.lastIndex = 0;
  return NON_ASCII.test(json) ? json.replace(NON_ASCII, escapeChar) : json;
}

/** Null keys (items without an itemId) first, then itemIds in code-unit order. */
export function compareKeys(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a < b ? -1 : 1;
}

/**
 * The sorters' order: the key (null first, then code-unit order), then the second key.
 *
 * @example
 * compareLines({ key: 'a', line: '{}' }, { key: 'b', line: '{}' }) // -1
 */
export function compareLines(a: FindingLine, b: FindingLine): number {
  const byKey = compareKeys(a.key, b.key);
  if (byKey !== 0 || a.then === b.then) return byKey;
  if (a.then === undefined) return -1;
  if (b.then === undefined) return 1;
  return a.then < b.then ? -1 : 1;
}

/**
 * A finding line with its keys as one line of a sorted run: the keys as JSON (ASCII, so a
 * run's byte offsets are its characters), a tab, and the finding line (ASCII JSON, toJsonLine).
 * Neither part holds a raw tab or newline.
 *
 * @example
 * keyedLine({ key: 'a-1', line: '{"itemId":"a-1"}' }) // '"a-1"\t{"itemId":"a-1"}\n'
 */
export function keyedLine({ key, line, then }: FindingLine): string {
  return `${toJsonLine(then === undefined ? key : [key, then])}\t${line}\n`;
}

/**
 * A line of a sorted run back as the finding line it holds (keyedLine without its newline).
 *
 * @example
 * parseKeyedLine('"a-1"\t{"itemId":"a-1"}') // { key: 'a-1', line: '{"itemId":"a-1"}' }
 */
export function parseKeyedLine(text: string): FindingLine {
  const tab = text.indexOf('\t');
  const keys = JSON.parse(text.slice(0, tab)) as string | null | [string | null, string];
  const line = text.slice(tab + 1);
  return Array.isArray(keys) ? { key: keys[0], then: keys[1], line } : { key: keys, line };
}

/**
 * Merges sorted sequences of finding lines into one in the sorters' order; equal
 * keys come from the earlier source first, so sources given in input order merge
 * stably. Each source is read one line ahead; a source stopped early is closed.
 *
 * @example
 * for await (const line of mergeSorted([partition0, partition1])) write(line);
 */
export function mergeSorted(sources: readonly AsyncIterable<FindingLine>[]): AsyncGenerator<FindingLine> {
  return mergeOrdered(sources, compareLines);
}

/**
 * Merges sequences, each ordered by `compare`, into one; equal elements come from the
 * earlier source first (a stable merge). Each source is read one element ahead; a source
 * stopped early is closed.
 *
 * @example
 * for await (const state of mergeOrdered([part0, part1], (a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))) diff(state);
 */
export async function* mergeOrdered<T>(sources: readonly AsyncIterable<T>[], compare: (a: T, b: T) => number): AsyncGenerator<T> {
  const readers = sources.map((source) => source[Symbol.asyncIterator]());
  try {
    const next = async (i: number) => {
      const result = await readers[i]!.next();
      return result.done ? undefined : result.value;
    };
    const heads = await Promise.all(readers.map((_, i) => next(i)));
    for (;;) {
      let best = -1;
      for (let i = 0; i < heads.length; i += 1) {
        // Ties go to the earlier source, which holds the earlier input.
        if (heads[i] !== undefined && (best < 0 || compare(heads[i]!, heads[best]!) < 0)) best = i;
      }
      if (best < 0) return;
      yield heads[best]!;
      heads[best] = await next(best);
    }
  } finally {
    // Settled, not all: a reader that fails to close must not hide the error that stopped the merge.
    await Promise.allSettled(readers.map((reader) => reader.return?.(undefined)));
  }
}

export interface FindingSorterOptions {
  /** Characters of finding lines held in memory before a sorted run is spilled to disk. */
  budgetChars: number;
  tmpRoot?: string;
  /**
   * Spill runs compressed (TextSink 'brotli': finding lines about 6.7 times smaller, for about
   * 3 s of one core a GB written and as much read back): where /tmp, not CPU, is the limit (Lambda).
   */
  compress?: boolean;
}

/** Bytes read at once from each run while merging: many runs are read at once, small buffers keep the merge's memory low. */
const RUN_BUFFER = 64 * 1024;

/** The lines of a spilled run, decompressed when it was written compressed; a run that cannot be read is named. */
async function* runLines(path: string, compressed: boolean): AsyncGenerator<string> {
  try {
    if (!compressed) {
      yield* readLines(path, undefined, RUN_BUFFER);
      return;
    }
    yield* brotliLinesOf(createReadStream(path, { highWaterMark: RUN_BUFFER }), RUN_BUFFER);
  } catch (cause) {
    throw new Error(`Reading the sorted run ${path} failed: ${(cause as Error).message}`, { cause });
  }
}

/**
 * The finding lines of a file of keyed lines (a sort's spilled run, a diff range's states), decompressed when it was written compressed.
 *
 * @example
 * for await (const { key, line } of keyedRun('range-3.states', true)) write(line);
 */
export function keyedRun(path: string, compressed: boolean): AsyncGenerator<FindingLine> {
  return keyedLines(runLines(path, compressed));
}

/**
 * Lines of keyed lines (a file, an S3 object's lines), parsed; blank lines are skipped.
 *
 * @example
 * for await (const { key, line } of keyedLines(runFiles.lines(key))) merge(key, line);
 */
export async function* keyedLines(texts: AsyncIterable<string>): AsyncGenerator<FindingLine> {
  for await (const text of texts) if (text !== '') yield parseKeyedLine(text);
}

/**
 * Puts finding lines in order of their keys (then input order) whatever order
 * the source produced them in (parallel Scan segments, files),
 * with bounded memory: an external merge sort that spills sorted runs to a
 * temporary folder once `budgetChars` are held, then merges the runs.
 *
 * @example
 * const sorter = new FindingSorter({ budgetChars: 32 << 20 });
 * await sorter.add({ key: finding.itemId, line: JSON.stringify(finding) });
 * for await (const { line } of sorter.sorted()) write(line);
 */
export class FindingSorter {
  private chunk: FindingLine[] = [];
  private chars = 0;
  private runs: string[] = [];
  private dir: string | null = null;
  private inOrder = true;
  private last: FindingLine | null = null;

  constructor(private readonly options: FindingSorterOptions) {}

  async add(entry: FindingLine): Promise<void> {
    if (this.chunk.length > 0 && compareLines(this.last!, entry) > 0) this.inOrder = false;
    this.last = entry;
    this.chunk.push(entry);
    this.chars += entry.line.length;
    if (this.chars >= this.options.budgetChars) await this.spill();
  }

  private sortChunk(): void {
    // Array.prototype.sort is stable, so equal keys keep their input order.
    if (!this.inOrder) this.chunk.sort(compareLines);
    this.inOrder = true;
  }

  private async spill(): Promise<void> {
    this.sortChunk();
    this.dir ??= await mkdtemp(join(this.options.tmpRoot ?? tmpdir(), 'retention-auditor-sort-'));
    const path = join(this.dir, `run-${this.runs.length}.ndjson`);
    const out = new TextSink(path, 'w', this.options.compress ? 'brotli' : 'none');
    for (const entry of this.chunk) await out.write(keyedLine(entry));
    await out.close();
    this.runs.push(path);
    this.chunk = [];
    this.chars = 0;
  }

  /** Spills what memory holds: a sorter whose lines are read later, beside others, then holds no memory meanwhile. */
  async spillRest(): Promise<void> {
    if (this.chunk.length > 0) await this.spill();
  }

  /** The finding lines in order; call once, after the last `add`. */
  async *sorted(): AsyncGenerator<FindingLine> {
    try {
      if (this.runs.length === 0) {
        this.sortChunk();
        const chunk = this.chunk;
        this.chunk = [];
        yield* chunk;
        return;
      }
      if (this.chunk.length > 0) await this.spill();
      // The runs in the order spilled: ties go to the earlier run, which holds the earlier input.
      // A run stopped early (the run failed) closes its file (and decompressor) before the runs are removed.
      yield* mergeSorted(this.runs.map((path) => keyedRun(path, this.options.compress ?? false)));
    } finally {
      await this.cleanup();
    }
  }

  async cleanup(): Promise<void> {
    this.chunk = [];
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
    this.dir = null;
  }
}
