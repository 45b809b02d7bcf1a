/**
 * Hostile inventories against a real local DynamoDB (dynalite): an item the
 * table cannot hold is rejected alone, naming its field, and its batch's other
 * items are written; a capture time from the future never makes its snapshot
 * "latest", whether it comes through `inventory load`, an old manifest, or a
 * table filled by another writer.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { startLocalDynamo, type LocalDynamo } from '../../cli/local/localDynamo';
import { DynamoInventorySource } from '../../lib/inventory/DynamoInventorySource';
import { FileInventorySource } from '../../lib/inventory/FileInventorySource';
import { createDocumentClient, InventoryTable, MANIFEST_PARTITION, type SnapshotManifest } from '../../lib/inventory/InventoryTable';
import { loadInventory, type LoadOptions } from '../../lib/inventory/loadInventory';
import { collect, ndjson, writeTemp } from '../helpers/files';
import { makeItem } from '../helpers/items';

/** The loads and reads below happen "now" = this instant. */
const NOW = new Date('2026-11-21T00:00:00Z');
const clock = () => NOW;
const MINUTE = 60_000;

let dynamo: LocalDynamo;
let tableCounter = 0;

beforeAll(async () => {
  dynamo = await startLocalDynamo(0);
});
afterAll(async () => {
  await dynamo.close();
});

async function freshTable(): Promise<InventoryTable> {
  const table = new InventoryTable({ client: createDocumentClient({ endpoint: dynamo.endpoint }), tableName: `hostile-${++tableCounter}`, now: clock });
  await table.ensureTable();
  return table;
}

function load(table: InventoryTable, text: string, options: Partial<LoadOptions> = {}) {
  return loadInventory(new FileInventorySource(writeTemp('inventory.ndjson', text)), table, { concurrency: 4, now: clock, ...options });
}

async function storedIds(table: InventoryTable, snapshotId: string): Promise<string[]> {
  const pages = await collect(table.readSnapshot(snapshotId, { mode: 'query', segments: 1 }));
  return pages.flatMap((page) => (page.kind === 'items' ? page.items.map((item) => item.itemId as string) : []));
}

const ids = (n: number) => Array.from({ length: n }, (_, i) => `i${String(i).padStart(2, '0')}`);

describe('an item the table cannot hold is rejected alone', () => {
  it('a 25-item batch with one recordCount 1e30: 24 written, 1 rejected naming recordCount', async () => {
    const table = await freshTable();
    const items = ids(25).map((itemId) => makeItem({ itemId, recordCount: itemId === 'i07' ? 1e30 : 10 }));
    const result = await load(table, ndjson(items));
    expect(result).toMatchObject({ read: 25, written: 24, rejectedCount: 1 });
    expect(result.rejected).toEqual([{ location: 'line 8', itemId: 'i07', reason: expect.stringMatching(/^recordCount is 1e\+30, beyond/) }]);
    expect(result.snapshots[0]).toMatchObject({ itemCount: 24, rejected: 1 });
    expect(await storedIds(table, 'snap-test')).toEqual(ids(25).filter((id) => id !== 'i07'));
  });

  it('each kind of unstorable item alone; mixed lists, empty strings and multi-byte text are written', async () => {
    const table = await freshTable();
    const fine = (itemId: string, extra: Record<string, unknown> = {}) => JSON.stringify({ ...makeItem({ itemId }), ...extra });
    const lines = [
      fine('ok-1'),
      fine('infinite').replace('"recordCount":10', '"recordCount":1e999'), // JSON.parse gives Infinity
      fine('huge', { owner: 'x'.repeat(410 * 1024) }),
      fine('underflow', { bytes: 1e-200 }),
      fine('deep', { tags: JSON.parse(`${'['.repeat(33)}1${']'.repeat(33)}`) }),
      fine('k'.repeat(1025)),
      fine('surrogate').replace('"tenant-a"', '"tenant-\\ud800"'),
      fine('mixed', { purposes: [1, 'billing', [true, null, { a: [] }], {}], owner: '', note: 'données' }),
      fine('ok-2'),
    ];
    const result = await load(table, `${lines.join('\n')}\n`);
    expect(result).toMatchObject({ read: 9, written: 3, rejectedCount: 6 });
    const reasons = Object.fromEntries(result.rejected.map((r) => [r.itemId!.slice(0, 20), r.reason]));
    expect(reasons).toEqual({
      infinite: expect.stringMatching(/^recordCount is Infinity/),
      huge: expect.stringMatching(/^The item is 410\.\d KB .* its largest field is owner/),
      underflow: expect.stringMatching(/^bytes is 1e-200, smaller than DynamoDB's smallest number/),
      deep: expect.stringMatching(/^tags(\[0\]){32} is nested more than 32 levels deep/),
      ['k'.repeat(20)]: expect.stringMatching(/^itemId is 1025 bytes long/),
      surrogate: expect.stringMatching(/^tenantId is not well-formed Unicode/),
    });
    expect(await storedIds(table, 'snap-test')).toEqual(['mixed', 'ok-1', 'ok-2']);
    const [mixed] = (await collect(table.readSnapshot('snap-test', { mode: 'query', segments: 1 }))).flatMap((p) =>
      p.kind === 'items' ? p.items.filter((item) => item.itemId === 'mixed') : [],
    );
    expect(mixed).toMatchObject({ purposes: [1, 'billing', [true, null, { a: [] }], {}], owner: '', note: 'données' });
  });

  it('the size check agrees with the table to the byte: the largest item it accepts is written, one byte more the table refuses too', async () => {
    const table = await freshTable();
    const extra = { purposes: [1, 'billing', [true, null], { q: 1.5, r: -0.25 }], events: { accountDeletedAt: '2026-01-01T00:00:00Z' } };
    const sized = (itemId: string, n: number) => ({ ...makeItem({ itemId }), ...extra, owner: 'x'.repeat(n) });
    let n = 409_000;
    while (table.checkItem(sized('largest', n + 1)) === null) n += 1; // both ids have 7 characters
    const result = await load(table, ndjson([sized('largest', n), sized('onemore', n + 1)]));
    expect(result).toMatchObject({ written: 1, rejectedCount: 1 });
    expect(result.rejected[0]).toMatchObject({ itemId: 'onemore', reason: expect.stringMatching(/over its 400 KB limit; its largest field is owner/) });
    await expect(table.client.send(new PutCommand({ TableName: table.tableName, Item: sized('onemore', n + 1) }))).rejects.toThrow(/Item size has exceeded/);
  });

  it('a snapshot id too long for its manifest key is rejected before anything is written', async () => {
    const table = await freshTable();
    const result = await load(table, ndjson([makeItem({ snapshotId: 's'.repeat(1000) }), makeItem({ snapshotId: 's'.repeat(999) })]));
    expect(result).toMatchObject({ written: 1, rejectedCount: 1 });
    expect(result.rejected[0]!.reason).toMatch(/^snapshotId is 1000 bytes long, over the 999 bytes a snapshot id may have/);
    expect(result.snapshots.map((s) => s.snapshotId.length)).toEqual([999]);
    expect(await storedIds(table, 's'.repeat(1000))).toEqual([]);
  });

  it('writeBatch itself, given an item the SDK cannot marshal or the service refuses, writes the rest one by one', async () => {
    const table = await freshTable();
    const items = ids(25).map((itemId) => makeItem({ itemId, recordCount: itemId === 'i03' ? 1e30 : 10 }) as unknown as Record<string, unknown>);
    const refused = await table.writeBatch(items);
    expect(refused).toEqual([{ item: items[3], reason: expect.stringMatching(/^recordCount is 1e\+30/) }]);
    expect(await storedIds(table, 'snap-test')).toHaveLength(24);

    const big = { ...makeItem({ snapshotId: 'snap-big', itemId: 'big' }), owner: 'x'.repeat(410 * 1024) };
    const others = ['a', 'b'].map((itemId) => ({ ...makeItem({ snapshotId: 'snap-big', itemId }) }));
    expect(await table.writeBatch([others[0]!, big, others[1]!])).toEqual([{ item: big, reason: expect.stringMatching(/over its 400 KB limit/) }]);
    expect(await storedIds(table, 'snap-big')).toEqual(['a', 'b']);
  });
});

describe('capture times from the future', () => {
  const FAR = '9999-12-31T00:00:00Z';

  it('inventory load writes an item captured 9999-12-31, warns, and does not let it date the snapshot', async () => {
    const table = await freshTable();
    const older = ids(3).map((itemId) => makeItem({ snapshotId: 'snap-a', itemId, capturedAt: '2026-11-19T00:00:00Z' }));
    const future = makeItem({ snapshotId: 'snap-a', itemId: 'from-the-future', capturedAt: FAR });
    const result = await load(table, ndjson([...older, future]));
    expect(result).toMatchObject({ written: 4, rejectedCount: 0 });
    expect(result.snapshots).toEqual([expect.objectContaining({ snapshotId: 'snap-a', capturedAt: '2026-11-19T00:00:00.000Z', itemCount: 4 })]);
    expect(result.warnings).toEqual([
      expect.stringMatching(/^Snapshot snap-a: 1 item has a capturedAt more than 10 minutes after the load \(itemId from-the-future: 9999-12-31T00:00:00Z\); written/),
    ]);
    expect(await storedIds(table, 'snap-a')).toContain('from-the-future');

    // A later snapshot, loaded the next day, is the latest: snap-a is not latest "for ever".
    await load(table, ndjson([makeItem({ snapshotId: 'snap-b', itemId: 'x', capturedAt: '2026-11-20T00:00:00Z' })]));
    expect((await table.latestManifest())?.snapshotId).toBe('snap-b');
  });

  it('the skew is a bound: 10 minutes ahead still dates the snapshot, 10 minutes and 1 ms does not', async () => {
    const table = await freshTable();
    const at = (ms: number) => new Date(NOW.getTime() + ms).toISOString();
    const inside = await load(table, ndjson([makeItem({ snapshotId: 'in', itemId: 'a', capturedAt: at(10 * MINUTE) })]));
    expect(inside.snapshots[0]!.capturedAt).toBe(at(10 * MINUTE));
    expect(inside.warnings).toEqual([]);
    const outside = await load(table, ndjson([makeItem({ snapshotId: 'out', itemId: 'a', capturedAt: at(10 * MINUTE + 1) })]));
    // Nothing usable dates it: the load time does, as for a snapshot without capture times.
    expect(outside.snapshots[0]!.capturedAt).toBe(NOW.toISOString());
    expect(outside.warnings).toHaveLength(1);
  });

  it('latestManifest skips manifests an older loader dated in the future, year 9999 and past it', async () => {
    const table = await freshTable();
    const manifest = (snapshotId: string, capturedAt: string): SnapshotManifest => ({ snapshotId, capturedAt, itemCount: 1, rejected: 0, loadedAt: NOW.toISOString() });
    await table.putManifest(manifest('snap-real', '2026-11-20T00:00:00.000Z'));
    await table.putManifest(manifest('snap-9999', '9999-12-31T00:00:00.000Z'));
    await table.putManifest(manifest('snap-soon', new Date(NOW.getTime() + 11 * MINUTE).toISOString()));
    // A capture time past year 9999 gets a key ('+010000-…') that sorts below every other one.
    await table.putManifest(manifest('snap-10000', '+010000-01-01T00:00:00.000Z'));
    expect((await table.latestManifest())?.snapshotId).toBe('snap-real');

    await table.putManifest(manifest('snap-near', new Date(NOW.getTime() + 9 * MINUTE).toISOString()));
    expect((await table.latestManifest())?.snapshotId).toBe('snap-near');
  });

  it('latestManifest answers null when every manifest is in the future (the source then scans the items)', async () => {
    const table = await freshTable();
    await table.putManifest({ snapshotId: 'snap-9999', capturedAt: '+010000-01-01T00:00:00.000Z', itemCount: 1, rejected: 0, loadedAt: NOW.toISOString() });
    await table.putManifest({ snapshotId: 'snap-9999', capturedAt: '9999-12-31T00:00:00.000Z', itemCount: 1, rejected: 0, loadedAt: NOW.toISOString() });
    expect(await table.latestManifest()).toBeNull();
  });

  it('latestByScan (tables without manifests) ignores capture times in the future and ones that do not parse strictly', async () => {
    const table = await freshTable();
    const put = (snapshotId: string, capturedAt: unknown) =>
      table.client.send(new PutCommand({ TableName: table.tableName, Item: { ...makeItem({ snapshotId, itemId: 'a' }), capturedAt } }));
    await put('snap-real', '2026-11-19T00:00:00Z');
    await put('snap-9999', FAR);
    await put('snap-soon', new Date(NOW.getTime() + 11 * MINUTE).toISOString());
    await put('snap-leap-second', '2026-11-20T23:59:60Z');
    await put('snap-date-only', '2026-11-20'); // Date.parse accepts it; RFC 3339 does not
    await put('snap-no-zone', '2026-11-20T12:00:00');
    await put('snap-feb-30', '2026-02-30T00:00:00Z');
    await put('snap-number', 1_800_000_000_000);
    expect(await table.latestByScan(2)).toEqual({ snapshotId: 'snap-real', capturedAt: '2026-11-19T00:00:00Z' });

    // And the inventory source, finding no manifest, audits that one.
    const opened = await new DynamoInventorySource(table, { mode: 'auto', segments: 2 }).open();
    expect(opened).toMatchObject({ snapshotId: 'snap-real', capturedAt: '2026-11-19T00:00:00Z' });
  });

  it('the inventory source reads the latest real snapshot even when an old manifest is dated 9999', async () => {
    const table = await freshTable();
    await load(table, ndjson([makeItem({ snapshotId: 'snap-real', itemId: 'a', capturedAt: '2026-11-20T00:00:00Z' })]));
    await table.client.send(
      new PutCommand({
        TableName: table.tableName,
        Item: { snapshotId: MANIFEST_PARTITION, itemId: `9999-12-31T00:00:00.000Z#snap-old`, manifest: { snapshotId: 'snap-old', capturedAt: '9999-12-31T00:00:00.000Z', itemCount: 1, rejected: 0, loadedAt: '2026-01-01T00:00:00.000Z' } },
      }),
    );
    const opened = await new DynamoInventorySource(table, { mode: 'auto', segments: 2 }).open();
    expect(opened.snapshotId).toBe('snap-real');
  });
});
