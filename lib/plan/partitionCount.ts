/**
 * How many partitions a run on the state machine is cut into: one rule for
 * `run --explain` and for the deployment's plan step, so that the plan
 * explained is the plan run. Pure: a count and the settings in, a count out.
 */
import { mapEngine } from '../audit/engineKind';
import { InputError } from '../errors';
import { DEFAULT_PLAN_OPTIONS, type PlanOptions } from './planOptions';
import { keyedLineBytes, LIMITS, MEASURED, readAndEvaluateRate } from './throughput';
import { formatCount } from '../units';

/** /tmp a map child needs an item of its partition at its peak: the sorted findings file and the sort's compressed spill. */
export const PARTITION_STAGING_BYTES_PER_ITEM = keyedLineBytes(true) + MEASURED.sortSpillBytesPerItem;

/** What decided the count, in the words the plan prints. */
export const PARTITION_BOUNDS = {
  minimum: 'the minimum, stage param partitions',
  time: "raised so that a child's batch fits its time budget",
  tmp: "raised so that a partition's lines fit half of a child's /tmp",
  cap: `capped at ${formatCount(LIMITS.maxPartitions)}, what the plan step's answer holds`,
} as const;
export type PartitionBound = keyof typeof PARTITION_BOUNDS;

/** The settings the rule reads: the map function's, as serverless.yml deploys it, unless given. */
export type PartitionCountOptions = Pick<PlanOptions, 'partitions' | 'mapItemsPerBatch' | 'engine' | 'memoryMb' | 'ephemeralMb' | 'targetChildSeconds'>;

export interface PartitionCount {
  partitions: number;
  bound: PartitionBound;
  /** The most items one partition should hold: what a child's time budget and /tmp allow. */
  itemsPerPartitionLimit: number;
}

/**
 * The number of partitions for a snapshot of `items` items: at least the
 * configured minimum (`partitions`, default 16); more when one partition would
 * hold more items than a map child can take, that is more than it reads and
 * evaluates within `targetChildSeconds` (its batch of `mapItemsPerBatch`
 * partitions one after the other), or more sorted lines and compressed spill
 * than half its /tmp holds (the other half is the engine's); at most 1,000. The source may cut fewer (a
 * snapshot with few distinct itemIds).
 *
 * @example
 * partitionCount(1_000_000) // 16
 * partitionCount(100_000_000) // 56: a partition's sorted lines and spill must fit half of a child's 4 GiB of /tmp
 * partitionCount(1_000_000, { partitions: 8 }) // 8
 */
export function partitionCount(items: number, options: Partial<PartitionCountOptions> = {}): number {
  return planPartitionCount(items, options).partitions;
}

/**
 * partitionCount with what decided it.
 *
 * @example
 * planPartitionCount(100_000_000) // { partitions: 56, bound: 'tmp', itemsPerPartitionLimit: 1_813_753 }
 */
export function planPartitionCount(items: number, overrides: Partial<PartitionCountOptions> = {}): PartitionCount {
  const options = { ...DEFAULT_PLAN_OPTIONS, ...overrides };
  check(items, options);
  const limits = itemsPerPartitionLimits(options);
  const tight: 'time' | 'tmp' = limits.time <= limits.tmp ? 'time' : 'tmp';
  const itemsPerPartitionLimit = limits[tight];
  const needed = Math.ceil(items / itemsPerPartitionLimit);
  if (needed > LIMITS.maxPartitions) return { partitions: LIMITS.maxPartitions, bound: 'cap', itemsPerPartitionLimit };
  if (needed > options.partitions) return { partitions: needed, bound: tight, itemsPerPartitionLimit };
  return { partitions: options.partitions, bound: 'minimum', itemsPerPartitionLimit };
}

/** The most items one partition may hold for each of a child's bounds. */
function itemsPerPartitionLimits(options: PartitionCountOptions): { time: number; tmp: number } {
  const rate = readAndEvaluateRate(options.memoryMb, mapEngine(options.engine));
  // One partition is staged at a time (deleted once uploaded): its sorted findings file (keyed lines,
  // counted with the diff key, the longer: the rule does not know whether the run keeps history) and,
  // until its last line is written, the sort's compressed spill.
  const stagingBytes = (options.ephemeralMb * 2 ** 20) / 2;
  return {
    time: Math.max(1, Math.floor((options.targetChildSeconds * rate) / options.mapItemsPerBatch)),
    tmp: Math.max(1, Math.floor(stagingBytes / PARTITION_STAGING_BYTES_PER_ITEM)),
  };
}

function check(items: number, options: PartitionCountOptions): void {
  if (!Number.isSafeInteger(items) || items < 0) throw new InputError(`A snapshot's items must be a whole number, 0 or more (got ${items}).`);
  if (!Number.isSafeInteger(options.partitions) || options.partitions < 1 || options.partitions > LIMITS.maxPartitions) {
    throw new InputError(`The partitions must be a whole number from 1 to ${LIMITS.maxPartitions} (got ${options.partitions}).`);
  }
  if (!Number.isSafeInteger(options.mapItemsPerBatch) || options.mapItemsPerBatch < 1) {
    throw new InputError(`The plan's mapItemsPerBatch must be a whole number, 1 or more (got ${options.mapItemsPerBatch}).`);
  }
  for (const name of ['memoryMb', 'ephemeralMb', 'targetChildSeconds'] as const) {
    if (!(options[name] > 0)) throw new InputError(`The plan's ${name} must be above 0 (got ${options[name]}).`);
  }
}
