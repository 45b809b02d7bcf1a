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
import { inAnyOrder, onOneThread } from './duck';
import { STATES_COPY_OPTIONS } from '../history/parquetStates';

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
 * Groups `prev` by identity and verdict into the table `prev_first`, each group's first state's
 * firstSeenAt (what a persisting finding keeps; the first that has one, as arg_min skips NULLs):
 * one side of the diff's join ({@link diffSql}).
 * A table, not a view the join groups as it reads it: that was 0.1–0.3 s quicker at 500,000
 * states, but at 1,000,000 the grouping's hash table and the join's together ran out of the
 * default 256 MB limit; grouped first, each has the limit to itself (and spills within it).
 * The grouping keeps each group's first `seq` and the join fetches that state's firstSeenAt:
 * `arg_min(first_seen_at, seq)` keeps a string in every group's state, outside what DuckDB
 * can spill, and ran out of 256 MB at 10,000,000 states (this way: 8.7 s, peak RSS 387 MB). The
 * price is a second read of the states: 500,000 of them took 0.26–0.31 s against 0.20–0.22 s.
 */
export async function groupPrevStates(connection: DuckDBConnection): Promise<void> {
  await inAnyOrder(connection, () =>
    connection.run(`
      CREATE TEMP TABLE prev_first AS
      SELECT g.identity, g.verdict, p.first_seen_at
      FROM (
        SELECT split_part("key", chr(2), 1) AS identity, verdict, min(seq) FILTER (WHERE first_seen_at IS NOT NULL) AS first_seq FROM prev GROUP BY ALL
      ) g
      LEFT JOIN prev p ON p.seq = g.first_seq`),
  );
}

/** Math.round(((seen - first) / DAY_MS) * 100) / 100 (diffFindings daysSince): ties toward +∞, as Math.round. */
function daysSinceSql(seenMs: number, firstMs: string): string {
  const hundredths = `((${seenMs} - ${firstMs}) / ${DAY_MS}.0 * 100)`;
  return `((floor(${hundredths}) + CASE WHEN ${hundredths} - floor(${hundredths}) >= 0.5 THEN 1 ELSE 0 END) / 100)`;
}

/** The identity, itemId and verdict as diffFindings parseKey reads them back from a diff key (SQL over `diffKey`). */
export function diffKeyParts(diffKey: string): { identity: string; itemKey: string; verdict: string } {
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
 * The tables and views {@link diffSql} makes of the findings' line tails (what {@link tailedLineSql} puts after a
 * finding's fields): {@link DIFF_TAILS} holds each distinct tail once (tail_id, line_tail), {@link DIFF_TAIL_IDS}
 * gives each finding the number of its tail (ord, diff_key, tail_id). The view `diffed` joins the findings with the
 * numbers, then the few tails; a report cut in parts (sqlEngine.ts cutParts) cuts the numbers apart from the
 * findings, and each part joins its own.
 */
export const DIFF_TAILS = 'diff_tails';
export const DIFF_TAIL_IDS = 'diff_tail_ids';

/**
 * A diffed finding's report line, from the finding's line (`finding`, a JSON object's text) and the number of
 * its tail (`tailId`, a {@link DIFF_TAIL_IDS} row's): `line` puts the tail's text in place of the finding's closing
 * brace, and `join` brings that text, a LEFT join with the few {@link DIFF_TAILS} rows as `alias`, to put after
 * the large join that gave the number (every number has its row; LEFT, so that DuckDB keeps it after that join).
 * The view `diffed` and a report's parts (sqlEngine.ts cutParts) make their lines so.
 *
 * @example
 * const tailed = tailedLineSql('x.finding', 'x.tail_id', 't');
 * `SELECT ${tailed.line} AS line FROM (SELECT f.finding, d.tail_id FROM findings f JOIN diff_tail_ids d USING (ord)) x ${tailed.join}`
 */
export function tailedLineSql(finding: string, tailId: string, alias: string): { line: string; join: string } {
  return {
    line: `concat(substr(${finding}, 1, strlen(${finding}) - 1), ${alias}.line_tail)`,
    join: `LEFT JOIN ${DIFF_TAILS} ${alias} ON ${alias}.tail_id = ${tailId}`,
  };
}

/** How {@link diffSql} reads the findings. */
export interface DiffSqlOptions {
  /**
   * `findings` has the column `fingerprint`, each finding's own (the SHA-256 of its
   * identity, as its line has it): a state takes it where the diff key gives that
   * identity back, and a SHA-256 of its own elsewhere. Without it, every state takes
   * a SHA-256 (0.4–0.6 s of the history's writing at 500,000 findings).
   */
  findingFingerprints?: boolean;
}

/**
 * Diffs `findings` against `prev` with one join, kept as the table `diff_rows`, and
 * makes the view `diffed` (ord, diff_key, item_key — the itemId parsed back from the
 * diff key —, line: the finding's report line with status, firstSeenAt and daysOpen),
 * the join of the findings with {@link DIFF_TAIL_IDS}, then {@link DIFF_TAILS};
 * answers the counts of the run's `changes`, and whether every diff key is ASCII
 * (`plainKeys`: then the states sort by the key itself, see {@link statesSql}).
 *
 * `diff_rows` holds a row per finding (ord, diff_key, hold, persisting, first_seen_at:
 * its state's, first_seen_known, fingerprint: its state's where the finding's own is
 * it, see {@link DiffSqlOptions}) and one per previous (identity, verdict) that no
 * finding has now and whose verdict the diff lists when gone (ord NULL; gone_identity,
 * gone_verdict): the
 * resolved violations and ended holds are read off those few, and the states and the
 * report off the table, instead of each joining every finding with the previous
 * states again (half a second a join at 500,000 findings).
 */
export async function diffSql(
  connection: DuckDBConnection,
  seenAt: string,
  options: DiffSqlOptions = {},
): Promise<{ counts: Omit<Changes, 'previousRunId' | 'previousCapturedAt' | 'resolved'>; plainKeys: boolean }> {
  const seenMs = parseInstant(seenAt);
  const seen = sqlString(seenAt);
  const parts = diffKeyParts('diff_key');
  // The finding's own where the key gives its identity back: no U+0002 in the key but the two the key puts there
  // (diffFindings parseKey cuts the identity at the first). A row without one takes a SHA-256 when its state is written.
  const fingerprint = options.findingFingerprints ? `CASE WHEN len(string_split(f.diff_key, chr(2))) = 3 THEN f.fingerprint END` : 'NULL::VARCHAR';
  // In any order (every reader orders by ord or by key): see duck.ts inAnyOrder.
  await inAnyOrder(connection, () =>
    connection.run(`
      CREATE TEMP TABLE diff_rows AS
      SELECT f.ord, f.diff_key, f.diff_hold AS hold, p.identity IS NOT NULL AS persisting, coalesce(p.first_seen_at, ${seen}) AS first_seen_at,
        p.first_seen_at IS NOT NULL AS first_seen_known, ${fingerprint} AS fingerprint,
        CASE WHEN f.ord IS NULL THEN p.identity END AS gone_identity, CASE WHEN f.ord IS NULL THEN p.verdict END AS gone_verdict
      FROM (SELECT ord, diff_key, diff_hold, ${options.findingFingerprints ? 'fingerprint, ' : ''}${parts.identity} AS identity, ${parts.verdict} AS verdict FROM findings) f
      FULL JOIN prev_first p ON p.identity = f.identity AND p.verdict = f.verdict
      WHERE f.ord IS NOT NULL OR p.verdict IN ('violation', 'exempt')`),
  );
  // Each distinct tail once, not for each finding nor by each report that reads the view: a persisting finding's line
  // ends with its firstSeenAt and days open, made once for each (firstSeenAt, known) (a few, one a run that first saw a
  // finding); a new finding's is row 0, whose NULL first_seen_at matches no finding in diff_tail_ids' join (they take 0).
  // (A previous state without firstSeenAt, which no store's check lets by but a hand-made DynamoDB chunk could hold, shows
  // this run's and no days, as before.)
  const days = jsonNumberSql(daysSinceSql(seenMs, `CASE WHEN first_seen_known THEN ${timestampMs('first_seen_at')} END`));
  await connection.run(`
    CREATE TEMP TABLE ${DIFF_TAILS} AS
    SELECT 0 AS tail_id, NULL::VARCHAR AS first_seen_at, NULL::BOOLEAN AS first_seen_known, ${lineTailSql('new', `CAST(to_json(${seen}) AS VARCHAR)`, '0')} AS line_tail
    UNION ALL
    SELECT row_number() OVER (), first_seen_at, first_seen_known, ${lineTailSql('persisting', 'CAST(to_json(first_seen_at) AS VARCHAR)', days)}
    FROM (SELECT DISTINCT first_seen_at, first_seen_known FROM diff_rows WHERE ord IS NOT NULL AND persisting)`);
  // Views, not tables: the report's lines are built once, as COPY writes them, instead of being stored a second time.
  // The join of every finding with its diff row carries only the number of its tail, and the text comes from the few
  // rows of diff_tails after it: that join's hash table, which stays in memory while the report's sort reads it, takes
  // about 48 bytes a finding (sqlEngine.ts DIFF_JOIN_ROW_BYTES) instead of about 130 with the text. The join by
  // tail_id is a LEFT join (every number has its row) so that DuckDB keeps it after the large one; the one in
  // diff_tail_ids is LEFT because a new finding matches no row (it takes 0).
  await connection.run(`
    CREATE TEMP VIEW ${DIFF_TAIL_IDS} AS
    SELECT d.ord, d.diff_key, coalesce(t.tail_id, 0) AS tail_id
    FROM diff_rows d
    LEFT JOIN ${DIFF_TAILS} t ON t.first_seen_at = CASE WHEN d.persisting THEN d.first_seen_at END AND t.first_seen_known = d.first_seen_known
    WHERE d.ord IS NOT NULL`);
  const tailed = tailedLineSql('x.finding', 'x.tail_id', 't');
  await connection.run(`
    CREATE TEMP VIEW diffed AS
    SELECT x.ord, x.diff_key, ${diffKeyParts('x.diff_key').itemKey} AS item_key, ${tailed.line} AS line
    FROM (SELECT f.ord, f.diff_key, f.finding, d.tail_id FROM findings f JOIN ${DIFF_TAIL_IDS} d ON d.ord = f.ord) x
    ${tailed.join}`);
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
 * This run's finding states, in the order diffFindings writes them, each with what the
 * states file takes besides the diff key: its firstSeenAt, hold, and the fingerprint of
 * the identity the diff key gives (diff_rows' where it has one). `plainKeys` (diffSql):
 * every diff key is ASCII, its own JavaScript order key, and the sort takes the column
 * as it is: a key made by an expression is a column more to sort (a third of the sort's
 * time).
 *
 * A SHA-256 is taken before the sort, where the rows are read on every thread, not after
 * it, on the one thread that writes the file (see {@link writeStatesFile}).
 */
function sortedStatesSql(plainKeys: boolean): string {
  const { identity } = diffKeyParts('diff_key');
  return `
    SELECT diff_key, first_seen_at, hold, coalesce(fingerprint, left(sha256(${identity}), 20)) AS fingerprint
    FROM diff_rows WHERE ord IS NOT NULL ORDER BY ${plainKeys ? 'diff_key' : jsOrderSql('diff_key')}, ord`;
}

/**
 * The columns of a states file (FindingState, lib/history/HistoryStore.ts) from the rows
 * of {@link sortedStatesSql} in `sorted`, in their order: the key's parts as diffFindings
 * parseKey splits them. Each key is split once into a list (and its identity once more),
 * not once per part: DuckDB's split_part() splits the whole text for each part it takes
 * (seven parts: 0.48 s of one core at 500,000 states, against 0.25 s for the two lists).
 * A list is as split_part where a part is missing: NULL for '', the same once nullif()
 * or coalesce() has it.
 */
function stateColumnsSql(sorted: string): string {
  const part = (list: string, n: number) => `nullif(${list}[${n}], '')`;
  return `
    SELECT k[1] || chr(2) || coalesce(k[2], '') AS "key", fingerprint, coalesce(k[3], '') AS verdict, first_seen_at AS "firstSeenAt",
      ${part('k', 2)} AS "itemId", ${part('i', 1)} AS "tenantId", ${part('i', 2)} AS "module", ${part('i', 3)} AS "dataCategory", ${part('i', 4)} AS resource, hold
    FROM (SELECT k, string_split(k[1], chr(1)) AS i, fingerprint, first_seen_at, hold
      FROM (SELECT string_split(diff_key, chr(2)) AS k, fingerprint, first_seen_at, hold FROM ${sorted}))`;
}

/**
 * A row of {@link statesSql} as the FindingState a store writes (hold only when there is one).
 *
 * @example
 * for (const row of (await connection.runAndReadAll(statesSql(true))).getRows()) await writer.write(stateOf(row));
 */
export function stateOf(row: readonly unknown[]): FindingState {
  const [key, fingerprint, verdict, firstSeenAt, itemId, tenantId, module, dataCategory, resource, hold] = row as (string | null)[];
  const state: FindingState = {
    key: key!,
    fingerprint: fingerprint!,
    verdict: verdict as Verdict,
    firstSeenAt: firstSeenAt!,
    itemId: itemId ?? null,
    tenantId: tenantId ?? null,
    module: module ?? null,
    dataCategory: dataCategory ?? null,
    resource: resource ?? null,
  };
  if (hold !== null && hold !== undefined) state.hold = hold;
  return state;
}

/**
 * This run's finding states (FindingState, lib/history/HistoryStore.ts) as the
 * columns of a states file, in the order diffFindings writes them (for a store that
 * takes them one by one; {@link writeStatesFile} writes the file).
 */
export function statesSql(plainKeys: boolean): string {
  return stateColumnsSql(`(${sortedStatesSql(plainKeys)})`);
}

/**
 * Writes this run's states file (lib/history/parquetStates.ts) to `path`: the states
 * sorted on the engine's threads into a TEMP table, then written on one thread, as
 * {@link statesSql} gives them. DuckDB's Parquet writer takes half as much CPU again on
 * two threads as on one, for no less wall time (at 500,000 states, 0.9–1.0 s of CPU
 * against 0.6 s), where the sort takes two thirds of the wall time on two. At 500,000
 * findings on two cores, sorting and writing in one statement on two threads took
 * 2.6–3.0 s (3.6–4.2 s of CPU), on one thread 2.1 s; these two statements, 1.4–2.0 s
 * (1.9–2.6 s of CPU), the findings' own fingerprints taken.
 *
 * @example
 * await writeStatesFile(connection, 'run-7.states.parquet.partial', plainKeys);
 */
export async function writeStatesFile(connection: DuckDBConnection, path: string, plainKeys: boolean): Promise<void> {
  await connection.run(`CREATE TEMP TABLE states_order AS ${sortedStatesSql(plainKeys)}`);
  try {
    // The table is read in the order written (preserve_insertion_order, as every statement of the engine).
    await onOneThread(connection, () => connection.run(`COPY (${stateColumnsSql('states_order')}) TO ${sqlString(path)} (${STATES_COPY_OPTIONS})`));
  } catch (error) {
    // The COPY's error is the one to tell (the table goes with the database if DuckDB cannot drop it now).
    await connection.run('DROP TABLE states_order').catch(() => undefined);
    throw error;
  }
  await connection.run('DROP TABLE states_order');
}
