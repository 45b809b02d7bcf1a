/**
 * What a partitioned run's plan step leaves for its map and reduce steps, and
 * where every step's output lives in the run-files bucket (`deps.runFiles`: no
 * Object Lock, everything expires after runFilesDays): fixed keys under
 * `runs/<runId>/`, so a retried step overwrites its own output (at-least-once
 * is safe) and the reduce finds every partition's without listing.
 */
import type { Waiver } from '../engine/waivers';
import type { Partition } from '../partitioned/Partition';
import type { ReportStore } from './ReportStore';
import type { AuditRequest } from './RunRecord';

/** The plan of one run, as `runs/<runId>/plan.json` keeps it. */
export interface PartitionedRunPlan {
  runId: string;
  /** The run's start: the reports' startedAt, and where the capture bound came from. */
  startedAt: string;
  /** The snapshot every step reads, fixed by the plan (a newer one loaded meanwhile is not mixed in). */
  snapshotId: string;
  /** Capture times after this are invalid: the same bound in every partition. */
  capturedNotAfterMs: number;
  partitions: Partition[];
  request: AuditRequest;
  /** The waivers in force when the run was planned, so every partition and the reduce judge by the same. */
  waivers: Waiver[];
  /** The ranges the history diff is cut into (lib/partitioned/diffRanges.ts), null for a run without history (a dry run). */
  diffRanges: number | null;
  /** The itemId ranges the reports are written in, each by a child of the AssembleParts map (lib/partitioned/assemblePart.ts). */
  parts: number;
}

/** The object keys of a run's plan and of each partition's output. */
export const partitionedRunKeys = {
  plan: (runId: string) => `runs/${runId}/plan.json`,
  /** The partition's PartitionResult: written last, so its presence means its lines are complete. */
  result: (runId: string, index: number) => `runs/${runId}/partitions/${index}.json`,
  /** The partition's findings as keyed lines, sorted, in segments (mapPartition's linesPath; the result says where each segment is). */
  lines: (runId: string, index: number) => `runs/${runId}/partitions/${index}.ndjson`,
  /** A diff range's RangeResult: written last, so its presence means its files are complete. */
  range: (runId: string, range: number) => `runs/${runId}/ranges/${range}.json`,
  /** A diff range's files (keyed lines, Brotli): its findings by itemId, its new states and its resolved findings by key. */
  rangeFile: (runId: string, range: number, file: RangeFile) => `runs/${runId}/ranges/${range}.${file}`,
  /** A part's PartResult: written last, so its presence means its files are complete. */
  part: (runId: string, part: number) => `runs/${runId}/parts/${part}.json`,
  /** A part's bytes of one report (the format's extension: json, csv). */
  partFile: (runId: string, part: number, extension: string) => `runs/${runId}/parts/${part}.findings.${extension}`,
  /** What a report ends with (resolved findings, closing), stored for the assembly in S3. */
  tail: (runId: string, extension: string) => `runs/${runId}/parts/tail.${extension}`,
};

/** The files a diff range leaves. */
export type RangeFile = 'findings' | 'states' | 'resolved';

/**
 * The stored plan of a run, or null when it was never planned (or its plan step had not stored it yet).
 *
 * @example
 * (await readRunPlan('audit-…', deps.runFiles))?.partitions.length // 16
 */
export function readRunPlan(runId: string, runFiles: ReportStore): Promise<PartitionedRunPlan | null> {
  return runFiles.readJson<PartitionedRunPlan>(partitionedRunKeys.plan(runId));
}
