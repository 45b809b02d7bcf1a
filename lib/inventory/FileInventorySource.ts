import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { pipeline } from 'node:stream';
import { parser } from 'stream-json';
import { streamArray } from 'stream-json/streamers/StreamArray';
import { InputError } from '../errors';
import type { InventorySource, SourceEntry, SourceProgress } from './InventorySource';
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

  constructor(
    private readonly path: string,
    options: { snapshotId?: string } = {},
  ) {
    this.snapshotFilter = options.snapshotId ?? null;
  }

  describe(): string {
    return this.path;
  }

  ndjsonFile(): { path: string; snapshotFilter: string | null } {
    return { path: this.path, snapshotFilter: this.snapshotFilter };
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
    const first = await firstCharacter(this.path);
    if (first === null) throw new InputError(`Inventory file ${this.path} is empty: it holds no inventory items.`);
    const report = (done: number) => onProgress?.({ done, total: this.size, unit: 'bytes' });
    const entries = first === '[' ? this.arrayEntries(report) : this.lineEntries(report);
    let read = 0;
    let chosen = 0;
    const others = new Set<string>();
    for await (const entry of entries) {
      read += 1;
      if (entry.kind === 'item' && this.snapshotFilter !== null) {
        const id = snapshotIdOf(entry.raw);
        // Items of other snapshots are not part of this audit; items without a readable snapshotId are kept (as invalid).
        if (id !== null && id !== this.snapshotFilter) {
          if (others.size < 5) others.add(id);
          continue;
        }
        if (id !== null) chosen += 1;
      }
      yield entry;
    }
    if (read === 0) throw new InputError(`Inventory file ${this.path} holds no inventory items.`);
    if (this.snapshotFilter !== null && chosen === 0) {
      const held = others.size > 0 ? ` (it holds ${[...others].join(', ')}${others.size === 5 ? ' and maybe more' : ''})` : '';
      throw new InputError(`Inventory file ${this.path} has no item of snapshot ${this.snapshotFilter}${held}.`);
    }
    report(this.size);
  }

  private async *lineEntries(report: (bytes: number) => void): AsyncIterable<SourceEntry> {
    const lines = readLines(this.path, report);
    let lineNumber = 0;
    let parsed = 0;
    let broken = 0;
    for await (const line of lines) {
      lineNumber += 1;
      const text = lineNumber === 1 ? line.replace(/^\uFEFF/, '') : line;
      if (text.trim() === '') continue;
      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch {
        broken += 1;
        yield { kind: 'parse-error', location: `line ${lineNumber}`, reason: `Line ${lineNumber} is not valid JSON.` };
        continue;
      }
      parsed += 1;
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
        yield { kind: 'parse-error', location: `line ${lineNumber}`, reason: `Line ${lineNumber} is not a JSON object.` };
        continue;
      }
      yield { kind: 'item', raw, location: `line ${lineNumber}`, text };
    }
    if (parsed === 0) {
      throw new InputError(
        `${this.path} is not an inventory: none of its ${broken} non-blank lines is JSON (expected a JSON array or one JSON object per line).`,
      );
    }
  }

  private async *arrayEntries(report: (bytes: number) => void): AsyncIterable<SourceEntry> {
    const stream = createReadStream(this.path, { highWaterMark: 1 << 20 });
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
