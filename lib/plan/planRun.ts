import { InputError } from '../errors';
import type { FormatId } from '../report/formats/formatIds';
import { DEFAULT_PLAN_OPTIONS, type PlanOptions } from './planOptions';
import { reportBytes } from './reportBytes';
import type { SnapshotSize } from './SnapshotSize';
import { ASSUMED, evaluationRate, LIMITS, MEASURED, scanAndEvaluateRate } from './throughput';

/** How the partitions of a Distributed Map are read. */
export const PARTITION_KINDS = {
  'scan-segments': 'DynamoDB parallel-Scan segments (Segment/TotalSegments)',
  'export-files': 'the data files of a DynamoDB Export to S3 (reads no table capacity)',
} as const;
export type PartitionKind = keyof typeof PARTITION_KINDS;

/** What bounds the items one map child takes. */
export const CHILD_BOUNDS = {
  time: 'its time budget',
  tmp: 'half of its /tmp, where its parts are staged',
  's3-part': "S3's 5 GiB part limit for the JSON report's part",
} as const;
export type ChildBound = keyof typeof CHILD_BOUNDS;

export interface MapPlan {
  partitionKind: PartitionKind;
  /** Scan segments, or groups of export data files. */
  partitions: number;
  itemsPerPartition: number;
  /** ItemBatcher: partitions per child workflow. */
  maxItemsPerBatch: number;
  /** Child workflows (Express), one map Lambda each. */
  children: number;
  itemsPerChild: number;
  childBound: ChildBound;
  secondsPerChild: number;
  maxConcurrency: number;
  concurrencyBound: 'parameter' | 'children' | 'table read quota';
  /** Rounds of children when there are more of them than MaxConcurrency. */
  waves: number;
  /** Read request units a second at full concurrency (0 for an export, which reads no table capacity). */
  peakReadUnitsPerSecond: number;
  /** Only for an export: how long the plan waits for it (assumed). */
  exportMinutes: number | null;
}

export interface ReducePlan {
  /** Parts each concatenated report (JSON, CSV) is assembled from with UploadPartCopy. */
  partsPerReport: number;
  /** The reports assembled from parts: the byte-concatenable ones among the formats. */
  concatenated: FormatId[];
  seconds: number;
}

/** How a run would execute in AWS, and what it would use. */
export interface RunPlan {
  snapshot: SnapshotSize;
  execution: 'single-lambda' | 'distributed-map';
  /** The options planned with, defaults filled in (the formats among them). */
  options: PlanOptions;
  /** Items a second one audit Lambda reads and evaluates. */
  itemsPerSecond: number;
  map: MapPlan | null;
  reduce: ReducePlan | null;
  lambda: { memoryMb: number; ephemeralMb: number; invocations: number; billedSeconds: number };
  /** From start to reports, roughly. */
  wallSeconds: number;
  reportBytes: Partial<Record<FormatId, number>>;
  warnings: string[];
}

/** Reports that concatenate byte-wise (gzip members, lines): assembled by UploadPartCopy. Parquet has one footer and does not. */
const CONCATENATED: readonly FormatId[] = ['json', 'csv'];

/**
 * Decides how a run over this snapshot executes in AWS: one Lambda below
 * `distributedThresholdItems`, otherwise a Step Functions Distributed Map
 * whose Express children each read and evaluate a batch of partitions well
 * inside their limits, then one reduce. Pure: numbers in, plan out.
 *
 * @example
 * planRun({ snapshotId: 's', items: 10_000_000, bytes: 4e9, tableBytes: null, source: 'what-if', notes: [] }).map?.children // 8
 */
export function planRun(snapshot: SnapshotSize, overrides: Partial<PlanOptions> = {}): RunPlan {
  const options: PlanOptions = { ...DEFAULT_PLAN_OPTIONS, ...overrides };
  check(snapshot, options);
  const reports = reportBytes(snapshot.items, options.formats);
  const base = { snapshot, options, reportBytes: reports };
  if (snapshot.items < options.distributedThresholdItems) return { ...base, ...planSingle(snapshot, options) };

  const map = planMap(snapshot, options);
  const concatenated = options.formats.filter((format) => CONCATENATED.includes(format));
  const copies = map.children * concatenated.length;
  const reduce: ReducePlan = {
    partsPerReport: map.children,
    concatenated,
    seconds: ASSUMED.reduceBaseSeconds + Math.ceil(copies / ASSUMED.partCopyConcurrency) * ASSUMED.partCopySeconds,
  };
  const warnings = scanWarnings(snapshot, map);
  if (map.children > LIMITS.s3MaxParts) {
    warnings.push(`${map.children} children are more parts than a multipart upload takes (${LIMITS.s3MaxParts}): raise the items a child takes.`);
  }
  if (options.formats.includes('parquet')) {
    warnings.push('The Parquet report cannot be concatenated from parts (one footer per file): the reduce step rewrites it from the parts.');
  }
  return {
    ...base,
    execution: 'distributed-map',
    itemsPerSecond: rateOf(map.partitionKind, options),
    map,
    reduce,
    lambda: {
      memoryMb: options.memoryMb,
      ephemeralMb: options.ephemeralMb,
      invocations: 1 + map.children + 1,
      billedSeconds: ASSUMED.planSeconds + map.children * map.secondsPerChild + reduce.seconds,
    },
    wallSeconds: ASSUMED.planSeconds + (map.exportMinutes ?? 0) * 60 + map.waves * map.secondsPerChild + reduce.seconds,
    warnings,
  };
}

function check(snapshot: SnapshotSize, options: PlanOptions): void {
  for (const [name, value] of Object.entries({ items: snapshot.items, bytes: snapshot.bytes })) {
    if (!Number.isSafeInteger(value) || value < 0) throw new InputError(`A snapshot's ${name} must be a whole number, 0 or more (got ${value}).`);
  }
  for (const name of ['mapItemsPerBatch', 'mapMaxConcurrency', 'memoryMb', 'ephemeralMb', 'targetChildSeconds'] as const) {
    if (!(options[name] > 0)) throw new InputError(`The plan's ${name} must be above 0 (got ${options[name]}).`);
  }
}

function rateOf(kind: PartitionKind, options: PlanOptions): number {
  // An export's files come from S3: the measured evaluation rate includes reading a file.
  return kind === 'export-files' ? evaluationRate(options.memoryMb) : scanAndEvaluateRate(options.memoryMb);
}

function planSingle(snapshot: SnapshotSize, options: PlanOptions) {
  const itemsPerSecond = scanAndEvaluateRate(options.memoryMb);
  const seconds = ASSUMED.singleRunOverheadSeconds + snapshot.items / itemsPerSecond;
  const warnings: string[] = [];
  if (seconds > LIMITS.lambdaTimeoutSeconds - 60) {
    warnings.push(`One Lambda would need about ${Math.round(seconds)} s, beyond its 15 minutes: lower distributedThresholdItems.`);
  }
  return {
    execution: 'single-lambda' as const,
    itemsPerSecond,
    map: null,
    reduce: null,
    lambda: { memoryMb: options.memoryMb, ephemeralMb: options.ephemeralMb, invocations: 1, billedSeconds: seconds },
    wallSeconds: seconds,
    warnings,
  };
}

function planMap(snapshot: SnapshotSize, options: PlanOptions): MapPlan {
  const partitionKind: PartitionKind = snapshot.items > options.exportThresholdItems ? 'export-files' : 'scan-segments';
  const rate = rateOf(partitionKind, options);
  const stagedBytesPerItem = MEASURED.findingParquetBytes + reportBytesPerItem(options.formats);
  const bounds: Record<ChildBound, number> = {
    time: Math.floor(options.targetChildSeconds * rate),
    tmp: Math.floor((options.ephemeralMb * 2 ** 20) / 2 / stagedBytesPerItem),
    's3-part': Math.floor(LIMITS.s3MaxPartBytes / MEASURED.findingJsonBytes),
  };
  const childBound = (Object.keys(bounds) as ChildBound[]).reduce((a, b) => (bounds[b] < bounds[a] ? b : a));
  // At least two: a map of one child is one Lambda with more steps; from the threshold on, the work is shared.
  const children = Math.max(2, Math.ceil(snapshot.items / Math.max(1, bounds[childBound])));
  const partitions = Math.min(children * options.mapItemsPerBatch, partitionKind === 'scan-segments' ? LIMITS.maxScanSegments : Infinity);
  const itemsPerChild = Math.ceil(snapshot.items / children);
  const secondsPerChild = itemsPerChild / rate;

  const averageItemBytes = snapshot.items > 0 ? snapshot.bytes / snapshot.items : MEASURED.averageItemBytes;
  const readUnitsPerChild = partitionKind === 'scan-segments' ? (rate * averageItemBytes * LIMITS.eventuallyConsistentFactor) / LIMITS.readUnitBytes : 0;
  const quota = readUnitsPerChild > 0 ? Math.max(1, Math.floor(LIMITS.tableReadUnitsPerSecond / readUnitsPerChild)) : Infinity;
  const candidates = { parameter: Math.min(options.mapMaxConcurrency, LIMITS.mapMaxConcurrency), children, 'table read quota': quota };
  const concurrencyBound = (Object.keys(candidates) as (keyof typeof candidates)[]).reduce((a, b) => (candidates[b] < candidates[a] ? b : a));
  const maxConcurrency = candidates[concurrencyBound];
  return {
    partitionKind,
    partitions,
    itemsPerPartition: Math.ceil(snapshot.items / partitions),
    maxItemsPerBatch: options.mapItemsPerBatch,
    children,
    itemsPerChild,
    childBound,
    secondsPerChild,
    maxConcurrency,
    concurrencyBound,
    waves: Math.ceil(children / maxConcurrency),
    peakReadUnitsPerSecond: readUnitsPerChild * maxConcurrency,
    exportMinutes: partitionKind === 'export-files' ? ASSUMED.exportMinutes : null,
  };
}

/** Bytes per item of the report parts a child stages (JSON and CSV parts; the PDF is drawn by the reduce step). */
function reportBytesPerItem(formats: readonly FormatId[]): number {
  return (formats.includes('json') ? MEASURED.findingJsonBytes : 0) + (formats.includes('csv') ? MEASURED.findingCsvBytes : 0);
}

function scanWarnings(snapshot: SnapshotSize, map: MapPlan): string[] {
  if (map.partitionKind !== 'scan-segments' || snapshot.tableBytes === null || snapshot.tableBytes <= snapshot.bytes) return [];
  const share = Math.round((100 * snapshot.bytes) / snapshot.tableBytes);
  return [`A Scan reads the whole table, other snapshots included: this snapshot is about ${share}% of it, and the read units count it all (a Query over itemId ranges would read only this snapshot; not planned yet).`];
}
