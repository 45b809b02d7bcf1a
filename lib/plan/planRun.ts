import { chooseEngine, mapEngine, type EngineKind } from '../audit/engineKind';
import { InputError } from '../errors';
import type { FormatId } from '../report/formats/formatIds';
import { planPartitionCount, type PartitionBound } from './partitionCount';
import { DEFAULT_PLAN_OPTIONS, type PlanOptions } from './planOptions';
import { reportBytes } from './reportBytes';
import { runsOnStateMachine } from './runsOnStateMachine';
import type { SnapshotSize } from './SnapshotSize';
import { assemblyWarnings, planAssembly, type AssemblyPlan } from './planAssembly';
import { planReduce, reduceWarnings, type ReducePlan } from './planReduce';
import { gib, minutes } from './sizeWords';
import { ASSUMED, diffRate, keyedLineBytes, LIMITS, MEASURED, mergeRate, readAndEvaluateRate, USABLE_SECONDS } from './throughput';
import { diffRangeCount } from '../partitioned/diffRanges';
import { formatCount } from '../units';

/** How the partitions are read, for people (lib/inventory/DynamoInventorySource.ts `partitions`). */
export const PARTITION_READ = "itemId ranges of the snapshot, each read by Query (only the snapshot's own items)";

export interface MapPlan {
  /** ItemId ranges (the count partitionCount gives; the source may cut fewer). */
  partitions: number;
  partitionBound: PartitionBound;
  itemsPerPartition: number;
  /** ItemBatcher: partitions per child workflow. */
  maxItemsPerBatch: number;
  /** STANDARD child workflows, one mapPartitions Lambda each. */
  children: number;
  itemsPerChild: number;
  /** Reading, evaluating and uploading a child's batch. */
  secondsPerChild: number;
  maxConcurrency: number;
  concurrencyBound: 'parameter' | 'children';
  /** Rounds of children when there are more of them than MaxConcurrency. */
  waves: number;
  /** Read request units a second at full concurrency, all on the snapshot's partition key. */
  peakReadUnitsPerSecond: number;
  /** The sorted findings files (keyed lines) all partitions upload, for the diff children or, without history, the assembly children. */
  linesBytes: number;
}

/** The history diff: a second Distributed Map over diff ranges of the identity space (lib/partitioned/diffRanges.ts). */
export interface DiffPlan {
  /** As many as partitions (diffRangeCount). */
  ranges: number;
  itemsPerRange: number;
  /** ItemBatcher: ranges per child workflow (the map's mapItemsPerBatch), diffed one after the other. */
  maxItemsPerBatch: number;
  /** STANDARD child workflows, one diffRanges Lambda each. */
  children: number;
  itemsPerChild: number;
  /** Items a second a child diffs and sorts. */
  itemsPerSecond: number;
  /** The previous run's states a child reads (its ranges' buckets, from the history's parts: taken to be as many as its items), and the new states it writes as parts. */
  statesPerChild: number;
  /** Reading its ranges' previous states and segment of every partition, diffing, sorting, uploading its findings and writing its states. */
  secondsPerChild: number;
  /** The map's MaxConcurrency parameter. */
  maxConcurrency: number;
  waves: number;
  /** /tmp at a child's peak: one range at a time, its merge's then its sort's compressed spill. */
  tmpBytesPerChild: number;
  /** The ranges' annotated findings, compressed, which the assembly children stream back. */
  findingsBytes: number;
  /** Within the function's 15 minutes (less its reserve) and its /tmp (diffEphemeralMb). */
  withinLimits: boolean;
}

export type { AssemblyPlan, ReducePlan };

/** The Lambda functions a run invokes (serverless.yml's names). */
export const FUNCTIONS = {
  auditWorker: 'the audit, in one Lambda',
  planAudit: 'plan step',
  mapPartitions: 'map children',
  diffRanges: 'diff children',
  assembleParts: 'assembly children',
  reduceAudit: 'reduce step',
} as const;
export type FunctionName = keyof typeof FUNCTIONS;

export interface FunctionPlan {
  name: FunctionName;
  memoryMb: number;
  ephemeralMb: number;
  invocations: number;
  /** All its invocations together. */
  billedSeconds: number;
}

/** How a run would execute in AWS, and what it would use. */
export interface RunPlan {
  snapshot: SnapshotSize;
  execution: 'single-lambda' | 'distributed-map';
  /** The options planned with, defaults filled in (the formats among them). */
  options: PlanOptions;
  /** The engine that evaluates: the one Lambda's, or the map children's (`auto` resolved: lib/audit/engineKind.ts). */
  engine: EngineKind;
  /** Items a second one audit Lambda reads (Query) and evaluates. */
  itemsPerSecond: number;
  map: MapPlan | null;
  /** Null for a run without history (a dry run) or in one Lambda. */
  diff: DiffPlan | null;
  /** The reports' parts; null in one Lambda. */
  assembly: AssemblyPlan | null;
  reduce: ReducePlan | null;
  functions: FunctionPlan[];
  /** From start to reports, roughly. */
  wallSeconds: number;
  reportBytes: Partial<Record<FormatId, number>>;
  warnings: string[];
}

/**
 * Decides how a run over this snapshot executes in AWS, as built: one Lambda
 * below `distributedThresholdItems`; from it on the state machine: a plan
 * step, a Distributed Map whose STANDARD children each read (Query), evaluate
 * and sort a batch of itemId ranges and upload their findings, with history a
 * second Distributed Map whose children each diff a batch of diff ranges, a
 * third whose children write the JSON and CSV reports in parts (itemId ranges),
 * and one reduce Lambda that merges the results, writes the history, puts the
 * reports together in S3 from the parts and writes the others. Warns when a
 * step would outgrow its Lambda. Pure: numbers in, plan out.
 *
 * @example
 * planRun({ snapshotId: 's', items: 1_000_000, bytes: 4e8, tableBytes: null, source: 'what-if', notes: [] }).map?.partitions // 16
 */
export function planRun(snapshot: SnapshotSize, overrides: Partial<PlanOptions> = {}): RunPlan {
  const options: PlanOptions = { ...DEFAULT_PLAN_OPTIONS, ...overrides };
  check(snapshot, options);
  const reports = reportBytes(snapshot.items, options.formats);
  const single = !runsOnStateMachine(snapshot.items, options.distributedThresholdItems);
  // `auto`: the engine a run in one Lambda would choose, or the maps' (engineKind.ts). The run goes by the manifest's
  // count: a table without a manifest, sized here by DescribeTable, is one whose count it does not know.
  const engine = single ? chooseEngine(options.engine, snapshot.source === 'describe-table' ? null : snapshot.items) : mapEngine(options.engine);
  const base = { snapshot, options, engine, reportBytes: reports, itemsPerSecond: readAndEvaluateRate(options.memoryMb, engine) };
  if (single) return { ...base, ...planSingle(snapshot, options, engine, reports) };

  const map = planMap(snapshot, options, engine);
  const diff = options.history ? planDiff(snapshot.items, map, options) : null;
  const assembly = planAssembly(snapshot.items, map.partitions, options, concurrencyParameter(options));
  const reduce = planReduce(snapshot.items, assembly, options, reports);
  return {
    ...base,
    execution: 'distributed-map',
    map,
    diff,
    assembly,
    reduce,
    functions: [
      { name: 'planAudit', memoryMb: options.planMemoryMb, ephemeralMb: 512, invocations: 1, billedSeconds: ASSUMED.planSeconds },
      { name: 'mapPartitions', memoryMb: options.memoryMb, ephemeralMb: options.ephemeralMb, invocations: map.children, billedSeconds: map.children * map.secondsPerChild },
      ...(diff
        ? [{ name: 'diffRanges' as const, memoryMb: options.diffMemoryMb, ephemeralMb: options.diffEphemeralMb, invocations: diff.children, billedSeconds: diff.children * diff.secondsPerChild }]
        : []),
      { name: 'assembleParts', memoryMb: options.assembleMemoryMb, ephemeralMb: options.assembleEphemeralMb, invocations: assembly.children, billedSeconds: assembly.children * assembly.secondsPerChild },
      { name: 'reduceAudit', memoryMb: options.memoryMb, ephemeralMb: options.reduceEphemeralMb, invocations: 1, billedSeconds: reduce.seconds },
    ],
    wallSeconds:
      ASSUMED.planSeconds + map.waves * map.secondsPerChild + (diff ? diff.waves * diff.secondsPerChild : 0) + assembly.waves * assembly.secondsPerChild + reduce.seconds,
    warnings: [
      ...mapWarnings(map),
      ...(diff ? diffWarnings(diff, options) : []),
      ...assemblyWarnings(assembly, options),
      ...reduceWarnings(snapshot.items, options, reduce, reports),
    ],
  };
}

function check(snapshot: SnapshotSize, options: PlanOptions): void {
  for (const [name, value] of Object.entries({ items: snapshot.items, bytes: snapshot.bytes })) {
    if (!Number.isSafeInteger(value) || value < 0) throw new InputError(`A snapshot's ${name} must be a whole number, 0 or more (got ${value}).`);
  }
  if (!Number.isSafeInteger(options.mapMaxConcurrency) || options.mapMaxConcurrency < 0) {
    throw new InputError(`The plan's mapMaxConcurrency must be a whole number, 0 (as many as Step Functions allows) or more (got ${options.mapMaxConcurrency}).`);
  }
  for (const name of ['planMemoryMb', 'diffMemoryMb', 'diffEphemeralMb', 'assembleMemoryMb', 'assembleEphemeralMb', 'reduceEphemeralMb'] as const) {
    if (!(options[name] > 0)) throw new InputError(`The plan's ${name} must be above 0 (got ${options[name]}).`);
  }
  // The partition rule checks the rest of the map's settings.
  planPartitionCount(snapshot.items, options);
}

const sum = (bytes: Partial<Record<FormatId, number>>) => Object.values(bytes).reduce((a, b) => a + b, 0);

/**
 * One Lambda reads and evaluates, with history diffs and sorts (the diff
 * children's rate), then writes the reports at the merge rate (mergeRate).
 */
function planSingle(snapshot: SnapshotSize, options: PlanOptions, engine: EngineKind, reports: Partial<Record<FormatId, number>>) {
  const { items } = snapshot;
  const seconds =
    ASSUMED.singleRunOverheadSeconds +
    items / readAndEvaluateRate(options.memoryMb, engine) +
    (options.history ? items / diffRate(options.memoryMb) : 0) +
    items / mergeRate(options.memoryMb) +
    sum(reports) / ASSUMED.s3BytesPerSecond;
  // The SQL engine sorts in DuckDB, which spills to its temp folder uncompressed, and reads the sorted lines back from a file.
  const tmpBytes = engine === 'sql' ? items * MEASURED.findingJsonBytes + sum(reports) : sortTmpBytes(items, reports);
  const warnings: string[] = [];
  const tmp = options.ephemeralMb * 2 ** 20;
  const beyond = [...(seconds > USABLE_SECONDS ? ['15 minutes'] : []), ...(tmpBytes > tmp ? [`${gib(tmp)} of /tmp`] : [])];
  if (beyond.length > 0) {
    warnings.push(
      `One Lambda would need about ${minutes(seconds)} and ${gib(tmpBytes)} of /tmp for ${formatCount(items)} items, beyond its limits (${beyond.join(', ')}): lower distributedThresholdItems.`,
    );
  }
  return {
    execution: 'single-lambda' as const,
    map: null,
    diff: null,
    assembly: null,
    reduce: null,
    functions: [{ name: 'auditWorker' as const, memoryMb: options.memoryMb, ephemeralMb: options.ephemeralMb, invocations: 1, billedSeconds: seconds }],
    wallSeconds: seconds,
    warnings,
  };
}

function planMap(snapshot: SnapshotSize, options: PlanOptions, engine: EngineKind): MapPlan {
  const { partitions, bound } = planPartitionCount(snapshot.items, options);
  const children = Math.ceil(partitions / options.mapItemsPerBatch);
  const itemsPerPartition = Math.ceil(snapshot.items / partitions);
  const itemsPerChild = Math.min(snapshot.items, itemsPerPartition * options.mapItemsPerBatch);
  const rate = readAndEvaluateRate(options.memoryMb, engine);
  const secondsPerChild = itemsPerChild / rate + (itemsPerChild * keyedLineBytes(options.history)) / ASSUMED.s3BytesPerSecond;

  const averageItemBytes = snapshot.items > 0 ? snapshot.bytes / snapshot.items : MEASURED.averageItemBytes;
  const readUnitsPerChild = (rate * averageItemBytes * LIMITS.eventuallyConsistentFactor) / LIMITS.readUnitBytes;
  const parameter = concurrencyParameter(options);
  const concurrencyBound = children < parameter ? 'children' : 'parameter';
  const maxConcurrency = Math.min(children, parameter);
  return {
    partitions,
    partitionBound: bound,
    itemsPerPartition,
    maxItemsPerBatch: options.mapItemsPerBatch,
    children,
    itemsPerChild,
    secondsPerChild,
    maxConcurrency,
    concurrencyBound,
    waves: Math.ceil(children / maxConcurrency),
    peakReadUnitsPerSecond: readUnitsPerChild * maxConcurrency,
    linesBytes: snapshot.items * keyedLineBytes(options.history),
  };
}

/**
 * The diff children: as many ranges as partitions, `mapItemsPerBatch` a child, at the map's
 * MaxConcurrency. A child reads its range's segment of every partition (about its share of all
 * the lines) and the previous run's history parts of its buckets, diffs and sorts, uploads its
 * findings compressed and writes its new states to the history as a part; its ranges go one
 * after the other, each range's files removed once uploaded.
 */
function planDiff(items: number, map: MapPlan, options: PlanOptions): DiffPlan {
  const ranges = diffRangeCount(map.partitions);
  const children = Math.ceil(ranges / options.mapItemsPerBatch);
  const itemsPerRange = Math.ceil(items / ranges);
  const itemsPerChild = Math.min(items, itemsPerRange * options.mapItemsPerBatch);
  const itemsPerSecond = diffRate(options.diffMemoryMb);
  const bytesMoved = itemsPerChild * (keyedLineBytes(true) + MEASURED.compressedFindingBytes);
  // The history is kept by range: a range reads the previous run's parts of its buckets (about its share), and writes its new states as a part.
  const statesPerChild = itemsPerChild;
  const secondsPerChild =
    ASSUMED.diffBaseSeconds +
    statesPerChild / ASSUMED.previousStatesPerSecond +
    statesPerChild / ASSUMED.historyStatesWrittenPerSecond +
    itemsPerChild / itemsPerSecond +
    bytesMoved / ASSUMED.s3BytesPerSecond;
  const tmpBytesPerChild = 2 * itemsPerRange * MEASURED.sortSpillBytesPerItem;
  const maxConcurrency = Math.min(children, concurrencyParameter(options));
  return {
    ranges,
    itemsPerRange,
    maxItemsPerBatch: options.mapItemsPerBatch,
    children,
    itemsPerChild,
    itemsPerSecond,
    statesPerChild,
    secondsPerChild,
    maxConcurrency,
    waves: Math.ceil(children / maxConcurrency),
    tmpBytesPerChild,
    findingsBytes: items * MEASURED.compressedFindingBytes,
    withinLimits: secondsPerChild <= USABLE_SECONDS && tmpBytesPerChild <= options.diffEphemeralMb * 2 ** 20,
  };
}

/** The children either map runs at once: MaxConcurrency 0 is "as many as Step Functions allows" (infra/stateMachine.js). */
function concurrencyParameter(options: PlanOptions): number {
  return options.mapMaxConcurrency === 0 ? LIMITS.mapMaxConcurrency : Math.min(options.mapMaxConcurrency, LIMITS.mapMaxConcurrency);
}

/**
 * /tmp one Lambda's run with the reference engine needs at its peak, its findings going through
 * FindingSorter: the spilled runs, compressed, and the reports, written there before upload.
 */
function sortTmpBytes(items: number, reports: Partial<Record<FormatId, number>>): number {
  return items * MEASURED.sortSpillBytesPerItem + sum(reports);
}

function mapWarnings(map: MapPlan): string[] {
  const warnings: string[] = [];
  if (map.partitionBound === 'cap') {
    warnings.push(
      `At ${formatCount(map.partitions)} partitions, the most the plan step's answer holds, a partition has about ${formatCount(map.itemsPerPartition)} items, more than a map child can read and stage within its limits.`,
    );
  }
  const peak = Math.round(map.peakReadUnitsPerSecond);
  if (peak > LIMITS.tableReadUnitsPerSecond) {
    const fits = Math.max(1, Math.floor((LIMITS.tableReadUnitsPerSecond * map.maxConcurrency) / map.peakReadUnitsPerSecond));
    warnings.push(
      `${formatCount(map.maxConcurrency)} children at once read about ${formatCount(peak)} read units a second, above the table's default quota of ${formatCount(LIMITS.tableReadUnitsPerSecond)}: set mapMaxConcurrency to ${formatCount(fits)} or less.`,
    );
  } else if (peak > LIMITS.partitionReadUnitsPerSecond) {
    warnings.push(
      `All children Query one partition key (the snapshot): about ${formatCount(peak)} read units a second at peak, above the ${formatCount(LIMITS.partitionReadUnitsPerSecond)} one DynamoDB partition serves until DynamoDB splits it by itemId; expect throttled reads (retried with backoff) on the first large runs, or lower mapMaxConcurrency.`,
    );
  }
  return warnings;
}

function diffWarnings(diff: DiffPlan, options: PlanOptions): string[] {
  if (diff.withinLimits) return [];
  const tmp = options.diffEphemeralMb * 2 ** 20;
  const beyond = [...(diff.secondsPerChild > USABLE_SECONDS ? ['15 minutes'] : []), ...(diff.tmpBytesPerChild > tmp ? [`${gib(tmp)} of /tmp`] : [])];
  const remedy = `more partitions (stage param partitions) make more, smaller diff ranges${diff.maxItemsPerBatch > 1 ? ', or lower mapItemsPerBatch' : ''}`;
  return [`A diff child needs about ${minutes(diff.secondsPerChild)} for its ${formatCount(diff.itemsPerChild)} items and ${gib(diff.tmpBytesPerChild)} of /tmp for a range, beyond its limits (${beyond.join(', ')}): ${remedy}.`];
}
