/**
 * The history diff (lib/history/diffFindings.ts, the specification) as joins in
 * DuckDB: this run's findings (table `findings`, lib/sql/relations.ts, with
 * `diff_key` and `diff_hold`) against the previous run's finding states (table
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

/**
 * Creates the empty `prev` table (no previous run compares as one without states): TEMP, as
 * the findings, uncompressed in memory up to the limit (a table of the database file is
 * compressed as it is written: three times as long to read a previous run's states).
 */
export async function createPrevTable(connection: DuckDBConnection): Promise<void> {
  const columns = Object.entries(PREV_COLUMNS).map(([name, type]) => `${name} ${type}`);
  await connection.run(`CREATE TEMP TABLE prev (${columns.join(', ')})`);
}

/** Appends a previous run's states, in the order given, to `prev` (for stores DuckDB cannot read itself). */
export async function appendPrevStates(connection: DuckDBConnection, states: AsyncIterable<FindingState>): Promise<void> {
  const appender = await connection.createAppender('prev', 'main', 'temp');
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

/** The identity, itemId and verdict as diffFindings parseKey reads them back from a diff key (SQL over `diffKey`). */
function diffKeyParts(diffKey: string): { identity: string; itemKey: string; verdict: string } {
  return {
    identity: `split_part(${diffKey}, chr(2), 1)`,
    itemKey: `nullif(split_part(${diffKey}, chr(2), 2), '')`,
    verdict: `split_part(${diffKey}, chr(2), 3)`,
  };
}

/**
 * The reason of a finding the diff reads as exempt (by the verdict its diff key gives), for
 * its state's `hold`: a column of `findings`, read off the line as the line is made (for
 * the few exempt findings), so that no line is read again to write the states.
 *
 * @example
 * `SELECT *, ${diffHoldSql('diff_key', 'finding')} AS diff_hold FROM …`
 */
export function diffHoldSql(diffKey: string, line: string): string {
  return `(CASE WHEN ${diffKeyParts(diffKey).verdict} = 'exempt' THEN json_extract_string(${line}, '$.reason') END)`;
}

/**
 * Diffs `findings` against `prev` into the view `diffed` (ord, diff_key, identity,
 * item_key, verdict — as parsed back from the diff key —, line: the finding's
 * report line with status, firstSeenAt and daysOpen)
 * and answers the counts of the run's `changes`.
 */
export async function diffSql(connection: DuckDBConnection, seenAt: string): Promise<Omit<Changes, 'previousRunId' | 'previousCapturedAt' | 'resolved'>> {
  const seenMs = parseInstant(seenAt);
  const seen = sqlString(seenAt);
  // The end of a persisting finding's line (its status, firstSeenAt and daysOpen), made once for each first state here,
  // not by every reader of the view; a new finding's is a constant.
  const tail = (status: string, firstSeenJson: string, daysJson: string) => `concat(',"status":"${status}","firstSeenAt":', ${firstSeenJson}, ',"daysOpen":', ${daysJson}, '}')`;
  await connection.run(`
    CREATE TEMP TABLE prev_first AS
    SELECT identity, verdict, first_seen_at,
      ${tail('persisting', `CAST(to_json(coalesce(first_seen_at, ${seen})) AS VARCHAR)`, jsonNumberSql(daysSinceSql(seenMs, timestampMs('first_seen_at'))))} AS line_tail
    FROM (SELECT split_part("key", chr(2), 1) AS identity, verdict, arg_min(first_seen_at, seq) AS first_seen_at FROM prev GROUP BY ALL)`);
  const [[newTail]] = (await connection.runAndReadAll(`SELECT ${tail('new', `CAST(to_json(${seen}) AS VARCHAR)`, '0')}`)).getRows() as [[string]];
  // The identity, itemId and verdict as diffFindings parseKey reads them back from the diff key (a U+0002 inside a
  // tenant id shifts them there too), and the report line with its status.
  // A view, not a table: each reader takes the columns it needs (the counts and lists no line at all), and the
  // report's lines are built once, as COPY writes them, instead of being stored a second time.
  const parts = diffKeyParts('diff_key');
  await connection.run(`
    CREATE TEMP VIEW diffed AS
    SELECT f.ord, f.diff_key, f.identity, f.item_key, f.verdict, p.identity IS NOT NULL AS persisting, coalesce(p.first_seen_at, ${seen}) AS first_seen_at,
      f.diff_hold AS hold, concat(substr(f.finding, 1, strlen(f.finding) - 1), coalesce(p.line_tail, ${sqlString(newTail)})) AS line
    FROM (SELECT ord, diff_key, diff_hold, finding, ${parts.identity} AS identity, ${parts.itemKey} AS item_key, ${parts.verdict} AS verdict FROM findings) f
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
  const { identity, itemKey, verdict } = diffKeyParts('diff_key');
  // The columns are made after the sort, from the diff key (what the view's identity, item_key and verdict are):
  // the sort moves the key alone, not ten columns (and a SHA-256 of each identity) that it then puts in order.
  return `
    SELECT identity || chr(2) || coalesce(item_key, '') AS "key", left(sha256(identity), 20) AS fingerprint, verdict, first_seen_at AS "firstSeenAt",
      item_key AS "itemId", ${part(1)} AS "tenantId", ${part(2)} AS "module", ${part(3)} AS "dataCategory", ${part(4)} AS resource, hold
    FROM (SELECT ${identity} AS identity, ${itemKey} AS item_key, ${verdict} AS verdict, first_seen_at, hold
      FROM (SELECT diff_key, first_seen_at, hold FROM diffed ORDER BY ${jsOrderSql('diff_key')}, ord))`;
}
