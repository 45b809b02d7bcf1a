import { z } from 'zod';
import { DEFAULTS } from '../defaults';
import { UsageError } from '../errors';
import { ENGINE_CHOICES } from '../audit/engineKind';
import { MAX_PARTITIONS } from '../partitioned/planPartitions';
import { CHANNELS } from './notifiers/Notifier';

const emails = z
  .string()
  .min(1)
  .transform((value) => value.split(',').map((part) => part.trim()).filter(Boolean))
  .pipe(z.array(z.email()).min(1));

const channelList = z
  .string()
  .transform((value) => value.split(',').map((part) => part.trim()).filter(Boolean))
  .pipe(z.array(z.enum(CHANNELS)).min(1, 'name at least one channel').refine((ids) => new Set(ids).size === ids.length, 'must not repeat a channel'));

const bucketName = z.string().min(3).regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name');

/** The deployment's configuration, from environment variables set per stage in serverless.yml. */
export const deliveryConfigSchema = z.object({
  INVENTORY_TABLE: z.string().min(3),
  RUNS_TABLE: z.string().min(3),
  /** Reports (and the waivers object) go to this bucket; offline, a local S3 server's (AWS_ENDPOINT_URL_S3). */
  REPORTS_BUCKET: bucketName,
  /**
   * The state machine's run files (runs/<runId>/: the plan, each partition's findings and result) go to this
   * bucket, which has no Object Lock and expires them after runFilesDays. Unset (local runs, tests): the reports bucket.
   */
  RUN_FILES_BUCKET: bucketName.optional(),
  DPO_EMAIL: emails.describe('the DPO address'),
  SENDER_EMAIL: z.email(),
  SMTP_URL: z.url().optional(),
  /** Where a run that asks to notify delivers (comma-separated channel ids, lib/delivery/notifiers/channelRegistry.ts); `email` is the DPO's digest. */
  NOTIFY_CHANNELS: channelList.default(['email']),
  DYNAMODB_ENDPOINT: z.url().optional(),
  AWS_REGION: z.string().min(1).default('eu-central-1'),
  PRESIGN_TTL_SECONDS: z.coerce.number().int().min(60).max(43_200).default(DEFAULTS.presignSeconds),
  ATTACH_MAX_BYTES: z.coerce.number().int().min(0).max(30 * 1024 * 1024).default(DEFAULTS.attachMaxBytes),
  GRACE_DAYS: z.coerce.number().int().min(1).default(DEFAULTS.graceDays),
  PDF_ROWS: z.coerce.number().int().min(1).default(DEFAULTS.pdfRows),
  FORECAST_DAYS: z.coerce.number().int().min(0).default(DEFAULTS.forecastDays),
  TREND_RUNS: z.coerce.number().int().min(1).default(DEFAULTS.trendRuns),
  STALE_AFTER_HOURS: z.coerce.number().int().min(1).default(DEFAULTS.staleAfterHours),
  /** Reports expire from the bucket after this many days; run records (and their links) with them. */
  REPORT_RETENTION_DAYS: z.coerce.number().int().min(1).default(DEFAULTS.reportRetentionDays),
  /** Waivers (YAML): an object key in the reports bucket; a missing object means none. */
  WAIVERS_KEY: z.string().min(1).default(DEFAULTS.waiversKey),
  /** A waiver lasting longer than this many days (createdAt to expiresAt) is refused, and the run with it. */
  MAX_WAIVER_DAYS: z.coerce.number().int().min(1).max(3650).default(DEFAULTS.maxWaiverDays),
  /** The worker function started for each HTTP run (asynchronous invocation). */
  AUDIT_WORKER_FUNCTION: z.string().min(1),
  /**
   * The Step Functions state machine that runs large audits (plan → map → reduce).
   * Unset: every audit runs in one Lambda, whatever its size.
   */
  STATE_MACHINE_ARN: z.string().regex(/^arn:aws[\w-]*:states:[\w-]+:\d{12}:stateMachine:[\w-]{1,80}$/, 'must be a Step Functions state machine ARN').optional(),
  /**
   * A snapshot of at least this many items is audited by the state machine (its manifest's itemCount,
   * else DescribeTable's); the same default as `run --explain` plans with (lib/defaults.json).
   */
  PARTITION_THRESHOLD_ITEMS: z.coerce.number().int().min(1).default(DEFAULTS.distributedThresholdItems),
  /**
   * Partitions (itemId ranges of the snapshot) a run on the state machine is cut into. At most
   * 1,000: the plan step hands them to the map in its answer, which Step Functions caps at 256 KiB.
   */
  PARTITIONS: z.coerce.number().int().min(1).max(MAX_PARTITIONS).default(DEFAULTS.partitions),
  /** Partitions per Distributed Map child (the ItemBatcher's MaxItemsPerBatch): the plan sizes partitions for a child. */
  MAP_ITEMS_PER_BATCH: z.coerce.number().int().min(1).default(DEFAULTS.mapItemsPerBatch),
  /** The audit functions' timeout: a run still `running` this long (plus a minute) after it started is swept as failed. */
  AUDIT_TIMEOUT_SECONDS: z.coerce.number().int().min(10).max(900).default(900),
  /** How long an asynchronous invocation may wait in Lambda's queue: a run `queued` longer than this (plus the timeout) is swept. */
  WORKER_MAX_EVENT_AGE_SECONDS: z.coerce.number().int().min(60).max(21_600).default(DEFAULTS.workerMaxEventAgeSeconds),
  /** A run stops this long before its function's deadline, to record the failure and send the failure mail. */
  TIME_RESERVE_SECONDS: z.coerce.number().int().min(1).max(300).default(DEFAULTS.timeReserveSeconds),
  /** POST /audits answers 429 while this many runs are queued or running. */
  MAX_ACTIVE_AUDITS: z.coerce.number().int().min(1).max(100).default(DEFAULTS.maxActiveAudits),
  /** Which engine evaluates: the catalog compiled to SQL (DuckDB, packaged for the function's architecture), the TypeScript reference, or auto (by the snapshot's size: lib/audit/engineKind.ts). */
  ENGINE: z.enum(ENGINE_CHOICES).default(DEFAULTS.engine),
  /** DuckDB's memory limit in the function (the rest of its memory is Node's); beyond it, DuckDB spills to /tmp. */
  DUCKDB_MEMORY_LIMIT: z.string().regex(/^\d+(\.\d+)?\s*(KB|MB|GB|KiB|MiB|GiB)$/i, 'must be a size such as 1GB').default(DEFAULTS.memoryLimit),
  /** DuckDB's threads in the function (Lambda gives one vCPU per 1,769 MB). */
  DUCKDB_THREADS: z.coerce.number().int().min(1).max(16).default(2),
});
export type DeliveryConfig = z.infer<typeof deliveryConfigSchema>;

/**
 * Reads and checks the configuration; a missing or malformed variable fails
 * with one sentence naming it.
 *
 * @example
 * const config = readDeliveryConfig(process.env);
 */
export function readDeliveryConfig(env: Record<string, string | undefined>): DeliveryConfig {
  // serverless.yml writes unset optional variables as empty strings.
  const set = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = deliveryConfigSchema.safeParse(set);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UsageError(`Configuration ${String(issue.path[0] ?? '')} is invalid: ${issue.message}.`);
  }
  return parsed.data;
}
