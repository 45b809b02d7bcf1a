/**
 * The DynamoDB adapters against a real local DynamoDB (dynalite, in process,
 * on 127.0.0.1), not a mock: loading, manifests, "latest", paginated Query,
 * parallel Scan segments, and file/DynamoDB parity of the findings.
 */
import { resolve } from 'node:path';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { startLocalDynamo, type LocalDynamo } from '../../cli/local/localDynamo';
import { runAudit } from '../../lib/audit/runAudit';
import { DEFAULT_ENGINE_OPTIONS } from '../../lib/engine/evaluate';
import { DynamoInventorySource, type DynamoSourceOptions } from '../../lib/inventory/DynamoInventorySource';
import { FileInventorySource } from '../../lib/inventory/FileInventorySource';
import { createDocumentClient, InventoryTable } from '../../lib/inventory/InventoryTable';
import { loadInventory } from '../../lib/inventory/loadInventory';
import { collect, ndjson, readReport, tempDir, writeTemp } from '../helpers/files';
import { catalog, makeItem } from '../helpers/items';

const EXAMPLE = resolve(__dirname, '../../examples/inventory.ndjson');

let dynamo: LocalDynamo;
let tableCounter = 0;

beforeAll(async () => {
  dynamo = await startLocalDynamo(0);
});
afterAll(async () => {
  await dynamo.close();
});

async function freshTable(): Promise<InventoryTable> {
  const table = new InventoryTable({ client: createDocumentClient({ endpoint: dynamo.endpoint }), tableName: `inventory-${++tableCounter}` });
  expect(await table.ensureTable()).toBe(true);
  return table;
}

async function load(table: InventoryTable, path: string) {
  return loadInventory(new FileInventorySource(path), table, { concurrency: 4 });
}

async function auditTable(table: InventoryTable, options: Partial<DynamoSourceOptions> = {}) {
  const result = await runAudit({
    source: new DynamoInventorySource(table, { mode: 'auto', segments: 4, ...options }),
    catalog: catalog(),
    engine: DEFAULT_ENGINE_OPTIONS,
    formats: ['json'],
    outDir: tempDir(),
    trigger: 'cli',
  });
  return readReport(result.reports.json!);
}

describe('inventory load', () => {
  it('writes every item and reports the counts and the snapshot manifest', async () => {
    const table = await freshTable();
    const result = await load(table, EXAMPLE);
    expect(result).toMatchObject({ read: 45, written: 45, rejectedCount: 0 });
    expect(result.snapshots).toEqual([
      expect.objectContaining({ snapshotId: 'snap-2026-11-20', itemCount: 45, rejected: 0, capturedAt: '2026-11-20T02:00:00.000Z' }),
    ]);
    expect(await table.ensureTable()).toBe(false);
  });

  it('rejects, never drops, what it cannot write: bad lines, missing keys, repeated ids', async () => {
    const table = await freshTable();
    const path = writeTemp(
      'mixed.ndjson',
      [
        JSON.stringify(makeItem({ itemId: 'a' })),
        'not json',
        JSON.stringify({ ...makeItem(), itemId: undefined }),
        JSON.stringify(makeItem({ itemId: 'a' })),
        JSON.stringify(makeItem({ itemId: 'b', recordCount: -3 })),
      ].join('\n'),
    );
    const result = await load(table, path);
    expect(result).toMatchObject({ read: 5, written: 2, rejectedCount: 3 });
    expect(result.rejected.map((r) => r.location)).toEqual(['line 2', 'line 3', 'line 4']);
    expect(result.rejected[2]!.reason).toMatch(/appears twice/);
    expect(result.snapshots[0]).toMatchObject({ itemCount: 2, rejected: 1 });
  });
});

describe('reading a snapshot', () => {
  const many = (snapshotId: string, capturedAt: string, count: number) =>
    Array.from({ length: count }, (_, i) => makeItem({ snapshotId, capturedAt, itemId: `item-${String(i).padStart(5, '0')}`, oldestRecordAt: '2026-11-01T00:00:00Z' }));

  it('pages through a snapshot with Query, in itemId order', async () => {
    const table = await freshTable();
    await load(table, writeTemp('q.ndjson', ndjson(many('s1', '2026-11-20T00:00:00Z', 120))));
    const pages = await collect(table.readSnapshot('s1', { mode: 'query', segments: 1, pageSize: 25 }));
    expect(pages.length).toBeGreaterThanOrEqual(5);
    const ids = pages.flatMap((p) => (p.kind === 'items' ? p.items.map((i) => i.itemId) : []));
    expect(ids).toEqual(many('s1', '', 120).map((i) => i.itemId));
  });

  it('reads a snapshot with parallel Scan segments, each paginated, and none of another snapshot', async () => {
    const table = await freshTable();
    await load(table, writeTemp('s.ndjson', ndjson([...many('s1', '2026-11-19T00:00:00Z', 90), ...many('s2', '2026-11-20T00:00:00Z', 60)])));
    const pages = await collect(table.readSnapshot('s1', { mode: 'scan', segments: 3, pageSize: 10 }));
    expect(pages.length).toBeGreaterThan(3);
    const items = pages.flatMap((p) => (p.kind === 'items' ? p.items : []));
    expect(items).toHaveLength(90);
    expect(new Set(items.map((i) => i.snapshotId))).toEqual(new Set(['s1']));
  });

  it('audits the latest snapshot by default, or the one asked for', async () => {
    const table = await freshTable();
    await load(table, writeTemp('a.ndjson', ndjson(many('older', '2026-11-18T00:00:00Z', 3))));
    await load(table, writeTemp('b.ndjson', ndjson(many('newer', '2026-11-20T00:00:00Z', 5))));
    await load(table, writeTemp('c.ndjson', ndjson(many('loaded-last-captured-first', '2026-11-10T00:00:00Z', 2))));
    expect((await auditTable(table)).run.snapshotId).toBe('newer');
    expect((await auditTable(table)).summary.items).toBe(5);
    const older = await auditTable(table, { snapshotId: 'older' });
    expect(older.run.snapshotId).toBe('older');
    expect(older.summary.items).toBe(3);
  });

  it('finds the latest snapshot without manifests, from the items themselves', async () => {
    const table = await freshTable();
    for (const item of [...many('x1', '2026-11-01T00:00:00Z', 3), ...many('x2', '2026-11-05T00:00:00+08:00', 2)]) {
      await table.client.send(new PutCommand({ TableName: table.tableName, Item: item }));
    }
    const report = await auditTable(table);
    expect(report.run.snapshotId).toBe('x2');
    expect(report.summary).toMatchObject({ items: 2, complete: true });
  });

  it('says so when a table holds no snapshot', async () => {
    const table = await freshTable();
    await expect(auditTable(table)).rejects.toThrow(/holds no inventory snapshot/);
  });

  it('fails clearly on a table that does not exist', async () => {
    const table = new InventoryTable({ client: createDocumentClient({ endpoint: dynamo.endpoint }), tableName: 'missing-table' });
    await expect(auditTable(table)).rejects.toThrow('DynamoDB table missing-table does not exist.');
  });

  it('marks the audit incomplete when the loaded snapshot lost items', async () => {
    const table = await freshTable();
    await load(table, writeTemp('r.ndjson', `${JSON.stringify(makeItem({ itemId: 'a' }))}\n${JSON.stringify(makeItem({ itemId: 'a' }))}\n`));
    const report = await auditTable(table);
    expect(report.summary.complete).toBe(false);
    expect(report.summary.incompleteReasons[0]).toMatch(/1 items of snapshot snap-test were rejected/);
  });
});

describe('the same snapshot from a file and from DynamoDB', () => {
  it.each([['query'], ['scan'], ['auto']] as const)('gives identical findings (%s)', async (mode) => {
    const table = await freshTable();
    await load(table, EXAMPLE);
    const fromTable = await auditTable(table, { mode, segments: 3, pageSize: 7 });
    const fromFile = readReport(
      (
        await runAudit({
          source: new FileInventorySource(EXAMPLE),
          catalog: catalog(),
          engine: DEFAULT_ENGINE_OPTIONS,
          formats: ['json'],
          outDir: tempDir(),
          trigger: 'cli',
        })
      ).reports.json!,
    );
    expect(fromTable.findings).toEqual(fromFile.findings);
    expect({ ...fromTable.summary, warnings: [] }).toEqual({ ...fromFile.summary, warnings: [] });
  });
});
