import type { EngineChoice } from '../audit/engineKind';
import { DEFAULTS } from '../defaults';
import type { FormatId } from '../report/formats/formatIds';
import { ASSUMED } from './throughput';

/** What the planner may be told; every field has a default (`DEFAULT_PLAN_OPTIONS`), the deployment's. */
export interface PlanOptions {
  /** One Lambda below this many items, the state machine (plan → map → diff → assemble → reduce) from it on. */
  distributedThresholdItems: number;
  /** The fewest partitions a run on the state machine is cut into (stage param `partitions`); more when a map child needs it (partitionCount). */
  partitions: number;
  /** ItemBatcher: partitions per child workflow, mapped one after the other. */
  mapItemsPerBatch: number;
  /** MaxConcurrency: child workflows at once (the plan warns when they would read faster than the table's partition serves). */
  mapMaxConcurrency: number;
  /** The engine that evaluates (stage param `engine`; `auto` by the snapshot's size in one Lambda, reference in the map children: lib/audit/engineKind.ts). */
  engine: EngineChoice;
  /** Memory and /tmp of the audit functions (serverless.yml: auditWorker, mapPartitions, reduceAudit). */
  memoryMb: number;
  ephemeralMb: number;
  /** /tmp of the reduce step (serverless.yml: reduceAudit), which holds the reports it writes itself (the PDF; HTML, OCSF, Parquet when asked) before their upload. */
  reduceEphemeralMb: number;
  /** Memory and /tmp of a diff child (serverless.yml: diffRanges). */
  diffMemoryMb: number;
  diffEphemeralMb: number;
  /** Memory and /tmp of an assembly child (serverless.yml: assembleParts), sized as a diff child, whose findings it reads. */
  assembleMemoryMb: number;
  assembleEphemeralMb: number;
  /** Memory of the plan step's function (serverless.yml: planAudit). */
  planMemoryMb: number;
  /** A map child should finish its batch within this many seconds. */
  targetChildSeconds: number;
  /** The reports the run writes (the nightly run: json, csv, pdf). */
  formats: readonly FormatId[];
  /**
   * Whether the run compares with and keeps history, as the nightly run does; a dry run keeps
   * none, so it has no diff step (`run --explain --no-history` plans one).
   */
  history: boolean;
}

/** The formats of the nightly run (handlers/scheduledAudit.ts). */
export const NIGHTLY_FORMATS: readonly FormatId[] = ['json', 'csv', 'pdf'];

/** A diff child's memory and /tmp as serverless.yml deploys diffRanges; assembleParts has the same. */
const DIFF_MEMORY_MB = 2048;
const DIFF_EPHEMERAL_MB = 4096;

export const DEFAULT_PLAN_OPTIONS: Readonly<PlanOptions> = Object.freeze({
  distributedThresholdItems: DEFAULTS.distributedThresholdItems,
  partitions: DEFAULTS.partitions,
  mapItemsPerBatch: DEFAULTS.mapItemsPerBatch,
  mapMaxConcurrency: DEFAULTS.mapMaxConcurrency,
  engine: DEFAULTS.engine,
  memoryMb: 2048,
  ephemeralMb: 4096,
  reduceEphemeralMb: 10240,
  diffMemoryMb: DIFF_MEMORY_MB,
  diffEphemeralMb: DIFF_EPHEMERAL_MB,
  assembleMemoryMb: DIFF_MEMORY_MB,
  assembleEphemeralMb: DIFF_EPHEMERAL_MB,
  planMemoryMb: 1024,
  targetChildSeconds: ASSUMED.targetChildSeconds,
  formats: NIGHTLY_FORMATS,
  history: true,
});
