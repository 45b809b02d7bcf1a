import { InputError } from '../errors';
import type { InventoryTable } from '../inventory/InventoryTable';
import type { SnapshotSize } from './SnapshotSize';
import { MEASURED } from './throughput';

/**
 * How big a snapshot in the inventory table is, without reading it: the item
 * count from its manifest (the latest snapshot's, or the one asked for), its
 * bytes from the manifest when the loader measured them, else from the
 * table's average item size (DescribeTable). A snapshot without a manifest is
 * sized by the whole table's DescribeTable figures, and the plan says so.
 *
 * @example
 * await tableSnapshotSize(table) // { snapshotId: 'snap-2026-11-20', items: 45, source: 'manifest', … }
 */
export async function tableSnapshotSize(table: InventoryTable, snapshotId?: string): Promise<SnapshotSize> {
  const described = await table.describeSize();
  const manifest = snapshotId !== undefined ? await table.manifest(snapshotId) : await table.latestManifest();
  if (manifest) {
    const averageItemBytes = described.itemCount > 0 ? described.sizeBytes / described.itemCount : MEASURED.averageItemBytes;
    const measured = typeof manifest.bytes === 'number';
    const bytes = measured ? manifest.bytes! : Math.round(manifest.itemCount * averageItemBytes);
    return {
      snapshotId: manifest.snapshotId,
      items: manifest.itemCount,
      bytes,
      tableBytes: Math.max(described.sizeBytes, bytes),
      source: 'manifest',
      notes: measured
        ? []
        : [
            described.itemCount > 0
              ? `Bytes estimated: ${manifest.itemCount} items × ${Math.round(averageItemBytes)} bytes, the table's average item (DescribeTable).`
              : `Bytes estimated: ${manifest.itemCount} items × ${MEASURED.averageItemBytes} bytes, the example inventory's average item (DescribeTable reports no items yet).`,
          ],
    };
  }
  if (snapshotId !== undefined && !(await table.hasSnapshot(snapshotId))) {
    throw new InputError(`Snapshot ${snapshotId} is not in DynamoDB table ${table.tableName}.`);
  }
  return {
    snapshotId: snapshotId ?? null,
    items: described.itemCount,
    bytes: described.sizeBytes,
    tableBytes: described.sizeBytes,
    source: 'describe-table',
    notes: [
      `No manifest for ${snapshotId === undefined ? 'any snapshot' : `snapshot ${snapshotId}`}: the whole table's ItemCount and TableSizeBytes (DescribeTable, refreshed about every six hours) stand in for it.`,
      ...(described.itemCount === 0 ? ['DescribeTable reports no items, which a table DynamoDB has not refreshed yet (or a local DynamoDB) also does: the snapshot may not be empty.'] : []),
    ],
  };
}
