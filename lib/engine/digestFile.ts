/**
 * The items of an inventory file for the snapshot digest alone, when DuckDB reads the file
 * for the findings (lib/audit/evaluateEntries.ts): the items FileInventorySource's
 * `entries()` yields, in the same order, with the same InputErrors, minus what only an
 * entry needs (a promise, a location and a text per line, parse-error entries): reading and
 * parsing bench/out/inv-500k.ndjson takes 1.1 s of CPU instead of 2.3 s, beside DuckDB's
 * threads. Which lines are items is decided here as `lineEntries` decides it;
 * test/lib/engine/digestFile.test.ts holds the two together.
 */
import { stat } from 'node:fs/promises';
import { InputError } from '../errors';
import { checkWholeFile, FileInventorySource, firstCharacter, keptBySnapshotFilter, type FileRange, type FileReadStats } from '../inventory/FileInventorySource';
import type { SourceProgress } from '../inventory/InventorySource';
import { eachLine } from '../inventory/readLines';

/** The file as FileInventorySource takes it (InventorySource.ndjsonFile gives it so). */
export interface DigestedFile {
  path: string;
  /** FileInventorySource's `snapshotId`: items of other snapshots are left out. */
  snapshotFilter: string | null;
}

export interface DigestFileOptions {
  /** A slice of the file, as FileInventorySource's `range` (the whole-file checks are then the caller's). */
  range?: FileRange;
  /** Asked before each read (each array element): true ends the reading quietly, as `digestEntries` stops. */
  stop?: () => boolean;
  /** Progress in bytes, as `entries(onProgress)` reports it. */
  onProgress?: (progress: SourceProgress) => void;
}

/**
 * Hands `onItem` every item FileInventorySource would yield for this file, snapshot filter
 * and range, in file order, with the line it was parsed from (NDJSON); throws the
 * InputErrors `entries()` throws. A JSON array file is read by FileInventorySource itself.
 *
 * @example
 * const digest = new SnapshotDigest();
 * await digestFile({ path: 'inventory.ndjson', snapshotFilter: null }, (raw, text) => digest.add(raw, text));
 * digest.hex() // what digesting `new FileInventorySource('inventory.ndjson').entries()` gives
 */
export async function digestFile(file: DigestedFile, onItem: (raw: unknown, text?: string) => void, options: DigestFileOptions = {}): Promise<void> {
  const { path, snapshotFilter } = file;
  const { range, stop } = options;
  const first = range ? '{' : await firstCharacter(path);
  if (first === null) throw new InputError(`Inventory file ${path} is empty: it holds no inventory items.`);
  if (first === '[') return arrayItems(file, onItem, options);
  const total = range ? range.end - range.start : (await stat(path)).size;
  const report = (done: number) => options.onProgress?.({ done, total, unit: 'bytes' });
  const stats: FileReadStats = { read: 0, chosen: 0, parsed: 0, broken: 0, others: [] };
  let lineNumber = (range?.firstLine ?? 1) - 1;
  let stopped = false;
  const onLine = (line: string) => {
    lineNumber += 1;
    const text = lineNumber === 1 ? line.replace(/^\uFEFF/, '') : line;
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      // A blank line is no entry (FileInventorySource skips it); any other is a parse error.
      if (text.trim() !== '') {
        stats.read += 1;
        stats.broken += 1;
      }
      return;
    }
    stats.read += 1;
    stats.parsed += 1;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return;
    if (snapshotFilter !== null && !keptBySnapshotFilter(raw, snapshotFilter, stats)) return;
    onItem(raw, text);
  };
  await eachLine(path, onLine, { range, onBytes: report, stop: () => (stopped ||= stop?.() ?? false) });
  if (stopped) return;
  if (!range) checkWholeFile(path, snapshotFilter, stats, 'ndjson');
  report(total);
}

/** A JSON array file, rare beside NDJSON: its entries as FileInventorySource reads them. */
async function arrayItems(file: DigestedFile, onItem: (raw: unknown) => void, options: DigestFileOptions): Promise<void> {
  const source = new FileInventorySource(file.path, file.snapshotFilter === null ? {} : { snapshotId: file.snapshotFilter });
  await source.open();
  for await (const entry of source.entries(options.onProgress)) {
    if (options.stop?.()) return;
    if (entry.kind === 'item') onItem(entry.raw);
  }
}
