/**
 * The reduce phase's comparison with history: the run's findings against the
 * scope's previous completed run, streaming by identity (the reference engine,
 * a merge-join of sorted runs; lib/history/diffFindings.ts) or as DuckDB joins
 * (the SQL engine). Each finding gets its status, the previous violations that
 * are gone are written as resolved, ended legal holds are counted, the run's
 * finding states go to a new history writer, and the trend is read. A damaged
 * history never blocks an audit: it compares with nothing and says why.
 */
import type { Finding } from '../../model';
import { diffFindings } from '../../history/diffFindings';
import type { HistoryStore, HistoryWriter, PreviousRun } from '../../history/HistoryStore';
import { readTrend } from '../../history/readTrend';
import { toJsonLine } from '../../report/FindingSorter';
import { TextSink } from '../../report/formats/TextSink';
import type { Changes, HoldEntry, ResolvedFinding, RunInfo } from '../../report/ReportModel';
import type { TrendPoint } from '../../report/trend';
import type { Evaluation } from '../evaluateEntries';
import type { FindingRouter } from './FindingRouter';
import { HOLD_LIST_CAP } from './SnapshotTally';

export interface DiffWithHistoryInput {
  history: { store: HistoryStore; scope: string };
  /** The run's settled facts (assembleHead): its id, capture time and start. */
  run: Pick<RunInfo, 'id' | 'snapshotCapturedAt' | 'startedAt' | 'finishedAt'>;
  /** Violations open in this run so far (the trend point's; set again once repeated itemIds are marked). */
  openViolations: number;
  /** Runs the trend shows, this one included. */
  trendRuns: number;
  /** Where the resolved findings are written, one JSON line each (the reports read them back). */
  resolvedFile: string;
  /** The SQL engine's diff (Evaluation.diff); null: the reference engine's, through the router's sorters. */
  sqlDiff: Evaluation['diff'];
  router: FindingRouter;
  signal?: AbortSignal;
}

export interface HistoryDiff {
  /** Holds this run's finding states; commit or abort it (lib/audit/phases/prepareHistoryCommit.ts). */
  writer: HistoryWriter;
  changes: Changes;
  /** The scope's earlier points and this run's, oldest first. */
  trend: TrendPoint[];
  /** This run's point, the last of `trend` (its end and open violations are final only once the reports are written). */
  trendPoint: TrendPoint;
  /** Legal holds of the previous run that ended (the first HOLD_LIST_CAP listed). */
  holdsEnded: { ended: number; endedList: HoldEntry[] };
  /** Why the history could not be used whole (damaged records), for the summary. */
  warnings: string[];
}

/** The history side of a diff, begun: the run compared with, the writer of this run's states, the trend so far. */
export interface BegunHistory {
  previous: PreviousRun | null;
  /** Holds this run's finding states; aborted by the caller if the run fails. */
  writer: HistoryWriter;
  /** The scope's earlier trend points, oldest first. */
  pastPoints: TrendPoint[];
  /** Why the history could not be used whole (damaged records), for the summary. */
  warnings: string[];
}

/**
 * Finds the run to compare with, begins this run's states and reads the trend (the
 * first half of a diff, which a partitioned run does once before diffing its ranges).
 * On failure the writer it began is aborted before the error is rethrown.
 *
 * @example
 * const begun = await beginHistory(history, head.run, 14);
 * begun.previous?.run.runId // the run this one is compared with
 */
export async function beginHistory(history: { store: HistoryStore; scope: string }, run: Pick<RunInfo, 'id'>, trendRuns: number): Promise<BegunHistory> {
  const warnings: string[] = [];
  let basisRunId: string | null = null;
  const previous = await history.store.previous(history.scope, (skip) => {
    warnings.push(skip.reason);
    basisRunId = skip.headRunId;
  });
  const writer = history.store.begin(history.scope, run.id, previous?.run.runId ?? basisRunId);
  try {
    // Read with the basis, so the trend's last earlier point is the run this one is compared with.
    const pastTrend = await readTrend(history.store, history.scope, trendRuns - 1, previous?.run ?? null);
    warnings.push(...pastTrend.warnings);
    return { previous, writer, pastPoints: pastTrend.points, warnings };
  } catch (error) {
    await writer.abort();
    throw error;
  }
}

/**
 * The diff's outcome for the head, once every finding is diffed (the second half of a diff).
 *
 * @example
 * const diff = historyDiffOf(begun, head.run, counts, holdsEnded, summary.byVerdict.violation);
 */
export function historyDiffOf(
  begun: BegunHistory,
  run: DiffWithHistoryInput['run'],
  counts: Omit<Changes, 'previousRunId' | 'previousCapturedAt'>,
  holdsEnded: HistoryDiff['holdsEnded'],
  openViolations: number,
): HistoryDiff {
  const { previous } = begun;
  const changes: Changes = { previousRunId: previous?.run.runId ?? null, previousCapturedAt: previous?.run.snapshotCapturedAt ?? null, ...counts };
  const trendPoint: TrendPoint = { runId: run.id, finishedAt: run.finishedAt, openViolations, newViolations: counts.newViolations, resolvedViolations: counts.resolved };
  return { writer: begun.writer, changes, trend: [...begun.pastPoints, trendPoint], trendPoint, holdsEnded, warnings: begun.warnings };
}

/**
 * Diffs the run with its scope's previous completed run. On failure the history
 * writer it began is aborted before the error is rethrown.
 *
 * @example
 * const diff = await diffWithHistory({ history, run: head.run, openViolations: 3, trendRuns: 14, resolvedFile, sqlDiff: null, router });
 * diff.changes.newViolations // violations not in the previous run
 */
export async function diffWithHistory(input: DiffWithHistoryInput): Promise<HistoryDiff> {
  const { run } = input;
  const begun = await beginHistory(input.history, run, input.trendRuns);
  const { previous, writer } = begun;
  try {
    const resolvedSink = new TextSink(input.resolvedFile);
    const seenAt = run.snapshotCapturedAt ?? run.startedAt;
    const resolved = (entry: ResolvedFinding) => resolvedSink.write(`${toJsonLine(entry)}\n`);
    const holdsEnded = { ended: 0, endedList: [] as HoldEntry[] };
    let counts: Omit<Changes, 'previousRunId' | 'previousCapturedAt'>;
    if (input.sqlDiff) {
      // The SQL engine diffs with joins, and keeps the diffed findings for reorder('itemId').
      const diffed = await input.sqlDiff({ previous, seenAt, writer, resolved, holdListCap: HOLD_LIST_CAP });
      counts = diffed.counts;
      holdsEnded.ended = diffed.ended;
      holdsEnded.endedList = diffed.endedList;
    } else {
      const { router, signal } = input;
      counts = await diffFindings(router.inIdentityOrder(), previous?.states() ?? null, seenAt, {
        finding: (line, itemId) => {
          signal?.throwIfAborted();
          return router.addDiffed(line, itemId);
        },
        state: (state) => writer.write(state),
        resolved,
        holdEnded: (entry) => {
          holdsEnded.ended += 1;
          if (holdsEnded.endedList.length < HOLD_LIST_CAP) holdsEnded.endedList.push(entry);
        },
        holdReason: (line) => (JSON.parse(line) as Finding).reason,
      });
    }
    await resolvedSink.close();
    return historyDiffOf(begun, run, counts, holdsEnded, input.openViolations);
  } catch (error) {
    await writer.abort();
    throw error;
  }
}
