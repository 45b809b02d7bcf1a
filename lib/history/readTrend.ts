import { StoreError } from '../errors';
import { parseTrendCounts, type TrendPoint } from '../report/trend';
import { parseTimestamp } from '../time';
import type { HistoryRun, HistoryStore } from './HistoryStore';

/** A scope's past trend points, oldest first, and why any were left out (sentences for the run's warnings). */
export interface PastTrend {
  points: TrendPoint[];
  warnings: string[];
}

/** Damaged records named in the warning; the rest are counted. */
const SHOWN = 3;

/**
 * The trend points of a scope's last `limit` committed runs, oldest first, for
 * the run about to be reported to end with its own. Like `previous`, a history
 * that cannot be read never blocks a run: a damaged record, or a store that
 * cannot be listed, leaves points out and says so in `warnings`. Runs recorded
 * before trends (no counts) are left out quietly: they are history, not damage.
 * `latest` is the scope's latest run as `previous` read it: an index that lags
 * (DynamoDB's is eventually consistent) still ends with it.
 *
 * @example
 * const { points, warnings } = await readTrend(store, 'estate', 13, previous?.run ?? null);
 * // points: [{ runId: 'audit-…', finishedAt: '…', openViolations: 12, newViolations: 3, resolvedViolations: 1 }, …]
 */
export async function readTrend(store: HistoryStore, scope: string, limit: number, latest: HistoryRun | null): Promise<PastTrend> {
  if (limit < 1) return { points: [], warnings: [] };
  const warnings: string[] = [];
  const damaged: string[] = [];
  let runs: HistoryRun[];
  try {
    runs = await store.recentRuns(scope, limit, (reason) => damaged.push(reason));
  } catch (error) {
    if (!(error instanceof StoreError)) throw error;
    runs = [];
    warnings.push(`The trend shows ${latest ? 'only the latest earlier run' : 'no earlier run'} of scope ${scope}: ${error.message}`);
  }
  if (latest && !runs.some((run) => run.runId === latest.runId)) runs = [latest, ...runs].slice(0, limit);
  const points = pointsOf(runs, damaged).reverse();
  if (damaged.length > 0) {
    const shown = damaged.slice(0, SHOWN).join('; ');
    const more = damaged.length > SHOWN ? `; and ${damaged.length - SHOWN} more` : '';
    warnings.push(`The trend leaves out ${damaged.length === 1 ? 'a history record' : `${damaged.length} history records`} of scope ${scope} that cannot be read: ${shown}${more}.`);
  }
  return { points, warnings };
}

/** The runs' points in the runs' order: without counts, left out; with damaged counts or end, left out and named in `damaged`. */
function pointsOf(runs: readonly HistoryRun[], damaged: string[]): TrendPoint[] {
  const points: TrendPoint[] = [];
  for (const run of runs) {
    const counts = parseTrendCounts(run.counts);
    if (counts === null) continue;
    const finishedMs = parseTimestamp(run.finishedAt);
    if (typeof counts === 'string' || finishedMs === null) {
      damaged.push(`the record of run ${run.runId} is damaged (${typeof counts === 'string' ? counts : 'no finishedAt timestamp'})`);
    } else points.push({ runId: run.runId, finishedAt: new Date(finishedMs).toISOString(), ...counts });
  }
  return points;
}
