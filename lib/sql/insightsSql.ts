/**
 * The run's tallies as SQL aggregates over the findings table (lib/sql/relations.ts
 * FINDING_COLUMNS), so that no finding is read back into JavaScript to be counted:
 * the summary (lib/report/ReportModel.ts tally), the snapshot ids and capture time
 * runAudit derives, the legal holds, the deletion forecast and the waivers' usage
 * (lib/engine/insights.ts). Each gives what the TypeScript tallies give for the same
 * findings taken in the order read (`ord`): where JavaScript keeps first-seen order
 * (a module's place in byModule, a forecast group's among equals, the first holds),
 * the SQL orders by the least `ord`.
 *
 * Sums of recordCount and bytes are exact (lib/engine/exactCount.ts): each value is a
 * count (a whole number below 2^53, as validation requires of every finding summed), cast
 * to BIGINT and added as HUGEINT, in any order, with DuckDB's threads; the sum comes back
 * as its decimal text, to be rounded once to a Number in JavaScript — what the reference
 * engine gives, whatever the order or the partitions the findings were counted in.
 *
 * Queries that do not need each other's answers are asked at once (Promise.all) on the
 * one connection, which runs them in turn: the next starts as the last ends, instead of
 * when JavaScript has taken its result and sent the next, late while the snapshot
 * digest keeps JavaScript busy (lib/sql/sqlEngine.ts SqlEngine.tallies).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { waiverMatchSql, type CompiledWaiver } from '../engine/waivers';
import { setExactCount } from '../engine/exactCount';
import type { ForecastCounts, WaiverCounts } from '../engine/insights';
import type { HoldEntry, ModuleTally, Summary } from '../report/ReportModel';
import { emptySummary } from '../report/ReportModel';
import type { Severity, Verdict } from '../model';
import { DAY_MS } from '../time';
import { sqlString } from './sqlText';

// The shapes these aggregates give are the tallies' own (lib/engine/insights.ts).
export type { ForecastCounts, WaiverCounts } from '../engine/insights';

/** Rows of a small query as objects (BIGINT and HUGEINT as numbers). */
async function rowsOf(connection: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  const reader = await connection.runAndReadAll(sql);
  return reader.getRowObjects().map((row) => Object.fromEntries(Object.entries(row).map(([key, value]) => [key, typeof value === 'bigint' ? Number(value) : value])));
}

/**
 * The exact sum of `value` (a DOUBLE column holding counts) on the rows where `filter`
 * holds, 0 for none, as decimal text: added as HUGEINT, exact in any order. The filter
 * is a CASE, not FILTER: DuckDB casts a FILTER's argument on every row, and an invalid
 * finding's count (any finite number, 1e300) does not fit a BIGINT.
 */
function exactSum(value: string, filter = 'true'): string {
  return `CAST(coalesce(sum(CASE WHEN ${filter} THEN CAST(${value} AS BIGINT) END), 0) AS VARCHAR)`;
}

/**
 * The summary's counts (items, verdicts, severities, special categories, records and
 * bytes past deadline, modules) of the findings in `table`; `complete`, reasons and
 * warnings are the run's to fill.
 */
export async function summarySql(connection: DuckDBConnection, table: string): Promise<Summary> {
  const summary = emptySummary();
  // Asked at once (see the header): the connection runs them in turn without waiting for JavaScript between.
  const [groups, [past]] = await Promise.all([
    rowsOf(
      connection,
      `SELECT verdict, severity, coalesce(module, '(unknown)') AS module, count(*) AS n, min(ord) AS first,
         count(*) FILTER (WHERE verdict = 'violation' AND special) AS special
       FROM ${table} GROUP BY ALL ORDER BY first`,
    ),
    rowsOf(connection, `SELECT ${exactSum('record_count', "verdict = 'violation'")} AS records, ${exactSum('bytes', "verdict = 'violation'")} AS bytes FROM ${table}`),
  ]);
  // Rounded once into the Number fields, the exact sums kept beside them (SnapshotTally.adoptSql moves them on).
  setExactCount(summary, 'recordsPastDeadline', BigInt(past!.records as string));
  setExactCount(summary, 'bytesPastDeadline', BigInt(past!.bytes as string));
  const modules = new Map<string, { first: number; tally: ModuleTally }>();
  for (const row of groups) {
    const n = row.n as number;
    const verdict = row.verdict as Verdict;
    summary.items += n;
    summary.byVerdict[verdict] += n;
    summary.bySeverity[row.severity as Severity] += n;
    summary.specialCategoryViolations += row.special as number;
    const moduleId = row.module as string;
    let entry = modules.get(moduleId);
    if (!entry) modules.set(moduleId, (entry = { first: row.first as number, tally: { items: 0, violations: 0, dueSoon: 0 } }));
    entry.first = Math.min(entry.first, row.first as number);
    entry.tally.items += n;
    if (verdict === 'violation') entry.tally.violations += n;
    if (verdict === 'due-soon') entry.tally.dueSoon += n;
  }
  // Modules in the order their first finding was read, as tally() adds them.
  for (const [moduleId, { tally }] of [...modules].sort((a, b) => a[1].first - b[1].first)) summary.byModule[moduleId] = tally;
  return summary;
}

export interface SnapshotFacts {
  /** The snapshotId of the first finding read that has one. */
  firstSnapshotId: string | null;
  /** Up to `limit` other snapshot ids than `runSnapshotId`, in the order first read. */
  otherSnapshotIds: string[];
  /** The latest capture time of a finding that is not invalid. */
  capturedMaxMs: number | null;
}

export async function snapshotFactsSql(connection: DuckDBConnection, table: string, runSnapshotId: string | null, limit: number): Promise<SnapshotFacts> {
  const [[first], [captured]] = await Promise.all([
    rowsOf(connection, `SELECT snapshot_id FROM ${table} WHERE snapshot_id IS NOT NULL ORDER BY ord LIMIT 1`),
    rowsOf(connection, `SELECT max(captured_ms) AS ms FROM ${table}`),
  ]);
  const runId = runSnapshotId ?? ((first?.snapshot_id as string | undefined) ?? null);
  const others =
    runId === null
      ? []
      : await rowsOf(
          connection,
          `SELECT snapshot_id, min(ord) AS first FROM ${table} WHERE snapshot_id IS NOT NULL AND snapshot_id <> ${sqlString(runId)} GROUP BY snapshot_id ORDER BY first LIMIT ${limit}`,
        );
  return {
    firstSnapshotId: (first?.snapshot_id as string | undefined) ?? null,
    otherSnapshotIds: others.map((row) => row.snapshot_id as string),
    capturedMaxMs: (captured?.ms as number | null | undefined) ?? null,
  };
}

/** Exempt findings: how many, and the first `cap` read (runAudit holdOf). */
export async function activeHoldsSql(connection: DuckDBConnection, table: string, cap: number): Promise<{ active: number; activeList: HoldEntry[] }> {
  const [count] = await rowsOf(connection, `SELECT count(*) AS n, max(ord) FILTER (WHERE n <= ${cap}) AS last FROM (SELECT ord, row_number() OVER (ORDER BY ord) AS n FROM ${table} WHERE verdict = 'exempt')`);
  // The lines are read up to the last listed hold's ord only (zone maps skip the rest): reading every exempt finding's
  // line to keep the first few took half a second at 500,000 findings, the table spilled.
  const list =
    count?.last === null || count?.last === undefined
      ? []
      : await rowsOf(
          connection,
          `SELECT item_id, tenant_id, module, data_category, store_resource, json_extract_string(finding, '$.reason') AS reason
           FROM ${table} WHERE verdict = 'exempt' AND ord <= ${count.last as number} ORDER BY ord LIMIT ${cap}`,
        );
  return {
    active: (count?.n as number | undefined) ?? 0,
    activeList: list.map((row) => ({
      itemId: (row.item_id as string | null) ?? null,
      tenantId: (row.tenant_id as string | null) ?? null,
      module: (row.module as string | null) ?? null,
      dataCategory: (row.data_category as string | null) ?? null,
      resource: (row.store_resource as string | null) ?? null,
      reason: row.reason as string,
    })),
  };
}

/** ForecastTally.add over every finding: due-soon and compliant findings whose deadline falls in the window. */
export async function forecastSql(connection: DuckDBConnection, table: string, days: number): Promise<ForecastCounts> {
  const inWindow = `deadline_ms IS NOT NULL AND captured_ms IS NOT NULL AND verdict IN ('due-soon', 'compliant')
    AND deadline_ms >= captured_ms AND deadline_ms <= captured_ms + ${days * DAY_MS}`;
  const [groups, [totals]] = await Promise.all([
    rowsOf(
      connection,
      `SELECT coalesce(module, '(unknown)') AS module, coalesce(tenant_id, '(unknown)') AS tenant_id, count(*) AS items,
         ${exactSum('record_count')} AS records, ${exactSum('bytes')} AS bytes, min(deadline_ms) AS first_deadline, min(ord) AS first
       FROM ${table} WHERE ${inWindow} GROUP BY ALL ORDER BY first`,
    ),
    rowsOf(connection, `SELECT count(*) AS items, ${exactSum('record_count')} AS records, ${exactSum('bytes')} AS bytes FROM ${table} WHERE ${inWindow}`),
  ]);
  const entries = groups.map((row) => ({
    module: row.module as string,
    tenantId: row.tenant_id as string,
    items: row.items as number,
    records: row.records as string,
    bytes: row.bytes as string,
    firstDeadline: new Date(row.first_deadline as number).toISOString(),
  }));
  return { items: totals!.items as number, records: totals!.records as string, bytes: totals!.bytes as string, groups: entries };
}

/** WaiverTally.add over every finding that is not invalid, for each waiver. */
export async function waiverCountsSql(connection: DuckDBConnection, table: string, waivers: readonly CompiledWaiver[]): Promise<WaiverCounts[]> {
  if (waivers.length === 0) return [];
  const columns = { tenantId: 'tenant_id', module: 'module', dataCategory: 'data_category', resource: 'store_resource' };
  const selects = waivers.flatMap((compiled, index) => {
    const match = `verdict <> 'invalid' AND ${waiverMatchSql(compiled, columns)}`;
    // finding.waiverId === waiver.id: the covering waiver, or another of the same id.
    const sameId = waivers.flatMap((other, j) => (other.waiver.id === compiled.waiver.id ? [j] : []));
    const covered = `waiver IN (${sameId.join(', ')})`;
    const again = Number.isNaN(compiled.expiresMs)
      ? 'false'
      : `(captured_ms >= ${compiled.expiresMs} AND verdict IN ('violation', 'due-soon'))`;
    return [
      `count(*) FILTER (WHERE ${match}) AS matched_${index}`,
      `count(*) FILTER (WHERE ${match} AND ${covered}) AS covered_${index}`,
      `count(*) FILTER (WHERE ${match} AND NOT coalesce(${covered}, false) AND ${again}) AS again_${index}`,
    ];
  });
  const [row] = await rowsOf(connection, `SELECT ${selects.join(', ')} FROM ${table}`);
  return waivers.map((_, index) => ({
    matched: row![`matched_${index}`] as number,
    covered: row![`covered_${index}`] as number,
    activeAgain: row![`again_${index}`] as number,
  }));
}
