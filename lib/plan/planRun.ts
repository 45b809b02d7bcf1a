import { InputError } from '../errors';
import type { FormatId } from '../report/formats/formatIds';
import { planPartitionCount, type PartitionBound } from './partitionCount';
import { DEFAULT_PLAN_OPTIONS, type PlanOptions } from './planOptions';
import { reportBytes } from './reportBytes';
import { runsOnStateMachine } from './runsOnStateMachine';
import type { SnapshotSize } from './SnapshotSize';
import { ASSUMED, LIMITS, MEASURED, readAndEvaluateRate, reduceRate } from './throughput';
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
  /** The findings' report lines all partitions upload (and the reduce streams back). */
  linesBytes: number;
}

export interface ReducePlan {
  /** Items a second it replays into the reports. */
  itemsPerSecond: number;
  /** Stream and replay the lines, sort and write the reports, upload them, history and delivery. */
  seconds: number;
  /** /tmp it needs at its peak: the sorts' compressed spilled runs and the reports. */
  tmpBytes: number;
  /** Within one Lambda's 15 minutes (less its reserve) and Lambda's largest /tmp. */
  withinLimits: boolean;
}

/** The Lambda functions a run invokes (serverless.yml's names). */
export const FUNCTIONS = {
  auditWorker: 'the audit, in one Lambda',
  planAudit: 'plan step',
  mapPartitions: 'map children',
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
  /** Items a second one audit Lambda reads (Query) and evaluates. */
  itemsPerSecond: number;
  map: MapPlan | null;
  reduce: ReducePlan | null;
  functions: FunctionPlan[];
  /** From start to reports, roughly. */
  wallSeconds: number;
  reportBytes: Partial<Record<FormatId, number>>;
  warnings: string[];
}

const GIB = 1024 ** 3;
/** What a function may run before it stops itself to record its failure. */
const USABLE_SECONDS = LIMITS.lambdaTimeoutSeconds - LIMITS.timeReserveSeconds;

/**
 * Decides how a run over this snapshot executes in AWS, as built: one Lambda
 * below `distributedThresholdItems`; from it on the state machine: a plan
 * step, a Distributed Map whose STANDARD children each read (Query) and
 * evaluate a batch of itemId ranges and upload their findings' lines, and one
 * reduce Lambda that replays every line into the reports. Warns when a step
 * would outgrow its Lambda. Pure: numbers in, plan out.
 *
 * @example
 * planRun({ snapshotId: 's', items: 1_000_000, bytes: 4e8, tableBytes: null, source: 'what-if', notes: [] }).map?.partitions // 16
 */
export function planRun(snapshot: SnapshotSize, overrides: Partial<PlanOptions> = {}): RunPlan {
  const options: PlanOptions = { ...DEFAULT_PLAN_OPTIONS, ...overrides };
  check(snapshot, options);
  const reports = reportBytes(snapshot.items, options.formats);
  const base = { snapshot, options, reportBytes: reports, itemsPerSecond: readAndEvaluateRate(options.memoryMb, options.engine) };
  if (!runsOnStateMachine(snapshot.items, options.distributedThresholdItems)) return { ...base, ...planSingle(snapshot, options, reports) };

  const map = planMap(snapshot, options);
  const reduce = planReduce(snapshot.items, options, reports);
  return {
    ...base,
    execution: 'distributed-map',
    map,
    reduce,
    functions: [
      { name: 'planAudit', memoryMb: options.planMemoryMb, ephemeralMb: 512, invocations: 1, billedSeconds: ASSUMED.planSeconds },
      { name: 'mapPartitions', memoryMb: options.memoryMb, ephemeralMb: options.ephemeralMb, invocations: map.children, billedSeconds: map.children * map.secondsPerChild },
      { name: 'reduceAudit', memoryMb: options.memoryMb, ephemeralMb: options.reduceEphemeralMb, invocations: 1, billedSeconds: reduce.seconds },
    ],
    wallSeconds: ASSUMED.planSeconds + map.waves * map.secondsPerChild + reduce.seconds,
    warnings: [...mapWarnings(map), ...reduceWarnings(snapshot.items, options, reduce, reports)],
  };
}

function check(snapshot: SnapshotSize, options: PlanOptions): void {
  for (const [name, value] of Object.entries({ items: snapshot.items, bytes: snapshot.bytes })) {
    if (!Number.isSafeInteger(value) || value < 0) throw new InputError(`A snapshot's ${name} must be a whole number, 0 or more (got ${value}).`);
  }
  if (!Number.isSafeInteger(options.mapMaxConcurrency) || options.mapMaxConcurrency < 0) {
    throw new InputError(`The plan's mapMaxConcurrency must be a whole number, 0 (as many as Step Functions allows) or more (got ${options.mapMaxConcurrency}).`);
  }
  if (!(options.planMemoryMb > 0)) throw new InputError(`The plan's planMemoryMb must be above 0 (got ${options.planMemoryMb}).`);
  // The partition rule checks the rest of the map's settings.
  planPartitionCount(snapshot.items, options);
}

const sum = (bytes: Partial<Record<FormatId, number>>) => Object.values(bytes).reduce((a, b) => a + b, 0);

/**
 * One Lambda reads and evaluates, then writes the same reports the reduce
 * writes (the reduce's measured rate: a pessimistic bound, since it parses
 * lines back too), sorting by itemId when it read by Scan.
 */
function planSingle(snapshot: SnapshotSize, options: PlanOptions, reports: Partial<Record<FormatId, number>>) {
  const { items } = snapshot;
  const seconds =
    ASSUMED.singleRunOverheadSeconds + items / readAndEvaluateRate(options.memoryMb, options.engine) + items / reduceRate(options.memoryMb) + sum(reports) / ASSUMED.s3BytesPerSecond;
  // The SQL engine sorts in DuckDB, which spills to its temp folder uncompressed, and reads the sorted lines back from a file.
  const tmpBytes = options.engine === 'sql' ? items * MEASURED.findingJsonBytes + sum(reports) : sortTmpBytes(items, reports);
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
    reduce: null,
    functions: [{ name: 'auditWorker' as const, memoryMb: options.memoryMb, ephemeralMb: options.ephemeralMb, invocations: 1, billedSeconds: seconds }],
    wallSeconds: seconds,
    warnings,
  };
}

function planMap(snapshot: SnapshotSize, options: PlanOptions): MapPlan {
  const { partitions, bound } = planPartitionCount(snapshot.items, options);
  const children = Math.ceil(partitions / options.mapItemsPerBatch);
  const itemsPerPartition = Math.ceil(snapshot.items / partitions);
  const itemsPerChild = Math.min(snapshot.items, itemsPerPartition * options.mapItemsPerBatch);
  const rate = readAndEvaluateRate(options.memoryMb, options.engine);
  const secondsPerChild = itemsPerChild / rate + (itemsPerChild * MEASURED.findingJsonBytes) / ASSUMED.s3BytesPerSecond;

  const averageItemBytes = snapshot.items > 0 ? snapshot.bytes / snapshot.items : MEASURED.averageItemBytes;
  const readUnitsPerChild = (rate * averageItemBytes * LIMITS.eventuallyConsistentFactor) / LIMITS.readUnitBytes;
  // MaxConcurrency 0 is "as many as Step Functions allows" (infra/stateMachine.js).
  const parameter = options.mapMaxConcurrency === 0 ? LIMITS.mapMaxConcurrency : Math.min(options.mapMaxConcurrency, LIMITS.mapMaxConcurrency);
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
    linesBytes: snapshot.items * MEASURED.findingJsonBytes,
  };
}

/**
 * The reduce: one Lambda that streams every partition's lines from S3 (at the replay's pace,
 * far below what S3 serves: nothing staged), replays them into the reports, uploads them.
 */
function planReduce(items: number, options: PlanOptions, reports: Partial<Record<FormatId, number>>): ReducePlan {
  const itemsPerSecond = reduceRate(options.memoryMb);
  const seconds = ASSUMED.reduceBaseSeconds + items / itemsPerSecond + sum(reports) / ASSUMED.s3BytesPerSecond;
  const tmpBytes = sortTmpBytes(items, reports);
  const withinLimits = seconds <= USABLE_SECONDS && tmpBytes <= LIMITS.lambdaMaxEphemeralMb * 2 ** 20;
  return { itemsPerSecond, seconds, tmpBytes, withinLimits };
}

/**
 * /tmp a Lambda needs at its peak when the findings go through FindingSorter (the reduce, whatever
 * engine mapped; one Lambda's run with the reference engine): the spilled runs, compressed, and the
 * reports, written there before upload.
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

function reduceWarnings(items: number, options: PlanOptions, reduce: ReducePlan, reports: Partial<Record<FormatId, number>>): string[] {
  const maxTmp = LIMITS.lambdaMaxEphemeralMb * 2 ** 20;
  if (!reduce.withinLimits) {
    const beyond = [...(reduce.seconds > USABLE_SECONDS ? ['15 minutes'] : []), ...(reduce.tmpBytes > maxTmp ? ['10 GiB of /tmp'] : [])];
    return [`The reduce is one Lambda: at ${formatCount(items)} items it needs about ${minutes(reduce.seconds)} and ${gib(reduce.tmpBytes)} of /tmp, beyond its limits (${beyond.join(', ')}); this size cannot be audited in AWS as built.`];
  }
  if (reduce.tmpBytes > options.reduceEphemeralMb * 2 ** 20) {
    const needMb = Math.ceil(reduce.tmpBytes / 2 ** 20);
    return [
      `The reduce needs about ${gib(reduce.tmpBytes)} of /tmp, more than reduceAudit's ${formatCount(options.reduceEphemeralMb)} MB (serverless.yml, ephemeralStorageSize): raise it to at least ${formatCount(needMb)} MB (Lambda allows ${formatCount(LIMITS.lambdaMaxEphemeralMb)}).`,
    ];
  }
  return [];
}

const gib = (bytes: number) => `${(bytes / GIB).toFixed(1)} GiB`;
const minutes = (seconds: number) => `${Math.round(seconds / 60)} min`;
