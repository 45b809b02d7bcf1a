/**
 * The steps every run shares, whether it reads the snapshot in one process
 * (lib/audit/runAudit.ts) or reduces a partitioned run's map steps
 * (lib/partitioned/reduceMapped.ts): its tally and report set opened, then,
 * once its findings are in the reports, the diff's outcome in the head, the
 * end time, the reports completed and hashed, the history prepared and committed.
 */
import type { FormatId } from '../../report/formats/reportFormats';
import type { ReportHead, SeriousFinding } from '../../report/ReportModel';
import type { AuditResult, RunAuditOptions } from '../runAudit';
import type { HistoryDiff } from './diffWithHistory';
import { commitHistory, prepareHistoryCommit, type PendingHistory } from './prepareHistoryCommit';
import type { AuditPlan } from './planAudit';
import { ReportSet } from './ReportSet';

import type { SnapshotTally } from './SnapshotTally';

/** A report already where reports are kept: its key, and its bytes. */
export interface StoredReportRef {
  key: string;
  bytes: number;
}

/**
 * The report set that writes the run's reports, correcting `counts`' summary as repeated itemIds are marked.
 *
 * @example
 * const reports = reportSetOf(options, plan, counts);
 */
export function reportSetOf(options: RunAuditOptions, plan: Pick<AuditPlan, 'runId'>, counts: SnapshotTally): ReportSet {
  return new ReportSet({
    formats: options.formats,
    outDir: options.outDir,
    runId: plan.runId,
    catalog: options.catalog,
    pdfRowsPerModule: options.pdfRowsPerModule ?? 200,
    summary: counts.summary,
    signal: options.signal,
    onProgress: options.onProgress,
  });
}

/**
 * Puts a history diff's outcome in the head: its warnings, the holds that ended, the changes and the trend.
 *
 * @example
 * applyDiff(head, counts, diff); head.changes?.newViolations
 */
export function applyDiff(head: ReportHead, counts: SnapshotTally, diff: HistoryDiff): void {
  counts.summary.warnings.push(...diff.warnings);
  Object.assign(counts.holds, diff.holdsEnded);
  head.changes = diff.changes;
  head.trend = diff.trend;
}

/** A run's reports as finishAudit completes them: written in one pass (ReportSet), or assembled from parts (lib/partitioned/AssembledReports.ts). */
export interface RunReports {
  /** Local report paths by format. */
  readonly paths: Partial<Record<FormatId, string>>;
  /** Reports already where reports are kept (the reports bucket), by format: not in `paths`. */
  readonly stored?: Partial<Record<FormatId, StoredReportRef>>;
  finish(head: ReportHead, resolvedFile: string | null): Promise<Partial<Record<FormatId, string>>>;
}

export interface FinishAuditInput {
  options: Pick<RunAuditOptions, 'history' | 'deferHistoryCommit' | 'reportLocation' | 'now'>;
  head: ReportHead;
  counts: SnapshotTally;
  reports: RunReports;
  diff: HistoryDiff | null;
  mostSerious: SeriousFinding[];
  /** The diff's resolved findings (NDJSON), for the reports' tails. */
  resolvedFile: string | null;
}

/**
 * Ends the run: the reports completed with the final head and hashed, then the
 * history commit prepared (and made, unless the caller defers it).
 *
 * @example
 * return finishAudit({ options, head, counts, reports, diff, mostSerious, resolvedFile });
 */
export async function finishAudit(input: FinishAuditInput): Promise<Omit<AuditResult, 'engine'>> {
  const { options, head, counts, reports, diff } = input;
  head.run.finishedAt = (options.now ?? (() => new Date()))().toISOString();
  // Repeated itemIds are marked by now: this run's trend point counts the violations its report shows.
  if (diff) Object.assign(diff.trendPoint, { finishedAt: head.run.finishedAt, openViolations: counts.summary.byVerdict.violation });
  const sha256: Partial<Record<FormatId, string>> = await reports.finish(head, input.resolvedFile);
  const history = options.history ?? null;
  let pendingHistory: PendingHistory | null = null;
  if (diff && history) {
    pendingHistory = await prepareHistoryCommit({ writer: diff.writer, trendPoint: diff.trendPoint, scope: history.scope, run: head.run, complete: counts.summary.complete, reports: { ...reports.paths, ...storedKeys(reports) }, sha256, reportLocation: options.reportLocation });
  }
  let historyConflict: string | undefined;
  if (pendingHistory && !options.deferHistoryCommit) {
    historyConflict = await commitHistory(pendingHistory);
    pendingHistory = null;
  }
  const stored = reports.stored && Object.keys(reports.stored).length > 0 ? { stored: reports.stored } : {};
  return { head, reports: reports.paths, sha256, pendingHistory, mostSerious: input.mostSerious, ...stored, ...(historyConflict ? { historyConflict } : {}) };
}

/** The keys of the reports already stored, by format (the history records where each report is). */
function storedKeys(reports: RunReports): Partial<Record<FormatId, string>> {
  return Object.fromEntries(Object.entries(reports.stored ?? {}).map(([format, ref]) => [format, ref.key]));
}
