/**
 * The trend of a scope: how its open violations moved over its last runs. The
 * history keeps each committed run's counts (HistoryRun.counts); the run reads
 * the last ones back and ends the list with its own point (ReportHead.trend),
 * which the PDF, the HTML report and the digest draw.
 */
import { parseTimestamp } from '../time';

/**
 * One run in a scope's trend: how many violations were open after it, how many
 * were new in it and how many it found resolved. The trend is the last N runs of
 * the scope (from history), oldest first, ending with the run being reported.
 *
 * - `openViolations`: the run's findings with verdict `violation` (summary.byVerdict.violation).
 * - `newViolations`: its violations whose identity was not a violation in the run it was
 *   compared with (changes.newViolations); in a run compared with none, all of them.
 * - `resolvedViolations`: violations of the run it was compared with whose identity has no
 *   violation any more (changes.resolved, which counts violations only); 0 when compared with none.
 */
export interface TrendPoint {
  runId: string;
  finishedAt: string;
  openViolations: number;
  newViolations: number;
  resolvedViolations: number;
}

/** What the history keeps of a run for its trend point (the run's id and end are the record's own). */
export type TrendCounts = Pick<TrendPoint, 'openViolations' | 'newViolations' | 'resolvedViolations'>;

const COUNT_FIELDS = ['openViolations', 'newViolations', 'resolvedViolations'] as const;

/**
 * The counts of a history record, or why they are not counts: null when the
 * record has none (recorded before trends), a reason when they are damaged.
 *
 * @example
 * parseTrendCounts({ openViolations: 3, newViolations: 1, resolvedViolations: 0 }) // the same counts
 * parseTrendCounts(undefined) // null
 * parseTrendCounts({ openViolations: -1 }) // 'openViolations is not a count'
 */
export function parseTrendCounts(value: unknown): TrendCounts | null | string {
  if (value === undefined) return null;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'its counts are not an object';
  const counts = value as Record<string, unknown>;
  for (const field of COUNT_FIELDS) {
    const n = counts[field];
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) return `${field} is not a count`;
  }
  return { openViolations: counts.openViolations as number, newViolations: counts.newViolations as number, resolvedViolations: counts.resolvedViolations as number };
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * Short labels for a trend's points, in UTC: the day ("Mon 23 Nov"); with the
 * time when two points share a day ("Mon 23 Nov 14:05", to the second when they
 * share a minute); with the year when the
 * points span more than one. Every chart of the trend uses the same labels.
 *
 * @example
 * trendLabels([{ finishedAt: '2026-11-23T02:00:00Z', … }]) // ['Mon 23 Nov']
 */
export function trendLabels(points: readonly Pick<TrendPoint, 'finishedAt'>[]): string[] {
  const ms = points.map((point) => parseTimestamp(point.finishedAt));
  // A time beyond Date's range parses but has no ISO form: shown as it is, like one that does not parse.
  const dates = ms.map((value) => (value === null || !Number.isFinite(new Date(value).getTime()) ? null : new Date(value)));
  const dayKey = (date: Date | null) => (date ? date.toISOString().slice(0, 10) : null);
  const minuteKey = (date: Date | null) => (date ? date.toISOString().slice(0, 16) : null);
  const years = new Set(dates.filter((date) => date !== null).map((date) => date.getUTCFullYear()));
  return dates.map((date, index) => {
    // Not a time (a head from elsewhere): shown as it is, for the caller to escape.
    if (!date) return points[index]!.finishedAt;
    const day = `${WEEKDAYS[date.getUTCDay()]} ${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]}`;
    const year = years.size > 1 ? ` ${date.getUTCFullYear()}` : '';
    const sharesDay = dates.filter((other) => dayKey(other) === dayKey(date)).length > 1;
    const sharesMinute = sharesDay && dates.filter((other) => minuteKey(other) === minuteKey(date)).length > 1;
    return `${day}${year}${sharesDay ? ` ${date.toISOString().slice(11, sharesMinute ? 19 : 16)}` : ''}`;
  });
}
