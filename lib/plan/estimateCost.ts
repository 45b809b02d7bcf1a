import { DEFAULTS } from '../defaults';
import PRICES from './prices.json';
import type { RunPlan } from './planRun';
import { ASSUMED, LIMITS } from './throughput';

export type Prices = typeof PRICES;

/** One priced quantity: what is bought, how much, at what list price. */
export interface CostLine {
  service: 'Lambda' | 'Step Functions' | 'DynamoDB' | 'S3' | 'SES';
  what: string;
  quantity: number;
  unit: string;
  unitPrice: number;
  dollars: number;
  /** `run`: paid by each run (a report's storage over its whole retention included); `month`: paid monthly whatever the runs. */
  per: 'run' | 'month';
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
  runsPerMonth: DAYS_PER_MONTH,
  attachMaxBytes: DEFAULTS.attachMaxBytes,
  prices: PRICES,
});

const NOTES = [
  'List prices of the first tier, without free tier, Savings Plans or taxes.',
  'Not counted: CloudWatch logs and metrics, KMS requests of the encrypted bucket and tables, data transfer when reports are downloaded, the map parts while they exist (deleted after the reduce), retries.',
  'Step Functions: a Standard parent (the run outlasts 5 minutes; reduce, history and mail must happen exactly once) with Express children: a child is one Lambda task under 5 minutes, idempotent (it writes its parts under fixed keys), so at-least-once is safe, and a request costs $0.000001 against the several $0.000025 transitions of a Standard child.',
];

/**
 * What a planned run costs at list prices, per run and per month of a nightly
 * schedule. Pure: the plan and the prices in, dollars out.
 *
 * @example
 * estimateCost(planRun(await fileSnapshotSize('examples/inventory.ndjson'))).perRun // ≈ 0.0012 (45 items, one Lambda)
 */
export function estimateCost(plan: RunPlan, overrides: Partial<CostOptions> = {}): CostEstimate {
  const options: CostOptions = { ...DEFAULT_COST_OPTIONS, ...overrides };
  const lines = [...lambdaLines(plan, options.prices), ...stepFunctionsLines(plan, options.prices), ...dynamoLines(plan, options.prices), ...s3Lines(plan, options), ...sesLines(plan, options)];
  const perRun = sum(lines.filter((line) => line.per === 'run'));
  const perMonth = perRun * options.runsPerMonth + sum(lines.filter((line) => line.per === 'month'));
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

function line(service: CostLine['service'], what: string, quantity: number, unit: string, unitPrice: number, per: CostLine['per'] = 'run'): CostLine {
  return { service, what, quantity, unit, unitPrice, dollars: quantity * unitPrice, per };
}

const sum = (lines: CostLine[]) => lines.reduce((total, { dollars }) => total + dollars, 0);

function lambdaLines(plan: RunPlan, prices: Prices): CostLine[] {
  const { invocations, billedSeconds, memoryMb, ephemeralMb } = plan.lambda;
  const extraStorageGb = Math.max(0, ephemeralMb - prices.lambda.ephemeralStorageFreeMb) / 1024;
  return [
    line('Lambda', 'invocations', invocations, 'requests', prices.lambda.perRequest),
    line('Lambda', `duration, arm64 ${memoryMb} MB`, (memoryMb / 1024) * billedSeconds, 'GB-s', prices.lambda.arm64PerGbSecond),
    line('Lambda', `/tmp beyond ${prices.lambda.ephemeralStorageFreeMb} MB`, extraStorageGb * billedSeconds, 'GB-s', prices.lambda.ephemeralStoragePerGbSecond),
  ];
}

function stepFunctionsLines(plan: RunPlan, prices: Prices): CostLine[] {
  const map = plan.map;
  if (!map) return [];
  const exportPolls = map.exportMinutes === null ? 0 : Math.ceil((map.exportMinutes * 60) / ASSUMED.exportPollSeconds);
  // Billed duration is rounded up to 100 ms; memory in 64 MB chunks (one, for a child that only calls a Lambda).
  const childSeconds = Math.ceil(map.secondsPerChild * 10) / 10;
  const chunkGb = prices.stepFunctions.expressMemoryChunkMb / 1024;
  return [
    // One parent transition per child started (Distributed Map billing), the parent's own states, two per export poll (wait, describe).
    line('Step Functions', 'Standard state transitions', ASSUMED.parentFixedTransitions + map.children + 2 * exportPolls, 'transitions', prices.stepFunctions.standardPerStateTransition),
    line('Step Functions', 'Express child workflows', map.children, 'requests', prices.stepFunctions.expressPerRequest),
    line('Step Functions', 'Express duration (64 MB)', map.children * childSeconds * chunkGb, 'GB-s', prices.stepFunctions.expressPerGbSecond),
  ];
}

function dynamoLines(plan: RunPlan, prices: Prices): CostLine[] {
  const { snapshot, map } = plan;
  // A Scan and an export read the whole table; one Lambda reads a shared table by Query (only this snapshot).
  const tableBytes = snapshot.tableBytes ?? snapshot.bytes;
  if (map?.partitionKind === 'export-files') {
    return [
      line('DynamoDB', 'export to S3 (whole table)', tableBytes / GB, 'GB', prices.dynamodb.exportToS3PerGb),
      line('DynamoDB', 'point-in-time recovery (an export needs it)', tableBytes / GB, 'GB-month', prices.dynamodb.pitrPerGbMonth, 'month'),
    ];
  }
  const readBytes = map ? tableBytes : snapshot.bytes;
  const units = Math.ceil(readBytes / LIMITS.readUnitBytes) * LIMITS.eventuallyConsistentFactor;
  return [line('DynamoDB', map ? 'Scan, eventually consistent' : 'Query/Scan, eventually consistent', units, 'read units', prices.dynamodb.perReadRequestUnit)];
}

function s3Lines(plan: RunPlan, options: CostOptions): CostLine[] {
  const { map, reduce } = plan;
  const { formats } = plan.options;
  const { s3 } = options.prices;
  let puts = formats.length + ASSUMED.singleRunPuts;
  let gets = ASSUMED.singleRunGets;
  let lists = 0;
  if (map && reduce) {
    const partsPerChild = reduce.concatenated.length + 2; // its JSON/CSV parts, its Parquet part, its partial summary
    const copied = reduce.concatenated.length * (map.children + 2); // create, one UploadPartCopy per part, complete
    puts = map.children * partsPerChild + copied + (formats.length - reduce.concatenated.length) + ASSUMED.singleRunPuts;
    gets = map.children * 2 + ASSUMED.singleRunGets + (map.partitionKind === 'export-files' ? map.partitions : 0);
    lists = Math.ceil((map.children * partsPerChild) / 1000);
  }
  const reportGb = Object.values(plan.reportBytes).reduce((a, b) => a + b, 0) / GB;
  const months = options.reportRetentionDays / DAYS_PER_MONTH;
  return [
    line('S3', 'PUT, COPY, POST requests', puts, 'requests', s3.putCopyPostListPerRequest),
    ...(lists > 0 ? [line('S3', 'LIST requests', lists, 'requests', s3.putCopyPostListPerRequest)] : []),
    line('S3', 'GET requests', gets, 'requests', s3.getPerRequest),
    line('S3', `reports kept ${options.reportRetentionDays} days (${months.toFixed(1)} months)`, reportGb * months, 'GB-months', s3.standardPerGbMonth),
  ];
}

function sesLines(plan: RunPlan, options: CostOptions): CostLine[] {
  const reportsBytes = Object.values(plan.reportBytes).reduce((a, b) => a + b, 0);
  return [
    line('SES', 'digest e-mail', 1, 'e-mails', options.prices.ses.perEmail),
    line('SES', 'attachments (at most attachMaxBytes)', Math.min(reportsBytes, options.attachMaxBytes) / GB, 'GB', options.prices.ses.attachmentsPerGb),
  ];
}
