import { resolve } from 'node:path';
import { InputError } from '../../../lib/errors';
import { fileSnapshotSize } from '../../../lib/plan/fileSnapshotSize';
import { ndjson, writeTemp } from '../../helpers/files';
import { makeItem } from '../../helpers/items';

const EXAMPLE = resolve(__dirname, '../../../examples/inventory.ndjson');

describe('fileSnapshotSize', () => {
  it('counts the items of an NDJSON file; its bytes are the file size', async () => {
    expect(await fileSnapshotSize(EXAMPLE)).toMatchObject({ snapshotId: 'snap-2026-11-20', items: 45, bytes: 17_700, tableBytes: null, source: 'file' });
  });

  it('counts a line that is not JSON as an item (the audit reports it invalid), not blank lines', async () => {
    const path = writeTemp('broken.ndjson', `${JSON.stringify(makeItem({ itemId: 'a' }))}\nnot json\n\n`);
    expect((await fileSnapshotSize(path)).items).toBe(2);
  });

  it('a JSON array: its elements', async () => {
    const path = writeTemp('array.json', JSON.stringify([makeItem({ itemId: 'a' }), makeItem({ itemId: 'b' })]));
    expect((await fileSnapshotSize(path)).items).toBe(2);
  });

  it('--snapshot: only that snapshot, its own bytes; without it, every line, as run audits them', async () => {
    const a = makeItem({ snapshotId: 'a', itemId: '1' });
    const path = writeTemp('two.ndjson', ndjson([a, makeItem({ snapshotId: 'b', itemId: '1' }), makeItem({ snapshotId: 'b', itemId: '2' })]));
    expect(await fileSnapshotSize(path, 'a')).toMatchObject({ snapshotId: 'a', items: 1, bytes: Buffer.byteLength(JSON.stringify(a)) });
    expect(await fileSnapshotSize(path, 'b')).toMatchObject({ snapshotId: 'b', items: 2 });
    expect(await fileSnapshotSize(path)).toMatchObject({ snapshotId: 'a', items: 3 });
  });

  it('a missing file, an empty one, or an unknown snapshot is an input error, as for run', async () => {
    await expect(fileSnapshotSize('/nonexistent/inventory.ndjson')).rejects.toThrow(InputError);
    await expect(fileSnapshotSize(writeTemp('empty.ndjson', ''))).rejects.toThrow(InputError);
    await expect(fileSnapshotSize(writeTemp('blank.ndjson', '\n  \n'))).rejects.toThrow(InputError);
    await expect(fileSnapshotSize(EXAMPLE, 'no-such-snapshot')).rejects.toThrow(/no item of snapshot no-such-snapshot/);
  });
});
