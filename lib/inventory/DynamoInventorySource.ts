import { InputError } from '../errors';
import { MANIFEST_PARTITION, type InventoryTable, type ReadOptions } from './InventoryTable';
import type { InventorySource, SourceEntry, SourceProgress } from './InventorySource';
import type { PartitionSpec } from '../partitioned/Partition';
import { splitKeyRange } from '../partitioned/splitKeyRange';

export interface DynamoSourceOptions {
  snapshotId?: string;
  /** `auto`: parallel Scan when the table holds only this snapshot, else Query. */
  mode: 'auto' | 'query' | 'scan';
  segments: number;
  pageSize?: number;
}

/**
 * A snapshot in the inventory table: the latest by default (from the snapshot
 * manifests, or by scanning when a table has none), or the one asked for.
 */
export class DynamoInventorySource implements InventorySource {
  private snapshotId: string | null = null;
  private read: ReadOptions;

  constructor(
    private readonly table: InventoryTable,
    private readonly options: DynamoSourceOptions,
  ) {
    this.read = { mode: options.mode === 'scan' ? 'scan' : 'query', segments: options.segments, pageSize: options.pageSize };
  }

  /**
   * One partition of a snapshot already planned (lib/partitioned/planPartitions.ts): its
   * itemId range of the snapshot, read by Query without opening the snapshot again.
   *
   * @example
   * DynamoInventorySource.forPartition(table, 'snap-2026-11-28', { kind: 'itemid-range', from: 'b', to: 'c' }).entries()
   */
  static forPartition(table: InventoryTable, snapshotId: string, spec: PartitionSpec, pageSize?: number): DynamoInventorySource {
    if (spec.kind !== 'whole' && spec.kind !== 'itemid-range') throw new Error(`A ${String(spec.kind)} partition is not one of a DynamoDB table.`);
    const source = new DynamoInventorySource(table, { snapshotId, mode: 'query', segments: 1, pageSize });
    if (spec.kind === 'itemid-range') source.read.range = { from: spec.from, to: spec.to };
    source.snapshotId = snapshotId;
    return source;
  }

  /**
   * The snapshot cut into up to `count` itemId ranges, each read by Query (a snapshot is one
   * partition key: Scan segments would not split it); call after open().
   *
   * @example
   * await source.open(); await source.partitions(3) // [{ kind: 'itemid-range', from: null, to: 'item-3' }, { from: 'item-3', to: 'item-6' }, { from: 'item-6', to: null }]
   */
  async partitions(count: number): Promise<PartitionSpec[]> {
    if (this.snapshotId === null) throw new Error('open() must be called before partitions()');
    const bounds = await this.table.itemIdBounds(this.snapshotId);
    if (!bounds) return [{ kind: 'whole' }];
    const cuts = splitKeyRange(bounds.first, bounds.last, count);
    return [null, ...cuts].map((from, i) => ({ kind: 'itemid-range', from, to: cuts[i] ?? null }));
  }

  /**
   * The source of one range `partitions` gave, of the snapshot `open()` chose.
   *
   * @example
   * source.partition({ kind: 'itemid-range', from: 'item-3', to: 'item-6' }).entries()
   */
  partition(spec: PartitionSpec): InventorySource {
    if (this.snapshotId === null) throw new Error('open() must be called before partition()');
    return DynamoInventorySource.forPartition(this.table, this.snapshotId, spec, this.read.pageSize);
  }

  describe(): string {
    return `DynamoDB table ${this.table.tableName}`;
  }

  async open() {
    const incompleteReasons: string[] = [];
    // Opened again (a partitioned run's reduce), it keeps the snapshot it chose: a newer one may have arrived meanwhile.
    let snapshotId = this.options.snapshotId ?? this.snapshotId ?? null;
    let manifest = snapshotId ? await this.table.manifest(snapshotId) : await this.table.latestManifest();
    let capturedAt = manifest?.capturedAt ?? null;
    if (!snapshotId) {
      if (manifest) {
        snapshotId = manifest.snapshotId;
      } else {
        const latest = await this.table.latestByScan(this.options.segments);
        if (!latest) throw new InputError(`DynamoDB table ${this.table.tableName} holds no inventory snapshot.`);
        snapshotId = latest.snapshotId;
        capturedAt = latest.capturedAt;
        manifest = null;
      }
    }
    if (snapshotId === MANIFEST_PARTITION) throw new InputError(`${MANIFEST_PARTITION} is reserved and is not a snapshot id.`);
    if (this.options.snapshotId && !manifest && !(await this.table.hasSnapshot(snapshotId))) {
      throw new InputError(`Snapshot ${snapshotId} is not in DynamoDB table ${this.table.tableName}.`);
    }
    if (manifest && manifest.rejected > 0) {
      incompleteReasons.push(`${manifest.rejected} items of snapshot ${snapshotId} were rejected when it was loaded, so the table does not hold all of it.`);
    }
    if (this.options.mode === 'auto' && manifest) {
      // A Scan reads the whole table: worth it only when this snapshot is all of it.
      this.read.mode = (await this.table.countManifests(2)) === 1 ? 'scan' : 'query';
    }
    this.snapshotId = snapshotId;
    return {
      snapshotId,
      capturedAt,
      expectedItems: manifest?.itemCount ?? null,
      warnings: [],
      incompleteReasons,
      // DynamoDB returns a Query in sort-key (itemId) order, byte-wise in UTF-8, which is
      // the report's order for the BMP; other code points are left to the sort.
      ordered: this.read.mode === 'query',
    };
  }

  async *entries(onProgress?: (progress: SourceProgress) => void): AsyncIterable<SourceEntry> {
    if (this.snapshotId === null) throw new Error('open() must be called before entries()');
    let done = 0;
    for await (const page of this.table.readSnapshot(this.snapshotId, this.read)) {
      if (page.kind === 'gap') {
        yield { kind: 'gap', reason: page.reason };
        continue;
      }
      for (const raw of page.items) yield { kind: 'item', raw };
      done += page.items.length;
      onProgress?.({ done, total: null, unit: 'items' });
    }
  }
}
