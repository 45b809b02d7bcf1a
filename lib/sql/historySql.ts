/**
 * The history diff (lib/history/diffFindings.ts, the specification) as joins in
 * DuckDB: this run's findings (table `findings`, lib/sql/relations.ts, with
 * `identity` and `diff_key`) against the previous run's finding states (table
 * `prev`, {@link PREV_COLUMNS}), without sorting either side. What the merge-join
 * decides group by group is a join on the identity here:
 *
 * - a finding is `persisting` when a previous state of its identity had its
 *   verdict, and keeps the first such state's `firstSeenAt`; `new` otherwise;
 * - a previous violation is `resolved` when no finding of its identity is a
 *   violation now (its identity gone, or there with other verdicts);
 * - a previous exemption has ended when its identity is still there but no
 *   finding of it is exempt.
 *
 * Lists come in the order of the previous states (`seq`), as the merge-join
 * emits them; the states of this run in the order the merge-join writes them
 * (identity, itemId, verdict, then the order read), JavaScript's string order
 * (lib/sql/jsOrderSql.ts).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { FindingState } from '../history/HistoryStore';
import type { Changes, HoldEntry, ResolvedFinding } from '../report/ReportModel';
import type { Verdict } from '../model';
import { DAY_MS, parseInstant } from '../time';
import { jsonNumberSql } from './jsonLineSql';
import { jsOrderSql } from './jsOrderSql';
import { sqlString } from './sqlText';
import { timestampMs } from './validationTimestamp';

/** Columns of table `prev`: a previous run's finding states, `seq` their order in its states file. */
export const PREV_COLUMNS = {
  seq: 'BIGINT',
  key: 'VARCHAR',
  fingerprint: 'VARCHAR',
  verdict: 'VARCHAR',
  first_seen_at: 'VARCHAR',
  item_id: 'VARCHAR',
  tenant_id: 'VARCHAR',
  module: 'VARCHAR',
  data_category: 'VARCHAR',
  resource: 'VARCHAR',
  hold: 'VARCHAR',
} as const;

/** Creates the empty `prev` table (no previous run compares as one without states). */
export async function createPrevTable(connection: DuckDBConnection): Promise<void> {
  const columns = Object.entries(PREV_COLUMNS).map(([name, type]) => `${name} ${type}`);
  await connection.run(`CREATE TABLE prev (${columns.join(', ')})`);
}

/** Appends a previous run's states, in the order given, to `prev` (for stores DuckDB cannot read itself). */
export async function appendPrevStates(connection: DuckDBConnection, states: AsyncIterable<FindingState>): Promise<void> {
  const appender = await connection.createAppender('prev');
  let seq = 0n;
  const text = (value: string | null | undefined) => (value === null || value === undefined ? appender.appendNull() : appender.appendVarchar(value));
  try {
    for await (const state of states) {
      appender.appendBigInt(seq++);
      for (const value of [state.key, state.fingerprint, state.verdict, state.firstSeenAt, state.itemId, state.tenantId, state.module, state.dataCategory, state.resource, state.hold]) text(value);
      appender.endRow();
    }
  } finally {
    appender.closeSync();
  }
}

/** The rows of `prev` from a Parquet states file (lib/history/parquetStates.ts), its row order as `seq`. */
export function prevParquetSql(path: string): string {
  return `SELECT file_row_number, "key", fingerprint, verdict, "firstSeenAt", "itemId", "tenantId", "module", "dataCategory", resource, hold
     FROM read_parquet(${sqlString(path)}, file_row_number = true)`;
}

/** Math.round(((seen - first) / DAY_MS) * 100) / 100 (diffFindings daysSince): ties toward +∞, as Math.round. */
function daysSinceSql(seenMs: number, firstMs: string): string {
  const hundredths = `((${seenMs} - ${firstMs}) / ${DAY_MS}.0 * 100)`;
  return `((floor(${hundredths}) + CASE WHEN ${hundredths} - floor(${hundredths}) >= 0.5 THEN 1 ELSE 0 END) / 100)`;
}

/**
 * Diffs `findings` against `prev` into the view `diffed` (ord, diff_key, identity,
 * item_key, verdict — as parsed back from the diff key —, line: the finding's
 * report line with status, firstSeenAt and daysOpen)
 * and answers the counts of the run's `changes`.
 */
export async function diffSql(connection: DuckDBConnection, seenAt: string): Promise<Omit<Changes, 'previousRunId' | 'previousCapturedAt' | 'resolved'>> {
  const seenMs = parseInstant(seenAt);
  await connection.run(`
    CREATE TEMP TABLE prev_first AS
    SELECT split_part("key", chr(2), 1) AS identity, verdict, arg_min(first_seen_at, seq) AS first_seen_at
    FROM prev GROUP BY ALL`);
  const firstSeen = `coalesce(p.first_seen_at, ${sqlString(seenAt)})`;
  const days = `CASE WHEN p.identity IS NULL THEN 0 ELSE ${daysSinceSql(seenMs, timestampMs('p.first_seen_at'))} END`;
  // The identity, itemId and verdict as diffFindings parseKey reads them back from the diff key (a U+0002 inside a
  // tenant id shifts them there too), and the report line with its status.
  // A view, not a table: each reader takes the columns it needs (the counts and lists no line at all), and the
  // report's lines are built once, as COPY writes them, instead of being stored a second time.
  await connection.run(`
    CREATE TEMP VIEW diffed AS
    SELECT f.ord, f.diff_key, f.identity, f.item_key, f.verdict, p.identity IS NOT NULL AS persisting, ${firstSeen} AS first_seen_at,
      CASE WHEN f.verdict = 'exempt' THEN json_extract_string(f.finding, '$.reason') END AS hold,
      concat(substr(f.finding, 1, strlen(f.finding) - 1), ',"status":"', CASE WHEN p.identity IS NULL THEN 'new' ELSE 'persisting' END,
        '","firstSeenAt":', CAST(to_json(${firstSeen}) AS VARCHAR), ',"daysOpen":', ${jsonNumberSql(days)}, '}') AS line
    FROM (SELECT ord, diff_key, finding, split_part(diff_key, chr(2), 1) AS identity, nullif(split_part(diff_key, chr(2), 2), '') AS item_key,
            split_part(diff_key, chr(2), 3) AS verdict FROM findings) f
    LEFT JOIN prev_first p ON p.identity = f.identity AND p.verdict = f.verdict`);
  const reader = await connection.runAndReadAll(`
    SELECT count(*) FILTER (WHERE NOT persisting) AS new, count(*) FILTER (WHERE persisting) AS persisting,
      count(*) FILTER (WHERE NOT persisting AND verdict = 'violation') AS new_violations FROM diffed`);
  const [row] = reader.getRowObjectsJS();
  return { new: Number(row!.new), persisting: Number(row!.persisting), newViolations: Number(row!.new_violations) };
}

/** The previous violations that are gone (diffFindings `resolved`), in the order of the previous states. */
export async function* resolvedSql(connection: DuckDBConnection, seenAt: string): AsyncIterable<ResolvedFinding> {
  const seenMs = parseInstant(seenAt);
  const result = await connection.stream(`
    SELECT fingerprint, item_id, tenant_id, module, data_category, resource, verdict, first_seen_at, ${daysSinceSql(seenMs, timestampMs('first_seen_at'))} AS days
    FROM prev p
    WHERE verdict = 'violation'
      AND NOT EXISTS (SELECT 1 FROM diffed d WHERE d.identity = split_part(p."key", chr(2), 1) AND d.verdict = 'violation')
    ORDER BY seq`);
  for await (const rows of result.yieldRows()) {
    for (const [fingerprint, itemId, tenantId, module, dataCategory, resource, verdict, firstSeenAt, days] of rows) {
      yield {
        fingerprint: fingerprint as string,
        itemId: (itemId as string | null) ?? null,
        tenantId: (tenantId as string | null) ?? null,
        module: (module as string | null) ?? null,
        dataCategory: (dataCategory as string | null) ?? null,
        resource: (resource as string | null) ?? null,
        previousVerdict: verdict as Verdict,
        status: 'resolved',
        firstSeenAt: firstSeenAt as string,
        resolvedAt: seenAt,
        daysOpen: days as number,
      };
    }
  }
}

/** Legal holds that ended (diffFindings `holdEnded`): how many, and the first `cap` in the order of the previous states. */
export async function holdsEndedSql(connection: DuckDBConnection, cap: number): Promise<{ ended: number; endedList: HoldEntry[] }> {
  const reader = await connection.runAndReadAll(`
    SELECT item_id, tenant_id, module, data_category, resource, coalesce(hold, '') AS reason, count(*) OVER () AS total
    FROM prev p
    WHERE verdict = 'exempt'
      AND EXISTS (SELECT 1 FROM diffed d WHERE d.identity = split_part(p."key", chr(2), 1))
      AND NOT EXISTS (SELECT 1 FROM diffed d WHERE d.identity = split_part(p."key", chr(2), 1) AND d.verdict = 'exempt')
    ORDER BY seq`);
  const rows = reader.getRows();
  return {
    ended: rows.length,
    endedList: rows.slice(0, cap).map(([itemId, tenantId, module, dataCategory, resource, reason]) => ({
      itemId: (itemId as string | null) ?? null,
      tenantId: (tenantId as string | null) ?? null,
      module: (module as string | null) ?? null,
      dataCategory: (dataCategory as string | null) ?? null,
      resource: (resource as string | null) ?? null,
      reason: reason as string,
    })),
  };
}

/**
 * This run's finding states (FindingState, lib/history/HistoryStore.ts) as the
 * columns of a states file, in the order diffFindings writes them.
 */
export function statesSql(): string {
  const part = (n: number) => `nullif(split_part(identity, chr(1), ${n}), '')`;
  return `
    SELECT identity || chr(2) || coalesce(item_key, '') AS "key", left(sha256(identity), 20) AS fingerprint, verdict, first_seen_at AS "firstSeenAt",
      item_key AS "itemId", ${part(1)} AS "tenantId", ${part(2)} AS "module", ${part(3)} AS "dataCategory", ${part(4)} AS resource, hold
    FROM diffed ORDER BY ${jsOrderSql('diff_key')}, ord`;
}
