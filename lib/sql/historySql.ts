/**
 * The history diff (lib/history/diffFindings.ts, the specification) as joins in
 * DuckDB: this run's findings (table `findings`, lib/sql/relations.ts, with
 * `diff_key` and `diff_hold`) against the previous run's finding states (`prev`,
 * {@link PREV_COLUMNS}: a view of the store's Parquet file, or a table of the states
 * a store hands over), without sorting either side. What the merge-join decides
 * group by group is one join on the identity here, kept as `diff_rows` (see
 * {@link diffSql}), which every later step reads instead of joining again:
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
import { inAnyOrder } from './duck';

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

/**
 * Makes `prev` a view of a Parquet states file (lib/history/parquetStates.ts), its row order as
 * `seq`: each query over it reads only the columns it needs (the grouping the key, verdict and
 * firstSeenAt; the lists of gone states the rest, of those few rows), and nothing is copied
 * (copying 500,000 states into a table took as long as the grouping).
 */
export async function createPrevView(connection: DuckDBConnection, path: string): Promise<void> {
  const columns: Record<keyof typeof PREV_COLUMNS, string> = {
    seq: 'file_row_number',
    key: '"key"',
    fingerprint: 'fingerprint',
    verdict: 'verdict',
    first_seen_at: '"firstSeenAt"',
    item_id: '"itemId"',
    tenant_id: '"tenantId"',
    module: '"module"',
    data_category: '"dataCategory"',
    resource: 'resource',
    hold: 'hold',
  };
  // Cast as appending to the table casts: a file whose column has another type (the check lets a number verdict by) reads the same.
  const select = Object.entries(columns).map(([name, column]) => `CAST(${column} AS ${PREV_COLUMNS[name as keyof typeof PREV_COLUMNS]}) AS ${name}`);
  await connection.run(`CREATE TEMP VIEW prev AS SELECT ${select.join(', ')} FROM read_parquet(${sqlString(path)}, file_row_number = true)`);
}

/**
 * Groups `prev` by identity and verdict into `prev_first`, each group's first state's
 * firstSeenAt (what a persisting finding keeps): the join's build side, read from `prev` once.
 */
export async function groupPrevStates(connection: DuckDBConnection): Promise<void> {
  await inAnyOrder(connection, () =>
    connection.run(`
      CREATE TEMP TABLE prev_first AS
      SELECT split_part("key", chr(2), 1) AS identity, verdict, arg_min(first_seen_at, seq) AS first_seen_at FROM prev GROUP BY ALL`),
  );
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

/** The end of a diffed finding's report line: its status, firstSeenAt (JSON) and daysOpen (SQL). */
function lineTailSql(status: string, firstSeenJson: string, daysJson: string): string {
  return `concat(',"status":"${status}","firstSeenAt":', ${firstSeenJson}, ',"daysOpen":', ${daysJson}, '}')`;
}

/**
 * Diffs `findings` against `prev` with one join, kept as the table `diff_rows`, and
 * makes the view `diffed` (ord, diff_key, item_key — the itemId parsed back from the
 * diff key —, line: the finding's report line with status, firstSeenAt and daysOpen);
 * answers the counts of the run's `changes`, and whether every diff key is ASCII
 * (`plainKeys`: then the states sort by the key itself, see {@link statesSql}).
 *
 * `diff_rows` holds a row per finding (ord, diff_key, hold, persisting, first_seen_at:
 * its state's, first_seen_known) and one per previous (identity, verdict) that no finding has now and
 * whose verdict the diff lists when gone (ord NULL; gone_identity, gone_verdict): the
 * resolved violations and ended holds are read off those few, and the states and the
 * report off the table, instead of each joining every finding with the previous
 * states again (half a second a join at 500,000 findings).
 */
export async function diffSql(connection: DuckDBConnection, seenAt: string): Promise<{ counts: Omit<Changes, 'previousRunId' | 'previousCapturedAt' | 'resolved'>; plainKeys: boolean }> {
  const seenMs = parseInstant(seenAt);
  const seen = sqlString(seenAt);
  const parts = diffKeyParts('diff_key');
  // In any order (every reader orders by ord or by key): see duck.ts inAnyOrder.
  await inAnyOrder(connection, () =>
    connection.run(`
      CREATE TEMP TABLE diff_rows AS
      SELECT f.ord, f.diff_key, f.diff_hold AS hold, p.identity IS NOT NULL AS persisting, coalesce(p.first_seen_at, ${seen}) AS first_seen_at,
        p.first_seen_at IS NOT NULL AS first_seen_known,
        CASE WHEN f.ord IS NULL THEN p.identity END AS gone_identity, CASE WHEN f.ord IS NULL THEN p.verdict END AS gone_verdict
      FROM (SELECT ord, diff_key, diff_hold, ${parts.identity} AS identity, ${parts.verdict} AS verdict FROM findings) f
      FULL JOIN prev_first p ON p.identity = f.identity AND p.verdict = f.verdict
      WHERE f.ord IS NOT NULL OR p.verdict IN ('violation', 'exempt')`),
  );
  // A persisting finding's line ends with its firstSeenAt and days open: made once for each firstSeenAt (a few, one a
  // run that first saw a finding), not for each finding nor by each report that reads the view. A new finding's is a constant.
  // (A previous state without firstSeenAt, which no store's check lets by but a hand-made DynamoDB chunk could hold, shows
  // this run's and no days, as before.)
  const days = jsonNumberSql(daysSinceSql(seenMs, `CASE WHEN first_seen_known THEN ${timestampMs('first_seen_at')} END`));
  await connection.run(`
    CREATE TEMP TABLE diff_tails AS
    SELECT first_seen_at, first_seen_known, ${lineTailSql('persisting', 'CAST(to_json(first_seen_at) AS VARCHAR)', days)} AS line_tail
    FROM (SELECT DISTINCT first_seen_at, first_seen_known FROM diff_rows WHERE ord IS NOT NULL AND persisting)`);
  const [[newTail]] = (await connection.runAndReadAll(`SELECT ${lineTailSql('new', `CAST(to_json(${seen}) AS VARCHAR)`, '0')}`)).getRows() as [[string]];
  // A view, not a table: the report's lines are built once, as COPY writes them, instead of being stored a second time.
  await connection.run(`
    CREATE TEMP VIEW diffed AS
    SELECT f.ord, f.diff_key, ${diffKeyParts('f.diff_key').itemKey} AS item_key,
      concat(substr(f.finding, 1, strlen(f.finding) - 1), coalesce(t.line_tail, ${sqlString(newTail)})) AS line
    FROM findings f
    JOIN diff_rows d ON d.ord = f.ord
    LEFT JOIN diff_tails t ON t.first_seen_at = CASE WHEN d.persisting THEN d.first_seen_at END AND t.first_seen_known = d.first_seen_known`);
  const reader = await connection.runAndReadAll(`
    SELECT count(*) FILTER (WHERE NOT persisting) AS new, count(*) FILTER (WHERE persisting) AS persisting,
      count(*) FILTER (WHERE NOT persisting AND ${parts.verdict} = 'violation') AS new_violations,
      count(*) FILTER (WHERE strlen(diff_key) <> length(diff_key)) AS wide_keys FROM diff_rows WHERE ord IS NOT NULL`);
  const [row] = reader.getRowObjectsJS();
  return { counts: { new: Number(row!.new), persisting: Number(row!.persisting), newViolations: Number(row!.new_violations) }, plainKeys: Number(row!.wide_keys) === 0 };
}

/**
 * The previous states of the identities whose (identity, verdict) group `verdict` is gone
 * (diff_rows), and that `also` (SQL over `gone_identity`, or 'true') holds for, in the
 * order of the previous states. The few gone identities are the join's build side: the
 * previous states are only scanned, and not at all when none is gone.
 */
async function goneStates(connection: DuckDBConnection, verdict: Verdict, columns: string, also = 'true'): Promise<string | null> {
  const gone = `SELECT gone_identity FROM diff_rows WHERE ord IS NULL AND gone_verdict = '${verdict}'`;
  const [[count]] = (await connection.runAndReadAll(`SELECT count(*) FROM (${gone})`)).getRows() as [[bigint]];
  if (count === 0n) return null;
  return `
    SELECT ${columns} FROM prev p
    WHERE verdict = '${verdict}' AND split_part(p."key", chr(2), 1) IN (SELECT gone_identity FROM (${gone}) WHERE ${also})
    ORDER BY seq`;
}

/** The previous violations that are gone (diffFindings `resolved`), in the order of the previous states. */
export async function* resolvedSql(connection: DuckDBConnection, seenAt: string): AsyncIterable<ResolvedFinding> {
  const seenMs = parseInstant(seenAt);
  const sql = await goneStates(connection, 'violation', `fingerprint, item_id, tenant_id, module, data_category, resource, verdict, first_seen_at, ${daysSinceSql(seenMs, timestampMs('first_seen_at'))} AS days`);
  if (sql === null) return;
  const result = await connection.stream(sql);
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

/**
 * Legal holds that ended (diffFindings `holdEnded`): how many, and the first `cap` in the order of the previous states.
 * A hold ends where no finding of its identity is exempt now (its exempt group gone) but some finding of it is there.
 */
export async function holdsEndedSql(connection: DuckDBConnection, cap: number): Promise<{ ended: number; endedList: HoldEntry[] }> {
  const present = `gone_identity IN (SELECT ${diffKeyParts('diff_key').identity} FROM diff_rows WHERE ord IS NOT NULL)`;
  const sql = await goneStates(connection, 'exempt', `item_id, tenant_id, module, data_category, resource, coalesce(hold, '') AS reason`, present);
  const rows = sql === null ? [] : (await connection.runAndReadAll(sql)).getRows();
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
 * columns of a states file, in the order diffFindings writes them. `plainKeys`
 * (diffSql): every diff key is ASCII, its own JavaScript order key, and the sort
 * takes the column as it is: a key made by an expression is a column more to sort
 * (a third of the sort's time).
 */
export function statesSql(plainKeys: boolean): string {
  const part = (n: number) => `nullif(split_part(identity, chr(1), ${n}), '')`;
  const { identity, itemKey, verdict } = diffKeyParts('diff_key');
  // The columns are made after the sort, from the diff key (what the view's identity, item_key and verdict are):
  // the sort moves the key alone, not ten columns (and a SHA-256 of each identity) that it then puts in order.
  return `
    SELECT identity || chr(2) || coalesce(item_key, '') AS "key", left(sha256(identity), 20) AS fingerprint, verdict, first_seen_at AS "firstSeenAt",
      item_key AS "itemId", ${part(1)} AS "tenantId", ${part(2)} AS "module", ${part(3)} AS "dataCategory", ${part(4)} AS resource, hold
    FROM (SELECT ${identity} AS identity, ${itemKey} AS item_key, ${verdict} AS verdict, first_seen_at, hold
      FROM (SELECT diff_key, first_seen_at, hold FROM diff_rows WHERE ord IS NOT NULL ORDER BY ${plainKeys ? 'diff_key' : jsOrderSql('diff_key')}, ord))`;
}
