import type { EngineChoice } from './audit/engineKind';
import defaults from './defaults.json';

/**
 * Defaults shared by the CLI, the Lambda configuration and serverless.yml
 * (which reads the same JSON file with `${file(./lib/defaults.json):name}`).
 *
 * @example
 * DEFAULTS.graceDays // 30
 */
export const DEFAULTS = Object.freeze({
  graceDays: defaults.graceDays,
  pdfRows: defaults.pdfRows,
  forecastDays: defaults.forecastDays,
  /** Runs a trend shows (the report's and the digest's chart), the run reported included. */
  trendRuns: defaults.trendRuns,
  /** Owner digests: owners mailed per run, findings listed in one mail, rows in its CSV. */
  ownerMailCap: defaults.ownerMailCap,
  ownerListCap: defaults.ownerListCap,
  ownerCsvCap: defaults.ownerCsvCap,
  staleAfterHours: defaults.staleAfterHours,
  presignSeconds: defaults.presignSeconds,
  attachMaxBytes: defaults.attachMaxBytes,
  reportRetentionDays: defaults.reportRetentionDays,
  waiversKey: defaults.waiversKey,
  timeReserveSeconds: defaults.timeReserveSeconds,
  maxActiveAudits: defaults.maxActiveAudits,
  workerMaxEventAgeSeconds: defaults.workerMaxEventAgeSeconds,
  /** The longest a waiver may last, createdAt to expiresAt. */
  maxWaiverDays: defaults.maxWaiverDays,
  /** A capture time later than the audit (or the load) by more than this is invalid: clocks differ, snapshots do not come from the future. */
  maxCaptureSkewMinutes: defaults.maxCaptureSkewMinutes,
  /** Which engine evaluates: 'sql' (the catalog compiled to SQL, DuckDB), 'reference' (TypeScript) or 'auto' (by the snapshot's size: lib/audit/engineKind.ts). */
  engine: defaults.engine as EngineChoice,
  /** DuckDB's memory limit; beyond it the SQL engine spills to its temp directory. */
  memoryLimit: defaults.memoryLimit,
  /** A snapshot of at least this many items runs as a Step Functions Distributed Map, a smaller one in one Lambda (lib/plan). */
  distributedThresholdItems: defaults.distributedThresholdItems,
  /** The fewest partitions (itemId ranges read by Query) a run on the state machine is cut into; lib/plan/partitionCount.ts adds more when a map child needs it. */
  partitions: defaults.partitions,
  /** Days a run's intermediate files (plan, partitions' findings) are kept in the run files bucket. */
  runFilesDays: defaults.runFilesDays,
  /** The Distributed Map's ItemBatcher: partitions per child workflow. */
  mapItemsPerBatch: defaults.mapItemsPerBatch,
  /** The Distributed Map's MaxConcurrency: child workflows at once (the plan warns when they would read faster than the table's partition serves). */
  mapMaxConcurrency: defaults.mapMaxConcurrency,
});
