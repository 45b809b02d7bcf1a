/**
 * A partitioned run over a real local DynamoDB (dynalite): the snapshot cut into
 * itemId ranges, each read apart by Query (another snapshot in the table left
 * out), gives the reports of a one-process run of the same snapshot, with the
 * same snapshot digest.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { startLocalDynamo, type LocalDynamo } from '../../cli/local/localDynamo';
import { runAudit, type RunAuditOptions } from '../../lib/audit/runAudit';
import { FileHistoryStore } from '../../lib/history/FileHistoryStore';
import { DynamoInventorySource } from '../../lib/inventory/DynamoInventorySource';
import { FileInventorySource } from '../../lib/inventory/FileInventorySource';
import { createDocumentClient, InventoryTable } from '../../lib/inventory/InventoryTable';
import { loadInventory } from '../../lib/inventory/loadInventory';
import { collect, ndjson, readReport, tempDir, writeTemp } from '../helpers/files';
import { catalog, makeItem } from '../helpers/items';
import { runPartitioned } from '../../lib/partitioned/runPartitioned';

const EXAMPLE = resolve(__dirname, '../../examples/inventory.ndjson');
let dynamo: LocalDynamo;

beforeAll(async () => {
  dynamo = await startLocalDynamo(0);
});
afterAll(async () => {
  await dynamo.close();
});

describe('a partitioned run of a DynamoDB snapshot', () => {
  it('reads each itemId range apart and writes the reports of a one-process run', async () => {
    const table = new InventoryTable({ client: createDocumentClient({ endpoint: dynamo.endpoint }), tableName: 'inventory-partitioned' });
    await table.ensureTable();
    const example = readFileSync(EXAMPLE, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    const latest = example.map((item) => ({ ...item, snapshotId: 'snap-b' }));
    const older = Array.from({ length: 30 }, (_, i) => makeItem({ itemId: `old-${i}`, snapshotId: 'snap-a', capturedAt: '2026-11-19T00:00:00Z' }));
    await loadInventory(new FileInventorySource(writeTemp('partitioned-table.ndjson', ndjson([...older, ...latest]))), table, { concurrency: 4 });

    // A middle range: its lower bound included, its upper bound not.
    const ids = latest.map((item) => (item as Record<string, unknown>).itemId as string).sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    const range = await collect(DynamoInventorySource.forPartition(table, 'snap-b', { kind: 'itemid-range', from: ids[3]!, to: ids[9]! }, 2).entries());
    expect(range.map((entry) => (entry.kind === 'item' ? (entry.raw as { itemId: string }).itemId : entry.kind))).toEqual(ids.slice(3, 9));

    const now = new Date('2026-11-21T00:00:00Z');
    const options = (history: string): RunAuditOptions => ({
      source: new DynamoInventorySource(table, { mode: 'scan', segments: 4, snapshotId: 'snap-b', pageSize: 7 }),
      catalog: catalog(),
      engine: { graceDays: 30, waivers: [] },
      formats: ['json', 'csv'],
      outDir: tempDir('partitioned-dynamo-'),
      trigger: 'cli',
      runId: 'run-dynamo',
      now: () => now,
      history: { store: new FileHistoryStore(history), scope: 'dynamo' },
    });
    const whole = await runAudit(options(tempDir('h-')));
    const split = await runPartitioned({ ...options(tempDir('h-')), partitions: 5 });
    expect(split.partitions.map((p) => p.status)).toEqual(['done', 'done', 'done', 'done', 'done']);
    expect(split.partitions.reduce((sum, p) => sum + p.findings, 0)).toBe(latest.length);
    expect(readFileSync(split.reports.json!, 'utf8')).toBe(readFileSync(whole.reports.json!, 'utf8'));
    expect(readFileSync(split.reports.csv!, 'utf8')).toBe(readFileSync(whole.reports.csv!, 'utf8'));
    expect(readReport(split.reports.json!).run.snapshotSha256).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});
