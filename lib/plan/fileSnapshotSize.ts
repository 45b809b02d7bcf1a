import { stat } from 'node:fs/promises';
import { InputError } from '../errors';
import { FileInventorySource, firstCharacter } from '../inventory/FileInventorySource';
import { readLines } from '../inventory/readLines';
import type { SnapshotSize } from './SnapshotSize';

const TABLE_NOTE = 'The AWS run reads the inventory table: this plan is for the table holding this snapshot alone.';

/**
 * How big the snapshot in an inventory file is, counted as the audit counts it
 * (every non-blank NDJSON line is one item, a line that is not JSON an invalid
 * one), its bytes the file's size. A whole NDJSON file is only counted by lines,
 * fast; a JSON array, or one snapshot of several (`snapshotId`), is read as the
 * audit reads it, and then the bytes are the chosen items'. A missing or empty
 * file is an InputError, as for `run`.
 *
 * @example
 * await fileSnapshotSize('examples/inventory.ndjson') // { items: 45, bytes: 17700, source: 'file', … }
 */
export async function fileSnapshotSize(path: string, snapshotId?: string): Promise<SnapshotSize> {
  const source = new FileInventorySource(path, { snapshotId });
  await source.open();
  const fileBytes = (await stat(path)).size;
  const first = await firstCharacter(path);
  if (first === null) throw new InputError(`Inventory file ${path} is empty: it holds no inventory items.`);
  if (snapshotId === undefined && first !== '[') {
    // `run` audits every line of such a file: the snapshot's name is the first item's.
    let items = 0;
    let firstId: string | null = null;
    for await (const line of readLines(path)) {
      const text = line.replace(/^\uFEFF/, '');
      if (text.trim() === '') continue;
      if (items === 0) firstId = snapshotIdOf(text);
      items += 1;
    }
    return { snapshotId: firstId, items, bytes: fileBytes, tableBytes: null, source: 'file', notes: [TABLE_NOTE] };
  }
  let items = 0;
  let itemBytes = 0;
  const ids = new Set<string>();
  for await (const entry of source.entries()) {
    if (entry.kind === 'gap') continue;
    items += 1;
    if (entry.kind !== 'item') continue;
    itemBytes += Buffer.byteLength(entry.text ?? JSON.stringify(entry.raw), 'utf8');
    const id = (entry.raw as { snapshotId?: unknown }).snapshotId;
    if (typeof id === 'string') ids.add(id);
  }
  return {
    snapshotId: snapshotId ?? [...ids][0] ?? null,
    items,
    bytes: snapshotId === undefined ? fileBytes : itemBytes,
    tableBytes: null,
    source: 'file',
    notes: [TABLE_NOTE],
  };
}

function snapshotIdOf(line: string): string | null {
  try {
    const id = (JSON.parse(line) as { snapshotId?: unknown } | null)?.snapshotId;
    return typeof id === 'string' ? id : null;
  } catch {
    return null;
  }
}
