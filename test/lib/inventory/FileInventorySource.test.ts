import { InputError } from '../../../lib/errors';
import { FileInventorySource } from '../../../lib/inventory/FileInventorySource';
import { collect, ndjson, writeTemp } from '../../helpers/files';
import { makeItem } from '../../helpers/items';

const read = async (path: string, snapshotId?: string) => {
  const source = new FileInventorySource(path, { snapshotId });
  await source.open();
  return collect(source.entries());
};

describe('FileInventorySource', () => {
  it('reads NDJSON, naming each item by its line, skipping blank lines', async () => {
    const path = writeTemp('a.ndjson', `${JSON.stringify(makeItem({ itemId: 'a' }))}\n\n${JSON.stringify(makeItem({ itemId: 'b' }))}\r\n`);
    const entries = await read(path);
    // Each item keeps its text as read (the SQL engine takes it: 1e999 survives in it).
    expect(entries).toEqual([
      { kind: 'item', raw: makeItem({ itemId: 'a' }), location: 'line 1', text: JSON.stringify(makeItem({ itemId: 'a' })) },
      { kind: 'item', raw: makeItem({ itemId: 'b' }), location: 'line 3', text: JSON.stringify(makeItem({ itemId: 'b' })) },
    ]);
  });

  it('turns a line that is not a JSON object into an entry naming the line', async () => {
    const path = writeTemp('b.ndjson', `${JSON.stringify(makeItem())}\n{"broken": \n[1,2]\n`);
    const entries = await read(path);
    expect(entries.slice(1)).toEqual([
      { kind: 'parse-error', location: 'line 2', reason: 'Line 2 is not valid JSON.' },
      { kind: 'parse-error', location: 'line 3', reason: 'Line 3 is not a JSON object.' },
    ]);
  });

  it('refuses a file in which no line parses as JSON', async () => {
    const path = writeTemp('c.ndjson', 'hello\nworld\n');
    await expect(read(path)).rejects.toThrow(InputError);
    await expect(read(path)).rejects.toThrow(/is not an inventory: none of its 2 non-blank lines is JSON/);
  });

  it('reads a JSON array as a stream, naming bad elements', async () => {
    const path = writeTemp('d.json', JSON.stringify([makeItem({ itemId: 'a' }), 7, makeItem({ itemId: 'b' })], null, 2));
    const entries = await read(path);
    expect(entries.map((e) => e.kind)).toEqual(['item', 'parse-error', 'item']);
    expect(entries[1]).toMatchObject({ reason: 'Array element 1 is not a JSON object.' });
  });

  it('refuses an empty JSON array: no items is not an inventory', async () => {
    await expect(read(writeTemp('e.json', ' [ ] '))).rejects.toThrow(/e\.json holds no inventory items/);
  });

  it('refuses a snapshot the file does not hold, naming the ones it does', async () => {
    const path = writeTemp('typo.ndjson', ndjson([makeItem({ snapshotId: 's1', itemId: 'a' }), makeItem({ snapshotId: 's2', itemId: 'b' })]));
    await expect(read(path, 's3')).rejects.toThrow(/has no item of snapshot s3 \(it holds s1, s2\)/);
  });

  it('refuses a truncated JSON array', async () => {
    const path = writeTemp('f.json', `[${JSON.stringify(makeItem())}, {"a":`);
    await expect(read(path)).rejects.toThrow(/is not valid JSON/);
  });

  it('refuses an empty file and a missing file with one clear sentence', async () => {
    await expect(read(writeTemp('g.ndjson', '\n  \n'))).rejects.toThrow(/is empty: it holds no inventory items/);
    await expect(read('/nonexistent/inventory.ndjson')).rejects.toThrow('Cannot read inventory file /nonexistent/inventory.ndjson: ENOENT.');
  });

  it('keeps only the asked snapshot', async () => {
    const path = writeTemp('h.ndjson', ndjson([makeItem({ snapshotId: 's1', itemId: 'a' }), makeItem({ snapshotId: 's2', itemId: 'b' })]));
    const entries = await read(path, 's2');
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ raw: { itemId: 'b' } });
  });
});
