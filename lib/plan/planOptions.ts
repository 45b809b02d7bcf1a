import { DEFAULTS } from '../defaults';
import type { FormatId } from '../report/formats/formatIds';
import { ASSUMED } from './throughput';

/** What the planner may be told; every field has a default (`DEFAULT_PLAN_OPTIONS`). */
export interface PlanOptions {
  /** One Lambda below this many items, a Distributed Map from it on. */
  distributedThresholdItems: number;
  /** Above this many items the partitions are the files of a DynamoDB Export to S3. */
  exportThresholdItems: number;
  /** ItemBatcher: partitions per child workflow. */
  mapItemsPerBatch: number;
  /** MaxConcurrency: child workflows at once (lowered to the table's read quota for a Scan). */
  mapMaxConcurrency: number;
  /** Memory and /tmp of the audit functions (serverless.yml: auditWorker). */
  memoryMb: number;
  ephemeralMb: number;
  /** A map child should finish within this many seconds. */
  targetChildSeconds: number;
  /** The reports the run writes (the nightly run: json, csv, pdf). */
  formats: readonly FormatId[];
}

/** The formats of the nightly run (handlers/scheduledAudit.ts). */
export const NIGHTLY_FORMATS: readonly FormatId[] = ['json', 'csv', 'pdf'];

export const DEFAULT_PLAN_OPTIONS: Readonly<PlanOptions> = Object.freeze({
  distributedThresholdItems: DEFAULTS.distributedThresholdItems,
  exportThresholdItems: DEFAULTS.exportThresholdItems,
  mapItemsPerBatch: DEFAULTS.mapItemsPerBatch,
  mapMaxConcurrency: DEFAULTS.mapMaxConcurrency,
  memoryMb: 2048,
  ephemeralMb: 4096,
  targetChildSeconds: ASSUMED.targetChildSeconds,
  formats: NIGHTLY_FORMATS,
});
