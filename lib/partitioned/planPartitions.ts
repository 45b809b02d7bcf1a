/**
 * The plan step of a partitioned run: the opened snapshot cut into the slices
 * the map steps read apart. The source decides how it can be cut (itemId
 * ranges of a table, byte ranges of an NDJSON file); one that cannot is one
 * slice.
 */
import { UsageError } from '../errors';
import type { InventorySource } from '../inventory/InventorySource';
import type { Partition } from './Partition';

/**
 * Partitions a run may have, locally as on the state machine, whose plan step answers with
 * the list (Step Functions caps a payload at 256 KiB): lib/plan/partitionCount.ts's cap.
 */
export const MAX_PARTITIONS = 1_000;

/**
 * Cuts an opened source into at most `count` partitions, in read order.
 *
 * @example
 * await source.open();
 * (await planPartitions(source, 8)).map((p) => p.spec.kind) // ['byte-range', … ×8]
 */
export async function planPartitions(source: InventorySource, count: number): Promise<Partition[]> {
  if (!Number.isSafeInteger(count) || count < 1 || count > MAX_PARTITIONS) {
    throw new UsageError(`Partitions must be a whole number from 1 to ${MAX_PARTITIONS}: ${count} is not.`);
  }
  const specs = count > 1 && source.partitions ? await source.partitions(count) : [{ kind: 'whole' as const }];
  return specs.map((spec, index) => ({ index, count: specs.length, spec }));
}
