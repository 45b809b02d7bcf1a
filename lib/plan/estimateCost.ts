import { DEFAULTS } from '../defaults';
import PRICES from './prices.json';
import type { RunPlan } from './planRun';
import { putRequests } from '../aws/multipart';
import { ASSUMED, LIMITS } from './throughput';

export type Prices = typeof PRICES;

/** One priced quantity: what is bought, how much, at what list price. */
export interface CostLine {
  service: 'Lambda' | 'Step Functions' | 'DynamoDB' | 'S3' | 'SES';
  what: string;
  quantity: number;
  unit: string;
  unitPrice: number;
  /** Paid by each run (a report's storage over its whole retention included). */
  dollars: number;
}

export interface CostEstimate {
  region: string;
  currency: string;
  pricesReadOn: string;
  lines: CostLine[];
  perRun: number;
  perMonth: number;
  runsPerMonth: number;
  /** What the estimate leaves out, and why. */
  notes: string[];
}

export interface CostOptions {
  /** How long reports are kept (lib/defaults.json; serverless.yml's param). */
  reportRetentionDays: number;
  /** How long a run's partition files are kept before they expire (lib/defaults.json; serverless.yml's param). */
  runFilesDays: number;
  /** Runs a month: a nightly schedule by default. */
  runsPerMonth: number;
  /** The most the digest e-mail attaches (bytes). */
  attachMaxBytes: number;
  prices: Prices;
}

const DAYS_PER_MONTH = 365 / 12;
const GB = 1024 ** 3;

export const DEFAULT_COST_OPTIONS: Readonly<CostOptions> = Object.freeze({
  reportRetentionDays: DEFAULTS.reportRetentionDays,
  runFilesDays: DEFAULTS.runFilesDays,
  runsPerMonth: DAYS_PER_MONTH,
  attachMaxBytes: DEFAULTS.attachMaxBytes,
  prices: PRICES,
});

const NOTES = [
  'List prices of the first tier, without free tier, Savings Plans or taxes.',
  "Not counted: CloudWatch logs and metrics, KMS requests of the encrypted buckets and tables, data transfer when reports are downloaded, retries, the run record's other reads and writes, the plan step's two one-item Queries (a few units each) and the previous run's states, which every diff child reads whole from the history (gzip chunks of the runs table).",
];

/**
 * What a planned run costs at list prices, per run and per month of a nightly
 * schedule: each line one thing a step of the built run does (the Lambda
 * functions, the state machine's transitions of both maps, the Queries, the S3 requests
 * and storage, the digest mail). Pure: the plan and the prices in, dollars out.
 *
 * @example
 * estimateCost(planRun(await fileSnapshotSize('examples/inventory.ndjson'))).perRun // ≈ 0.0012 (45 items, one Lambda)
 */
export function estimateCost(plan: RunPlan, overrides: Partial<CostOptions> = {}): CostEstimate {
  const options: CostOptions = { ...DEFAULT_COST_OPTIONS, ...overrides };
  const lines = [...lambdaLines(plan, options.prices), ...stepFunctionsLines(plan, options.prices), ...dynamoLines(plan, options.prices), ...s3Lines(plan, options), ...sesLines(plan, options)];
  const perRun = sum(lines);
  const perMonth = perRun * options.runsPerMonth;
  return {
    region: options.prices.region,
    currency: options.prices.currency,
    pricesReadOn: options.prices.readOn,
    lines,
    perRun,
    perMonth,
    runsPerMonth: options.runsPerMonth,
    notes: NOTES,
  };
}

function line(service: CostLine['service'], what: string, quantity: number, unit: string, unitPrice: number): CostLine {
  return { service, what, quantity, unit, unitPrice, dollars: quantity * unitPrice };
}

const sum = (lines: CostLine[]) => lines.reduce((total, { dollars }) => total + dollars, 0);

/** One invocation line, then each function's duration, and its /tmp beyond the free 512 MB. */
function lambdaLines(plan: RunPlan, prices: Prices): CostLine[] {
  const invocations = plan.functions.reduce((total, fn) => total + fn.invocations, 0);
  const lines = [line('Lambda', 'invocations', invocations, 'requests', prices.lambda.perRequest)];
  for (const fn of plan.functions) {
    lines.push(line('Lambda', `${fn.name} duration, arm64 ${fn.memoryMb} MB`, (fn.memoryMb / 1024) * fn.billedSeconds, 'GB-s', prices.lambda.arm64PerGbSecond));
    const extraGb = Math.max(0, fn.ephemeralMb - prices.lambda.ephemeralStorageFreeMb) / 1024;
    if (extraGb > 0) lines.push(line('Lambda', `${fn.name} /tmp beyond ${prices.lambda.ephemeralStorageFreeMb} MB`, extraGb * fn.billedSeconds, 'GB-s', prices.lambda.ephemeralStoragePerGbSecond));
  }
  return lines;
}

/** The parent's states, one parent transition per child started (either map's), and each STANDARD child's own transitions. */
function stepFunctionsLines(plan: RunPlan, prices: Prices): CostLine[] {
  const { map, diff } = plan;
  if (!map) return [];
  const children = map.children + (diff?.children ?? 0);
  const transitions = ASSUMED.parentTransitions + children * (1 + ASSUMED.childTransitions);
  return [line('Step Functions', 'Standard state transitions (parent and children)', transitions, 'transitions', prices.stepFunctions.standardPerStateTransition)];
}

/** The Queries read only the snapshot's items, billed on the bytes read; each partition done is one UpdateItem of the run record. */
function dynamoLines(plan: RunPlan, prices: Prices): CostLine[] {
  const { snapshot, map } = plan;
  const readUnits = Math.ceil(snapshot.bytes / LIMITS.readUnitBytes) * LIMITS.eventuallyConsistentFactor;
  const reads = line('DynamoDB', map ? 'Query of the itemId ranges, eventually consistent' : 'Query, eventually consistent', readUnits, 'read units', prices.dynamodb.perReadRequestUnit);
  if (!map) return [reads];
  // The record grows by each partition counted (its number set): the last updates write the most.
  const recordBytes = ASSUMED.runRecordBytes + map.partitions * ASSUMED.runRecordBytesPerPartition;
  const writeUnits = map.partitions * Math.ceil(recordBytes / LIMITS.writeUnitBytes);
  return [reads, line('DynamoDB', 'UpdateItem of the run record, one per partition', writeUnits, 'write units', prices.dynamodb.perWriteRequestUnit)];
}

/** What a range leaves in S3 besides its findings: its states and its resolved findings (small, one PUT each), and its result. */
const RANGE_SMALL_PUTS = 3;
/** What the reduce reads of a range: its result, a HeadObject for each of its three files (a GET each), and the three files. */
const REDUCE_GETS_PER_RANGE = 7;

function s3Lines(plan: RunPlan, options: CostOptions): CostLine[] {
  const { map, diff } = plan;
  const { formats } = plan.options;
  const { s3 } = options.prices;
  // A report of a GiB or more goes up in parts (lib/aws/multipart.ts).
  let puts = formats.reduce((sum, format) => sum + putRequests(plan.reportBytes[format] ?? 0), 0) + ASSUMED.runPuts;
  let gets = ASSUMED.runGets;
  if (map) {
    const { partitions } = map;
    // The plan; each partition's findings file and result. Each map child reads the plan. The reduce reads it
    // and every partition's result, checking its file is there (HeadObject, a GET): 1 + 2 per partition.
    puts += 1 + partitions * (putRequests(map.linesBytes / partitions) + 1);
    gets += map.children + 1 + 2 * partitions;
    if (diff) {
      // Each diff child reads the plan and every partition's result and HeadObject; each range its segment of every
      // partition (a ranged GET) and uploads its findings, states, resolved findings and result. The reduce reads the ranges.
      puts += diff.ranges * (putRequests(diff.findingsBytes / diff.ranges) + RANGE_SMALL_PUTS);
      gets += diff.children * (1 + 2 * partitions) + diff.ranges * partitions + diff.ranges * REDUCE_GETS_PER_RANGE;
    } else {
      // Without history the reduce streams every partition's file itself.
      gets += partitions;
    }
  }
  const months = (days: number) => days / DAYS_PER_MONTH;
  const reportGb = Object.values(plan.reportBytes).reduce((a, b) => a + b, 0) / GB;
  const runFilesGb = ((map?.linesBytes ?? 0) + (diff?.findingsBytes ?? 0)) / GB;
  return [
    line('S3', 'PUT requests', puts, 'requests', s3.putCopyPostListPerRequest),
    line('S3', 'GET requests', gets, 'requests', s3.getPerRequest),
    ...(map ? [line('S3', `${diff ? 'partition and diff range files' : 'partition files'} kept ${options.runFilesDays} days`, runFilesGb * months(options.runFilesDays), 'GB-months', s3.standardPerGbMonth)] : []),
    line('S3', `reports kept ${options.reportRetentionDays} days (${months(options.reportRetentionDays).toFixed(1)} months)`, reportGb * months(options.reportRetentionDays), 'GB-months', s3.standardPerGbMonth),
  ];
}

function sesLines(plan: RunPlan, options: CostOptions): CostLine[] {
  const reportsBytes = Object.values(plan.reportBytes).reduce((a, b) => a + b, 0);
  return [
    line('SES', 'digest e-mail', 1, 'e-mails', options.prices.ses.perEmail),
    line('SES', 'attachments (at most attachMaxBytes)', Math.min(reportsBytes, options.attachMaxBytes) / GB, 'GB', options.prices.ses.attachmentsPerGb),
  ];
}
