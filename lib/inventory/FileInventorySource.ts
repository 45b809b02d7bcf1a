import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { pipeline } from 'node:stream';
import { parser } from 'stream-json';
import { streamArray } from 'stream-json/streamers/StreamArray';
import { InputError } from '../errors';
import { readFileChunks } from '../fileChunks';
import type { InventorySource, ItemEstimate, SourceEntry, SourceProgress } from './InventorySource';
import type { PartitionSpec } from '../partitioned/Partition';
import { readLines } from './readLines';

/** Reads the first non-blank character to tell a JSON array from NDJSON. */
export async function firstCharacter(path: string): Promise<string | null> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(4096);
    for (let position = 0; ; ) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
      if (bytesRead === 0) return null;
      const match = /\S/.exec(buffer.toString('utf8', 0, bytesRead).replace(/^\uFEFF/, ''));
      if (match) return match[0];
      position += bytesRead;
    }
  } finally {
    await handle.close();
  }
}

function snapshotIdOf(raw: unknown): string | null {
  const id = (raw as { snapshotId?: unknown } | null)?.snapshotId;
  return typeof id === 'string' ? id : null;
}

/**
 * What a slice of a file read (FileReadStats): the checks that need the whole
 * file (no item at all, not an inventory, no item of the asked snapshot) are
 * made once every slice has been read (checkWholeFile).
 */
export interface FileReadStats {
  /** Entries read (items and lines that are not items), other snapshots' items included. */
  read: number;
  /** Items of the asked snapshot (with a snapshot filter). */
  chosen: number;
  /** Lines that are JSON (NDJSON). */
  parsed: number;
  /** Non-blank lines that are not JSON (NDJSON). */
  broken: number;
  /** Up to 5 other snapshots' ids met, in the order read. */
  others: string[];
}

/** Bytes [start, end) of an NDJSON file, cut at line ends; `firstLine` is the number of its first line in the whole file. */
export interface FileRange {
  start: number;
  end: number;
  firstLine: number;
}

const emptyStats = (): FileReadStats => ({ read: 0, chosen: 0, parsed: 0, broken: 0, others: [] });

/**
 * The counts of a whole file from those of its slices, in file order.
 *
 * @example
 * mergeFileStats([{ read: 2, chosen: 2, parsed: 2, broken: 0, others: [] }, { read: 1, chosen: 0, parsed: 1, broken: 0, others: ['s1'] }]).read // 3
 */
export function mergeFileStats(parts: readonly FileReadStats[]): FileReadStats {
  const merged = emptyStats();
  for (const part of parts) {
    merged.read += part.read;
    merged.chosen += part.chosen;
    merged.parsed += part.parsed;
    merged.broken += part.broken;
    for (const id of part.others) if (merged.others.length < 5 && !merged.others.includes(id)) merged.others.push(id);
  }
  return merged;
}

/**
 * Refuses a file that, read whole, is no inventory of the asked snapshot (InputError, in the
 * order a reader meets them): NDJSON none of whose lines is JSON, no entry at all, no item of
 * the snapshot asked for.
 *
 * @example
 * checkWholeFile('inv.ndjson', 's9', mergeFileStats(slices), 'ndjson') // throws "Inventory file inv.ndjson has no item of snapshot s9 …"
 */
export function checkWholeFile(path: string, snapshotFilter: string | null, stats: FileReadStats, format: 'ndjson' | 'array'): void {
  if (format === 'ndjson' && stats.parsed === 0) {
    throw new InputError(`${path} is not an inventory: none of its ${stats.broken} non-blank lines is JSON (expected a JSON array or one JSON object per line).`);
  }
  if (stats.read === 0) throw new InputError(`Inventory file ${path} holds no inventory items.`);
  if (snapshotFilter !== null && stats.chosen === 0) {
    const { others } = stats;
    const held = others.length > 0 ? ` (it holds ${others.join(', ')}${others.length === 5 ? ' and maybe more' : ''})` : '';
    throw new InputError(`Inventory file ${path} has no item of snapshot ${snapshotFilter}${held}.`);
  }
}

/**
 * Cuts a file of `size` bytes into `count` ranges, each ending just after a newline at or
 * past its share of the bytes (the last at the end of the file), with the number of its
 * first line.
 */
async function byteRanges(path: string, size: number, count: number): Promise<PartitionSpec[]> {
  const targets = Array.from({ length: count - 1 }, (_, i) => Math.floor(((i + 1) * size) / count));
  const cuts: { at: number; line: number }[] = [{ at: 0, line: 1 }];
  let newlines = 0;
  let position = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 4 << 20 }) as AsyncIterable<Buffer>) {
    for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) {
      newlines += 1;
      // A cut goes after the first newline at or past its target; several targets may share one.
      while (cuts.length < count && position + at >= targets[cuts.length - 1]!) cuts.push({ at: position + at + 1, line: newlines + 1 });
    }
    position += chunk.length;
  }
  while (cuts.length < count) cuts.push({ at: size, line: newlines + 1 });
  return cuts.map((cut, i) => ({ kind: 'byte-range', start: cut.at, end: cuts[i + 1]?.at ?? size, firstLine: cut.line }));
}

/**
 * A snapshot in a file: a JSON array or newline-delimited JSON, read as a
 * stream. A line that is not a JSON object becomes an invalid entry naming the
 * line; a file in which no line parses is not an inventory (InputError).
 *
 * @example
 * for await (const entry of new FileInventorySource('examples/inventory.ndjson').entries()) console.log(entry.kind);
 */
export class FileInventorySource implements InventorySource {
  private size = 0;
  private snapshotFilter: string | null;
  private readonly range: FileRange | null;
  /** What the last `entries()` read; a slice (`range`) leaves the whole-file checks to whoever merges the slices. */
  private stats: FileReadStats = emptyStats();
  /** The SQL engine may read the file itself: not a slice of it, which only this source can cut. */
  ndjsonFile?: () => { path: string; snapshotFilter: string | null };

  constructor(
    private readonly path: string,
    options: { snapshotId?: string; range?: FileRange } = {},
  ) {
    this.snapshotFilter = options.snapshotId ?? null;
    this.range = options.range ?? null;
    if (!this.range) this.ndjsonFile = () => ({ path: this.path, snapshotFilter: this.snapshotFilter });
  }

  describe(): string {
    return this.path;
  }

  /**
   * A slice's counts after `entries()`, which the whole-file checks need (null for the whole file, which checks itself).
   *
   * @example
   * for await (const entry of slice.entries()) use(entry); slice.sliceStats()?.parsed // JSON lines read
   */
  sliceStats(): FileReadStats | null {
    return this.range ? this.stats : null;
  }

  /**
   * NDJSON cut into `count` byte ranges at line ends, each knowing the number of its first
   * line (one pass over the file counting newlines); a JSON array is one slice. Ranges may
   * be empty (a file with fewer lines than partitions).
   *
   * @example
   * await source.open(); await source.partitions(4) // [{ kind: 'byte-range', start: 0, end: 1048702, firstLine: 1 }, …]
   */
  async partitions(count: number): Promise<PartitionSpec[]> {
    if (this.size === 0) throw new Error('open() must be called before partitions()');
    const first = await firstCharacter(this.path);
    if (first === null) throw new InputError(`Inventory file ${this.path} is empty: it holds no inventory items.`);
    if (first === '[' || count === 1) return [{ kind: 'whole' }];
    return byteRanges(this.path, this.size, count);
  }

  /**
   * The file's items for `--engine auto` (lib/audit/runAudit.ts): its non-blank lines, every
   * snapshot's (the engines read them all), counted until there are `enough`; no more than
   * 2 × `enough` × `itemBytes` bytes are read (then the lines read, scaled to the file's size). A
   * JSON array: its bytes over `itemBytes`. 20,000 lines of the bench's items (about 9 MB) took
   * 20–40 ms. Null for a slice, or when the file cannot be read (the run's own read says why).
   *
   * @example
   * await source.open(); await source.estimateItems(20_000, 393) // { items: 45 }
   */
  async estimateItems(enough: number, itemBytes: number): Promise<ItemEstimate | null> {
    if (this.range) return null;
    try {
      if ((await firstCharacter(this.path)) === '[') return { items: Math.round(this.size / itemBytes) };
      const cap = Math.max(1, Math.round(2 * enough * itemBytes));
      let lines = 0;
      for await (const line of readLines(this.path, undefined, 1 << 20, { start: 0, end: Math.min(cap, this.size) })) {
        if (line.trim() !== '' && ++lines >= enough) return { items: lines, atLeast: true };
      }
      return { items: this.size <= cap ? lines : Math.round((lines * this.size) / cap) };
    } catch {
      return null;
    }
  }

  /**
   * The source of one slice `partitions` gave.
   *
   * @example
   * source.partition({ kind: 'byte-range', start: 0, end: 1048702, firstLine: 1 }).entries()
   */
  partition(spec: PartitionSpec): InventorySource {
    if (spec.kind === 'itemid-range') throw new Error('An itemId range is a partition of a DynamoDB table, not of a file.');
    const snapshotId = this.snapshotFilter ?? undefined;
    const source = new FileInventorySource(this.path, spec.kind === 'byte-range' ? { snapshotId, range: spec } : { snapshotId });
    source.size = this.size;
    return source;
  }

  async open() {
    try {
      const info = await stat(this.path);
      if (!info.isFile()) throw new InputError(`${this.path} is not a file.`);
      this.size = info.size;
    } catch (cause) {
      if (cause instanceof InputError) throw cause;
      throw new InputError(`Cannot read inventory file ${this.path}: ${(cause as NodeJS.ErrnoException).code ?? 'error'}.`, { cause });
    }
    return { snapshotId: this.snapshotFilter, capturedAt: null, expectedItems: null, warnings: [], incompleteReasons: [], ordered: false };
  }

  async *entries(onProgress?: (progress: SourceProgress) => void): AsyncIterable<SourceEntry> {
    const first = this.range ? '{' : await firstCharacter(this.path);
    if (first === null) throw new InputError(`Inventory file ${this.path} is empty: it holds no inventory items.`);
    const total = this.range ? this.range.end - this.range.start : this.size;
    const report = (done: number) => onProgress?.({ done, total, unit: 'bytes' });
    const stats = (this.stats = emptyStats());
    const entries = first === '[' ? this.arrayEntries(report) : this.lineEntries(report, stats);
    for await (const entry of entries) {
      stats.read += 1;
      if (entry.kind === 'item' && this.snapshotFilter !== null) {
        const id = snapshotIdOf(entry.raw);
        // Items of other snapshots are not part of this audit; items without a readable snapshotId are kept (as invalid).
        if (id !== null && id !== this.snapshotFilter) {
          if (stats.others.length < 5 && !stats.others.includes(id)) stats.others.push(id);
          continue;
        }
        if (id !== null) stats.chosen += 1;
      }
      yield entry;
    }
    if (!this.range) checkWholeFile(this.path, this.snapshotFilter, stats, first === '[' ? 'array' : 'ndjson');
    report(total);
  }

  private async *lineEntries(report: (bytes: number) => void, stats: FileReadStats): AsyncIterable<SourceEntry> {
    const lines = readLines(this.path, report, undefined, this.range ?? undefined);
    let lineNumber = (this.range?.firstLine ?? 1) - 1;
    for await (const line of lines) {
      lineNumber += 1;
      const text = lineNumber === 1 ? line.replace(/^\uFEFF/, '') : line;
      if (text.trim() === '') continue;
      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch {
        stats.broken += 1;
        yield { kind: 'parse-error', location: `line ${lineNumber}`, reason: `Line ${lineNumber} is not valid JSON.` };
        continue;
      }
      stats.parsed += 1;
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
        yield { kind: 'parse-error', location: `line ${lineNumber}`, reason: `Line ${lineNumber} is not a JSON object.` };
        continue;
      }
      yield { kind: 'item', raw, location: `line ${lineNumber}`, text };
    }
  }

  private async *arrayEntries(report: (bytes: number) => void): AsyncIterable<SourceEntry> {
    const stream = readFileChunks(this.path);
    stream.on('data', () => report(stream.bytesRead));
    // pipeline (unlike pipe) carries a parse error of any stage to the iterator below.
    const elements = pipeline(stream, parser(), streamArray(), () => undefined);
    try {
      for await (const { key, value } of elements as AsyncIterable<{ key: number; value: unknown }>) {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) {
          yield { kind: 'parse-error', location: `element ${key}`, reason: `Array element ${key} is not a JSON object.` };
          continue;
        }
        yield { kind: 'item', raw: value, location: `element ${key}` };
      }
    } catch (cause) {
      throw new InputError(`${this.path} is not valid JSON: ${(cause as Error).message}.`, { cause });
    }
  }
}
