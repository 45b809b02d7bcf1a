/**
 * The reduce phase's last step: what makes a finished run its scope's latest.
 * A complete run gets a pending commit (its history entry: snapshot, digest,
 * trend counts, where each report is kept and its SHA-256); an incomplete run
 * proves nothing and its history is dropped. Committing is separate, because
 * some callers must first store the reports elsewhere (S3) before the run counts.
 */
import { resolve } from 'node:path';
import { HistoryConflictError, type HistoryRun, type HistoryWriter } from '../../history/HistoryStore';
import type { FormatId } from '../../report/formats/formatIds';
import type { RunInfo } from '../../report/ReportModel';
import type { TrendPoint } from '../../report/trend';

export interface PendingHistory {
  commit(): Promise<void>;
  abort(): Promise<void>;
}

export interface HistoryCommitInput {
  writer: HistoryWriter;
  scope: string;
  /** The finished run (its finishedAt set). */
  run: RunInfo;
  /** Whether every part of the snapshot was read (summary.complete). */
  complete: boolean;
  /** This run's trend point, final. */
  trendPoint: TrendPoint | null;
  reports: Partial<Record<FormatId, string>>;
  sha256: Partial<Record<FormatId, string>>;
  /** Where the history should say a report is kept (default: its absolute local path). */
  reportLocation?: (format: FormatId, localPath: string) => string;
}

/**
 * The pending commit of a complete run, or null once an incomplete run's history is aborted.
 *
 * @example
 * const pending = await prepareHistoryCommit({ writer, scope: 'estate', run: head.run, complete: true, trendPoint, reports, sha256 });
 * await commitHistory(pending!); // undefined, or why another run stayed the latest
 */
export async function prepareHistoryCommit(input: HistoryCommitInput): Promise<PendingHistory | null> {
  const { writer, run, trendPoint } = input;
  if (!input.complete) {
    // An incomplete run proves nothing: the next run compares with the last complete one.
    await writer.abort();
    return null;
  }
  const entry: HistoryRun = {
    runId: run.id,
    scope: input.scope,
    snapshotId: run.snapshotId,
    snapshotCapturedAt: run.snapshotCapturedAt,
    snapshotSha256: run.snapshotSha256 ?? '',
    finishedAt: run.finishedAt,
    ...(trendPoint ? { counts: { openViolations: trendPoint.openViolations, newViolations: trendPoint.newViolations, resolvedViolations: trendPoint.resolvedViolations } } : {}),
    reports: Object.fromEntries(
      (Object.entries(input.reports) as [FormatId, string][]).map(([format, path]) => [format, { path: input.reportLocation?.(format, path) ?? resolve(path), sha256: input.sha256[format]! }]),
    ),
  };
  return { commit: () => writer.commit(entry), abort: () => writer.abort() };
}

/**
 * Commits a run's history; when another run of the scope committed first, the
 * run stays out of the history and the reason is returned instead of thrown.
 *
 * @example
 * const conflict = await commitHistory(result.pendingHistory!); // undefined when this run became the latest
 */
export async function commitHistory(pending: PendingHistory): Promise<string | undefined> {
  try {
    await pending.commit();
    return undefined;
  } catch (error) {
    if (error instanceof HistoryConflictError) return error.message;
    throw error;
  }
}
