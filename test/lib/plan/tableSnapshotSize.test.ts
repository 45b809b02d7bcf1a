/** Sizing a snapshot in a real local DynamoDB (dynalite): manifests, DescribeTable, the fallback. */
import { resolve } from 'node:path';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { startLocalDynamo, type LocalDynamo } from '../../../cli/local/localDynamo';
import { InputError, NotFoundError } from '../../../lib/errors';
import { FileInventorySource } from '../../../lib/inventory/FileInventorySource';
import { createDocumentClient, InventoryTable } from '../../../lib/inventory/InventoryTable';
import { loadInventory } from '../../../lib/inventory/loadInventory';
import { tableSnapshotSize } from '../../../lib/plan/tableSnapshotSize';
import { MEASURED } from '../../../lib/plan/throughput';
import { makeItem } from '../../helpers/items';

const EXAMPLE = resolve(__dirname, '../../../examples/inventory.ndjson');

let dynamo: LocalDynamo;
let counter = 0;
const tables: InventoryTable[] = [];

beforeAll(async () => {
  dynamo = await startLocalDynamo(0);
});
afterAll(async () => {
  for (const table of tables) table.client.destroy();
  await dynamo.close();
});

async function freshTable(): Promise<InventoryTable> {
  const table = new InventoryTable({ client: createDocumentClient({ endpoint: dynamo.endpoint }), tableName: `plan-${++counter}` });
  tables.push(table);
  await table.ensureTable();
  return table;
}

describe('tableSnapshotSize', () => {
  it("the latest snapshot's manifest gives the count; bytes from the example's average while DescribeTable has none", async () => {
    const table = await freshTable();
    await loadInventory(new FileInventorySource(EXAMPLE), table, { concurrency: 4 });
    // dynalite, like a table DynamoDB has not refreshed yet, reports 0 items and 0 bytes.
    expect(await table.describeSize()).toEqual({ itemCount: 0, sizeBytes: 0 });
    const size = await tableSnapshotSize(table);
    expect(size).toMatchObject({ snapshotId: 'snap-2026-11-20', items: 45, bytes: 45 * MEASURED.averageItemBytes, source: 'manifest' });
    expect(size.notes).toEqual([expect.stringMatching(/Bytes estimated: 45 items × 393 bytes, the example inventory's average item/)]);
    expect((await tableSnapshotSize(table, 'snap-2026-11-20')).items).toBe(45);
  });

  it('bytes from the manifest when the loader measured them', async () => {
    const table = await freshTable();
    await table.putManifest({ snapshotId: 's', capturedAt: '2026-01-01T00:00:00.000Z', itemCount: 3, rejected: 0, loadedAt: '2026-01-01T00:00:00.000Z', bytes: 1234 });
    expect(await tableSnapshotSize(table)).toMatchObject({ items: 3, bytes: 1234, notes: [] });
  });

  it('no manifest: DescribeTable for the whole table, said so; an unknown snapshot is an input error', async () => {
    const table = await freshTable();
    for (const itemId of ['a', 'b']) await table.client.send(new PutCommand({ TableName: table.tableName, Item: makeItem({ snapshotId: 'raw', itemId }) }));
    const size = await tableSnapshotSize(table, 'raw');
    expect(size).toMatchObject({ snapshotId: 'raw', items: 0, bytes: 0, source: 'describe-table' });
    expect(size.notes).toEqual([
      expect.stringMatching(/No manifest for snapshot raw: the whole table's ItemCount and TableSizeBytes/),
      expect.stringMatching(/DescribeTable reports no items/),
    ]);
    expect((await tableSnapshotSize(table)).snapshotId).toBeNull();
    await expect(tableSnapshotSize(table, 'nope')).rejects.toThrow(InputError);
  });

  it('a missing table is a store error naming it', async () => {
    const table = new InventoryTable({ client: createDocumentClient({ endpoint: dynamo.endpoint }), tableName: 'no-such-table' });
    tables.push(table);
    await expect(tableSnapshotSize(table)).rejects.toThrow(NotFoundError);
  });
});

describe('tableSnapshotSize with the figures DynamoDB in AWS reports (SDK mocked)', () => {
  // Mocked only here: the tests above talk to dynalite.
  let ddb: ReturnType<typeof mockClient>;
  beforeAll(() => {
    ddb = mockClient(DynamoDBDocumentClient);
  });
  afterEach(() => ddb.reset());
  afterAll(() => ddb.restore());
  const mocked = () => new InventoryTable({ client: createDocumentClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } }), tableName: 'inv' });

  it("bytes from the table's average item", async () => {
    ddb.on(DescribeTableCommand).resolves({ Table: { ItemCount: 1_000, TableSizeBytes: 500_000 } });
    ddb.on(QueryCommand).resolves({ Items: [{ manifest: { snapshotId: 's', capturedAt: '2026-01-01T00:00:00.000Z', itemCount: 400, rejected: 0, loadedAt: '2026-01-01T00:00:00.000Z' } }] });
    expect(await tableSnapshotSize(mocked())).toMatchObject({ snapshotId: 's', items: 400, bytes: 200_000, tableBytes: 500_000, source: 'manifest' });
  });

  it('without a manifest: the whole table', async () => {
    ddb.on(DescribeTableCommand).resolves({ Table: { ItemCount: 7_000_000, TableSizeBytes: 3_000_000_000 } });
    ddb.on(QueryCommand).resolves({ Items: [] });
    const size = await tableSnapshotSize(mocked());
    expect(size).toMatchObject({ snapshotId: null, items: 7_000_000, bytes: 3_000_000_000, source: 'describe-table' });
    expect(size.notes).toHaveLength(1);
  });
});
