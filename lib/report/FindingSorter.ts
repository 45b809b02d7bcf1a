import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createBrotliDecompress } from 'node:zlib';
import { linesOf, readLines } from '../inventory/readLines';
import type { Finding } from '../model';
import { TextSink } from './formats/TextSink';

/** A finding serialized once, as its JSON report line, with its sort key (null sorts first). */
export interface FindingLine {
  key: string | null;
  line: string;
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
function compareKeys(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a < b ? -1 : 1;
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
    const decompress = createBrotliDecompress({ chunkSize: RUN_BUFFER });
    // A read error destroys the decompressor, which the lines' reader then throws.
    pipeline(createReadStream(path, { highWaterMark: RUN_BUFFER }), decompress).catch(() => undefined);
    yield* linesOf(decompress);
  } catch (cause) {
    throw new Error(`Reading the sort's spilled run ${path} failed: ${(cause as Error).message}`, { cause });
  }
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
  private lastKey: string | null = null;

  constructor(private readonly options: FindingSorterOptions) {}

  async add(entry: FindingLine): Promise<void> {
    if (this.chunk.length > 0 && compareKeys(this.lastKey, entry.key) > 0) this.inOrder = false;
    this.lastKey = entry.key;
    this.chunk.push(entry);
    this.chars += entry.line.length;
    if (this.chars >= this.options.budgetChars) await this.spill();
  }

  private sortChunk(): void {
    // Array.prototype.sort is stable, so equal keys keep their input order.
    if (!this.inOrder) this.chunk.sort((a, b) => compareKeys(a.key, b.key));
    this.inOrder = true;
  }

  private async spill(): Promise<void> {
    this.sortChunk();
    this.dir ??= await mkdtemp(join(this.options.tmpRoot ?? tmpdir(), 'retention-auditor-sort-'));
    const path = join(this.dir, `run-${this.runs.length}.ndjson`);
    // A run line is the key as JSON, a tab, and the finding line: neither holds a raw tab or newline.
    const out = new TextSink(path, 'w', this.options.compress ? 'brotli' : 'none');
    for (const { key, line } of this.chunk) {
      await out.write(JSON.stringify(key));
      await out.write('\t');
      await out.write(line);
      await out.write('\n');
    }
    await out.close();
    this.runs.push(path);
    this.chunk = [];
    this.chars = 0;
  }

  /** The finding lines in order; call once, after the last `add`. */
  async *sorted(): AsyncGenerator<FindingLine> {
    let readers: AsyncGenerator<string>[] = [];
    try {
      if (this.runs.length === 0) {
        this.sortChunk();
        const chunk = this.chunk;
        this.chunk = [];
        yield* chunk;
        return;
      }
      if (this.chunk.length > 0) await this.spill();
      readers = this.runs.map((path) => runLines(path, this.options.compress ?? false));
      const next = async (i: number): Promise<FindingLine | undefined> => {
        const result = await readers[i]!.next();
        if (result.done) return undefined;
        const tab = result.value.indexOf('\t');
        return { key: JSON.parse(result.value.slice(0, tab)) as string | null, line: result.value.slice(tab + 1) };
      };
      const heads = await Promise.all(readers.map((_, i) => next(i)));
      for (;;) {
        let best = -1;
        for (let i = 0; i < heads.length; i += 1) {
          // Ties go to the earlier run, which holds the earlier input.
          if (heads[i] && (best < 0 || compareKeys(heads[i]!.key, heads[best]!.key) < 0)) best = i;
        }
        if (best < 0) return;
        yield heads[best]!;
        heads[best] = await next(best);
      }
    } finally {
      // A reader stopped early (the run failed) closes its file (and decompressor) before the runs are removed.
      await Promise.all(readers.map((reader) => reader.return(undefined)));
      await this.cleanup();
    }
  }

  async cleanup(): Promise<void> {
    this.chunk = [];
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
    this.dir = null;
  }
}
