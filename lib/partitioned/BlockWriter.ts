/**
 * A findings file sorted by itemId (a diff range's annotated findings, a dry
 * run's partition), written in blocks of about `blockChars` characters, each
 * with its first key and its bytes. The assembly of the reports
 * (lib/partitioned/assemblePart.ts) cuts the run into itemId ranges from these
 * first keys, and reads a range's findings with ranged reads of the blocks
 * that hold it. Compressed, each block is a Brotli stream of its own, so a
 * block is read alone.
 */
import { createReadStream } from 'node:fs';
import { open, rm, type FileHandle } from 'node:fs/promises';
import { promisify } from 'node:util';
import { brotliCompress, constants } from 'node:zlib';
import { brotliLinesOf, readLines } from '../inventory/readLines';
import { keyedLine, type FindingLine } from '../report/FindingSorter';

const compress = promisify(brotliCompress);

/** Characters a block holds before the next key starts another (8 Mi: about 9,000 findings). */
export const BLOCK_CHARS = 8 << 20;

/**
 * A block's characters for a step whose sort holds `sortBudgetChars` in memory: a block is held
 * in memory too, so at most half that (the tests' small budgets give many small blocks).
 *
 * @example
 * blockCharsFor(16 << 20) // 8 Mi
 */
export function blockCharsFor(sortBudgetChars: number): number {
  return Math.max(1, Math.min(BLOCK_CHARS, Math.floor(sortBudgetChars / 2)));
}

/** Where one block of a sorted findings file is, how many lines it holds and its first line's key. */
export interface Block {
  start: number;
  end: number;
  lines: number;
  /** The first line's key (null: an item without an itemId, which sorts first). */
  first: string | null;
}

/**
 * Writes keyed lines, in key order, to one file cut into blocks. A key is never cut across
 * two blocks, so every line of a block keys before the next block's first key.
 *
 * @example
 * const writer = new BlockWriter('ranges/3.findings', { compress: true });
 * for await (const entry of sorted) await writer.write(entry);
 * await writer.close() // [{ start: 0, end: 1834112, lines: 9102, first: 'im-000001' }, …]
 */
export class BlockWriter {
  private handle: FileHandle | null = null;
  private readonly blocks: Block[] = [];
  private pending: string[] = [];
  private chars = 0;
  private lines = 0;
  private first: string | null = null;
  private lastKey: string | null | undefined = undefined;
  private bytes = 0;
  private readonly blockChars: number;
  private readonly compress: boolean;

  constructor(
    readonly path: string,
    options: { blockChars?: number; compress?: boolean } = {},
  ) {
    this.blockChars = options.blockChars ?? BLOCK_CHARS;
    this.compress = options.compress ?? false;
  }

  /** Appends a line; its key may not sort before the line before's (not checked: the sorters give them so). */
  async write(entry: FindingLine): Promise<void> {
    if (this.chars >= this.blockChars && entry.key !== this.lastKey) await this.flush();
    if (this.lines === 0) this.first = entry.key;
    const text = keyedLine(entry);
    this.pending.push(text);
    this.chars += text.length;
    this.lines += 1;
    this.lastKey = entry.key;
  }

  /** Closes the file; answers its blocks in order (none when no line was written). */
  async close(): Promise<Block[]> {
    await this.flush();
    this.handle ??= await open(this.path, 'w');
    await this.handle.close();
    this.handle = null;
    return this.blocks;
  }

  /** Removes the file (the step failed); never throws. */
  async destroy(): Promise<void> {
    await this.handle?.close().catch(() => undefined);
    this.handle = null;
    await rm(this.path, { force: true });
  }

  private async flush(): Promise<void> {
    if (this.lines === 0) return;
    const text = Buffer.from(this.pending.join(''), 'utf8');
    const data = this.compress ? await compress(text, { params: { [constants.BROTLI_PARAM_QUALITY]: 0, [constants.BROTLI_PARAM_LGWIN]: 16 } }) : text;
    this.handle ??= await open(this.path, 'w');
    await this.handle.write(data);
    this.blocks.push({ start: this.bytes, end: this.bytes + data.length, lines: this.lines, first: this.first });
    this.bytes += data.length;
    this.pending = [];
    this.chars = 0;
    this.lines = 0;
  }
}

/**
 * The lines (keyed lines) of one block of a local findings file.
 *
 * @example
 * for await (const text of readBlock('ranges/3.findings', blocks[0], true)) parseKeyedLine(text);
 */
export function readBlock(path: string, block: Block, compressed: boolean): AsyncIterable<string> {
  if (!compressed) return readLines(path, undefined, undefined, block);
  return brotliLinesOf(createReadStream(path, { start: block.start, end: block.end - 1 }));
}
