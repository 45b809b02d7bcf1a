import { DEFAULTS } from '../defaults';
import PRICES from './prices.json';
import type { RunPlan } from './planRun';
import { putRequests } from '../aws/multipart';
import { ASSUMED, keyedLineBytes, LIMITS } from './throughput';

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
  "Not counted: CloudWatch logs and metrics, KMS requests of the encrypted buckets and tables, data transfer when reports are downloaded, retries, the run record's other reads and writes, the plan step's two one-item Queries (a few units each), the history's reads and writes (gzip chunks of the runs table: each diff child reads the previous run's parts of its buckets and writes its ranges' new states as parts).",
];
/** Said of a run without history. */
const DRY_RUN_NOTE = 'A run without history is a dry run: it stores no report and sends no mail (its report parts are written, and expire with the run files).';

/**
 * What a planned run costs at list prices, per run and per month of a nightly
 * schedule: each line one thing a step of the built run does (the Lambda
 * functions, the state machine's transitions of its maps, the Queries, the S3 requests
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
    notes: storesReports(plan) ? NOTES : [...NOTES, DRY_RUN_NOTE],
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

/** The parent's states, one parent transition per child started (any map's), and each STANDARD child's own transitions. */
function stepFunctionsLines(plan: RunPlan, prices: Prices): CostLine[] {
  const { map, diff, assembly } = plan;
  if (!map) return [];
  const children = map.children + (diff?.children ?? 0) + (assembly?.children ?? 0);
  const transitions = ASSUMED.parentTransitions + children * (1 + ASSUMED.childTransitions);
  return [line('Step Functions', 'Standard state transitions (parent and children)', transitions, 'transitions', prices.stepFunctions.standardPerStateTransition)];
}

/**
 * The Queries read only the snapshot's items, billed on the bytes read; each partition, diff range
 * and report part done is one UpdateItem of the run record (it counts them: the run's progress).
 */
function dynamoLines(plan: RunPlan, prices: Prices): CostLine[] {
  const { snapshot, map, diff, assembly } = plan;
  const readUnits = Math.ceil(snapshot.bytes / LIMITS.readUnitBytes) * LIMITS.eventuallyConsistentFactor;
  const reads = line('DynamoDB', map ? 'Query of the itemId ranges, eventually consistent' : 'Query, eventually consistent', readUnits, 'read units', prices.dynamodb.perReadRequestUnit);
  if (!map) return [reads];
  const updates = map.partitions + (diff?.ranges ?? 0) + (assembly?.parts ?? 0);
  // The record grows by each one counted (its number sets): the last updates write the most.
  const recordBytes = ASSUMED.runRecordBytes + updates * ASSUMED.runRecordBytesPerPartition;
  const writeUnits = updates * Math.ceil(recordBytes / LIMITS.writeUnitBytes);
  const what = `UpdateItem of the run record, one per partition${diff ? ', diff range' : ''}${assembly ? ' and report part' : ''}`;
  return [reads, line('DynamoDB', what, writeUnits, 'write units', prices.dynamodb.perWriteRequestUnit)];
}

/** What a range leaves in S3 besides its findings: its states and its resolved findings (small, one PUT each), and its result. */
const RANGE_SMALL_PUTS = 3;
/** What the reduce reads of a range: its result, a HeadObject for each of its three files (a GET each), its states and resolved findings. */
const REDUCE_GETS_PER_RANGE = 6;
/** What an assembly child reads of each range besides its findings: its result (with its blocks) and a HeadObject for each of its three files. */
const ASSEMBLY_GETS_PER_RANGE = 4;
/** ...and of each partition without history: its result and a HeadObject of its lines. */
const ASSEMBLY_GETS_PER_PARTITION = 2;
/** The ranged GETs of an assembled report's uploaded parts: the first part file's opening bytes (with the head) and the tail. */
const UPLOADED_PART_GETS = 2;

/** S3 requests, PUT class (PutObject, multipart: create, UploadPart, UploadPartCopy, complete) and GET class (GetObject, HeadObject). */
interface Requests {
  puts: number;
  gets: number;
}

function s3Lines(plan: RunPlan, options: CostOptions): CostLine[] {
  const { map, diff, assembly } = plan;
  const { s3 } = options.prices;
  const { puts, gets } = [runRequests(plan), mapRequests(plan), assemblyRequests(plan), reduceRequests(plan)].reduce((a, b) => ({ puts: a.puts + b.puts, gets: a.gets + b.gets }));
  const months = (days: number) => days / DAYS_PER_MONTH;
  const reportGb = Object.values(plan.reportBytes).reduce((a, b) => a + b, 0) / GB;
  const runFilesGb = ((map?.linesBytes ?? 0) + (diff?.findingsBytes ?? 0) + (assembly?.partsBytes ?? 0)) / GB;
  const runFiles = `${diff ? 'partition, diff range and report part files' : 'partition and report part files'} kept ${options.runFilesDays} days`;
  return [
    line('S3', 'PUT requests', puts, 'requests', s3.putCopyPostListPerRequest),
    line('S3', 'GET requests', gets, 'requests', s3.getPerRequest),
    ...(map ? [line('S3', runFiles, runFilesGb * months(options.runFilesDays), 'GB-months', s3.standardPerGbMonth)] : []),
    ...(storesReports(plan)
      ? [line('S3', `reports kept ${options.reportRetentionDays} days (${months(options.reportRetentionDays).toFixed(1)} months)`, reportGb * months(options.reportRetentionDays), 'GB-months', s3.standardPerGbMonth)]
      : []),
  ];
}

/** A run without history is a dry run (lib/delivery/completeRun.ts): it stores no report and sends no mail. */
const storesReports = (plan: RunPlan) => plan.options.history;

/** Any run's own objects, and in one Lambda its reports (a report of a GiB or more goes up in parts: lib/aws/multipart.ts). */
function runRequests(plan: RunPlan): Requests {
  const reports = plan.map || !storesReports(plan) ? 0 : plan.options.formats.reduce((sum, format) => sum + putRequests(plan.reportBytes[format] ?? 0), 0);
  return { puts: ASSUMED.runPuts + reports, gets: ASSUMED.runGets };
}

/**
 * The plan; each partition's findings file and result; each map child reads the plan; the reduce reads it and
 * every partition's result, checking its file is there (HeadObject, a GET). With history, each diff child reads
 * the plan and every partition's result and HeadObject, each range its segment of every partition (a ranged GET),
 * and uploads its findings, states, resolved findings and result; the reduce reads each range's result and files.
 */
function mapRequests({ map, diff }: RunPlan): Requests {
  if (!map) return { puts: 0, gets: 0 };
  const { partitions } = map;
  const requests = { puts: 1 + partitions * (putRequests(map.linesBytes / partitions) + 1), gets: map.children + 1 + 2 * partitions };
  if (!diff) return requests;
  return {
    puts: requests.puts + diff.ranges * (putRequests(diff.findingsBytes / diff.ranges) + RANGE_SMALL_PUTS),
    gets: requests.gets + diff.children * (1 + 2 * partitions) + diff.ranges * partitions + diff.ranges * REDUCE_GETS_PER_RANGE,
  };
}

/**
 * Each assembly child reads the plan and every source's result (a diff range's, or without history a
 * partition's) and HeadObjects; each part checks for its own result, reads the blocks that hold its findings
 * from every source (about every block once, and one more at each edge), uploads its files (in parts from
 * 1 GiB) and its result. The reduce reads each part's result and checks its files (HeadObject).
 */
function assemblyRequests({ map, diff, assembly, snapshot }: RunPlan): Requests {
  if (!map || !assembly) return { puts: 0, gets: 0 };
  const sources = diff ? diff.ranges : map.partitions;
  const perChild = 1 + (diff ? ASSEMBLY_GETS_PER_RANGE * diff.ranges : ASSEMBLY_GETS_PER_PARTITION * map.partitions);
  const blocks = Math.ceil((snapshot.items * keyedLineBytes(false)) / LIMITS.blockChars) + assembly.parts * sources;
  const filePuts = assembly.formats.reduce((sum, format) => sum + putRequests(assembly.bytesPerPart[format] ?? 0), 0);
  return {
    puts: assembly.parts * (filePuts + 1),
    gets: assembly.children * perChild + assembly.parts + blocks + assembly.parts * (1 + assembly.formats.length),
  };
}

/**
 * The reduce's reports. Each assembled one: its tail uploaded to the run files, then a multipart upload
 * (create, the parts S3 copies, the two it uploads, complete) while it reads the pieces back to hash them
 * (8 MiB ranged GETs). The others it writes itself and uploads, reading the JSON parts back for HTML, OCSF
 * and Parquet.
 */
function reduceRequests({ reduce, assembly, reportBytes }: RunPlan): Requests {
  if (!reduce || !assembly) return { puts: 0, gets: 0 };
  let puts = 0;
  let gets = 0;
  for (const report of reduce.assembled) {
    puts += 1 + 2 + report.copyParts + report.uploadParts;
    gets += report.hashGets + UPLOADED_PART_GETS;
  }
  for (const format of reduce.written) puts += putRequests(reportBytes[format] ?? 0);
  if (reduce.fed.length > 0) gets += assembly.parts;
  return { puts, gets };
}

function sesLines(plan: RunPlan, options: CostOptions): CostLine[] {
  if (!storesReports(plan)) return [];
  const reportsBytes = Object.values(plan.reportBytes).reduce((a, b) => a + b, 0);
  return [
    line('SES', 'digest e-mail', 1, 'e-mails', options.prices.ses.perEmail),
    line('SES', 'attachments (at most attachMaxBytes)', Math.min(reportsBytes, options.attachMaxBytes) / GB, 'GB', options.prices.ses.attachmentsPerGb),
  ];
}
