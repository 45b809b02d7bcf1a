/**
 * The two engines side by side: the catalog compiled to SQL (DuckDB) and the
 * TypeScript reference must write the same reports — byte for byte, given the
 * same run id and clock — for the bundled example and for generated hostile
 * inventories, with and without history (whose second run diffs the first),
 * and whatever the number of DuckDB threads.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { runAudit, type AuditResult } from '../../../lib/audit/runAudit';
import type { EngineKind } from '../../../lib/audit/evaluateEntries';
import { compileWaivers, type CompiledWaiver } from '../../../lib/engine/waivers';
import { loadWaivers } from '../../../lib/engine/loadWaivers';
import { FileHistoryStore } from '../../../lib/history/FileHistoryStore';
import { FileInventorySource } from '../../../lib/inventory/FileInventorySource';
import type { InventorySource } from '../../../lib/inventory/InventorySource';
import type { FormatId } from '../../../lib/report/formats/formatIds';
import { collect, readReport, tempDir, writeTemp } from '../../helpers/files';
import { readParquetStates } from '../../../lib/history/parquetStates';
import { FUZZ_NOW, hostileItems } from '../../helpers/hostileItems';
import { CAPTURED_MS, catalog, DAY } from '../../helpers/items';
import { evaluate } from '../../../lib/engine/evaluate';
import { DEFAULTS } from '../../../lib/defaults';
import { compiledTestWaivers, sqlItem } from '../../helpers/sqlItems';

const EXAMPLE = resolve(__dirname, '../../../examples/inventory.ndjson');
const WAIVERS = resolve(__dirname, '../../../examples/waivers.yaml');
const FORMATS: FormatId[] = ['json', 'csv', 'pdf', 'parquet'];

async function audit(
  file: string,
  engineKind: EngineKind,
  options: { historyDir?: string; runId: string; now: Date; threads?: number; waivers?: boolean | CompiledWaiver[]; formats?: FormatId[]; sliceRows?: number },
): Promise<AuditResult> {
  const fileSource = new FileInventorySource(file);
  // With sliceRows, the SQL engine takes the entries one by one as from DynamoDB (the file hidden), evaluating slices of that many rows as they come.
  const source: InventorySource = options.sliceRows ? { open: () => fileSource.open(), entries: (progress) => fileSource.entries(progress), describe: () => fileSource.describe() } : fileSource;
  const waivers = Array.isArray(options.waivers) ? options.waivers : options.waivers ? compileWaivers(await loadWaivers(WAIVERS, { now: () => options.now })) : [];
  return runAudit({
    source,
    catalog: catalog(),
    engine: { graceDays: 30, waivers },
    formats: options.formats ?? FORMATS,
    outDir: tempDir(`engine-${engineKind}-`),
    trigger: 'cli',
    runId: options.runId,
    now: () => options.now,
    history: options.historyDir ? { store: new FileHistoryStore(options.historyDir), scope: 'engines' } : null,
    engineKind,
    duck: { threads: options.threads ?? 2, memoryLimit: '256MB', ...(options.sliceRows ? { sliceRows: options.sliceRows } : {}) },
    // A tiny budget makes the reference engine's sorters spill, as on a large inventory.
    sortBudgetChars: 4096,
  });
}

/**
 * Records and bytes past deadline, and the forecast's, are exact sums rounded once to a Number,
 * computed here with BigInt: from the report's findings (repeated itemIds already marked invalid),
 * and for the forecast from the findings as evaluated (it counts them before repeats are marked).
 */
function expectExactSums(result: AuditResult, items: readonly Record<string, unknown>[], now: Date, waivers: CompiledWaiver[]): void {
  const report = readReport(result.reports.json!);
  const sum = (findings: { recordCount: number | null; bytes: number | null }[]) =>
    findings.reduce((total, f) => ({ records: total.records + BigInt(f.recordCount ?? 0), bytes: total.bytes + BigInt(f.bytes ?? 0) }), { records: 0n, bytes: 0n });
  const past = sum(report.findings.filter((f: { verdict: string }) => f.verdict === 'violation'));
  // The case means something only beyond 2^53, where adding doubles in the order read rounds.
  expect(past.records).toBeGreaterThan(2n ** 53n);
  expect([report.summary.recordsPastDeadline, report.summary.bytesPastDeadline]).toEqual([Number(past.records), Number(past.bytes)]);
  const engine = { graceDays: 30, waivers, capturedNotAfterMs: now.getTime() + DEFAULTS.maxCaptureSkewMinutes * 60_000 };
  const inWindow = items
    .map((item) => evaluate(item, catalog(), engine))
    .filter((f) => (f.verdict === 'due-soon' || f.verdict === 'compliant') && f.deadline !== null && f.capturedAt !== null)
    .filter((f) => Date.parse(f.deadline!) >= Date.parse(f.capturedAt!) && Date.parse(f.deadline!) <= Date.parse(f.capturedAt!) + 30 * DAY);
  const forecast = sum(inWindow);
  expect(forecast.records).toBeGreaterThan(2n ** 53n);
  expect([report.forecast.items, report.forecast.records, report.forecast.bytes]).toEqual([inWindow.length, Number(forecast.records), Number(forecast.bytes)]);
}

function expectSameReports(sql: AuditResult, reference: AuditResult, formats: readonly FormatId[] = FORMATS): void {
  if (formats.includes('json')) readReport(sql.reports.json!);
  // The digest's most serious findings: the SQL engine's one query chooses the reference collector's ten.
  expect(sql.mostSerious).toEqual(reference.mostSerious);
  // The trend (from history, with this run's open, new and resolved violations) is the same too.
  expect(sql.head.trend).toEqual(reference.head.trend);
  // Its last point is this run, counted after repeated itemIds were marked invalid.
  if (sql.head.trend) expect(sql.head.trend.at(-1)!.openViolations).toBe(sql.head.summary.byVerdict.violation);
  for (const format of formats) {
    const [a, b] = [readFileSync(sql.reports[format]!), readFileSync(reference.reports[format]!)];
    if (format === 'pdf' || format === 'parquet') expect(a.equals(b)).toBe(true);
    else expect(a.toString('utf8')).toBe(b.toString('utf8'));
  }
}

describe('the SQL engine writes the reports of the reference engine', () => {
  it('on the bundled example with its waivers, and then a second run that diffs the first', async () => {
    const now = new Date('2026-11-21T00:00:00Z');
    const dirs = { sql: tempDir('h-sql-'), reference: tempDir('h-ref-') };
    for (const runId of ['audit-engines-1', 'audit-engines-2']) {
      const sql = await audit(EXAMPLE, 'sql', { historyDir: dirs.sql, runId, now, waivers: true });
      const reference = await audit(EXAMPLE, 'reference', { historyDir: dirs.reference, runId, now, waivers: true });
      expectSameReports(sql, reference);
      const { summary, changes } = sql.head;
      expect(sql.head.trend!.at(-1)).toEqual({ runId, finishedAt: now.toISOString(), openViolations: summary.byVerdict.violation, newViolations: changes!.newViolations, resolvedViolations: changes!.resolved });
      expect(sql.head.trend!.map((point) => point.runId)).toEqual(runId === 'audit-engines-1' ? [runId] : ['audit-engines-1', runId]);
    }
    // The SQL engine writes its states with COPY, the reference engine line by line: the same states.
    const states = (dir: string) => collect(readParquetStates(join(dir, 'engines', 'audit-engines-2.states.parquet')));
    expect(await states(dirs.sql)).toEqual(await states(dirs.reference));
  });

  it('on a generated inventory of every verdict, with repeated itemIds, mixed snapshots, holds, waivers and counts near 2^53 (summed exactly, rounded once), four times with history (each run diffs the one before), the reports written in four ways', async () => {
    const now = new Date(CAPTURED_MS + DAY);
    const items = fc.sample(sqlItem(catalog(), 30), { numRuns: 2500, seed: 20261128 });
    items.forEach((item, i) => {
      // Every 50th repeats an earlier itemId; every 97th belongs to another snapshot (eight of them).
      if (i % 50 === 49) item.itemId = items[i - 7]!.itemId;
      if (i % 97 === 0) item.snapshotId = `snap-other-${i % 8}`;
    });
    const first = writeTemp('engines-first.ndjson', items.map((item) => JSON.stringify(item)).join('\n'));
    // The second snapshot: a third of the items gone, some others changed (verdicts move: new, persisting, resolved, holds ended).
    const second = items
      .filter((_, i) => i % 3 !== 0)
      .map((item, i) => (i % 5 === 0 ? { ...item, legalHold: undefined, recordCount: 0 } : item));
    const secondFile = writeTemp('engines-second.ndjson', second.map((item) => JSON.stringify(item)).join('\n'));
    const dirs = { sql: tempDir('h-sql-'), reference: tempDir('h-ref-') };
    const waivers = compiledTestWaivers();
    // JSON and Parquet alone: the SQL engine's DuckDB writes the lines itself (BulkFindings), repeated itemIds marked before.
    const bulk: FormatId[] = ['json', 'parquet'];
    // The PDF the one writer of lines: the SQL engine hands it no compliant or waived finding (ReportWriter.ignores).
    const pdf: FormatId[] = ['json', 'pdf'];
    // The CSV without the JSON: its rows made as DuckDB sorts the lines (with the JSON, from the JSON's lines read again).
    const csv: FormatId[] = ['csv', 'pdf'];
    const runs = [['audit-gen-1', first, FORMATS], ['audit-gen-2', secondFile, bulk], ['audit-gen-3', first, pdf], ['audit-gen-4', secondFile, csv]] as const;
    for (const [runId, file, formats] of runs) {
      const sql = await audit(file, 'sql', { historyDir: dirs.sql, runId, now, waivers, formats });
      const reference = await audit(file, 'reference', { historyDir: dirs.reference, runId, now, waivers, formats });
      expectSameReports(sql, reference, formats);
      if (runId === 'audit-gen-1') for (const result of [sql, reference]) expectExactSums(result, items, now, waivers);
      if (runId === 'audit-gen-2') {
        // A third of the items gone between the two runs: violations resolved, the same in both engines' trends.
        const [, last] = sql.head.trend!;
        expect(last!.resolvedViolations).toBeGreaterThan(0);
      }
    }
    expectSameReports(
      await audit(first, 'sql', { runId: 'audit-gen-4', now, waivers, formats: bulk }),
      await audit(first, 'reference', { runId: 'audit-gen-4', now, waivers, formats: bulk }),
      bulk,
    );
    const noHistory = { runId: 'audit-gen-3', now, waivers };
    expectSameReports(await audit(first, 'sql', noHistory), await audit(first, 'reference', noHistory));
  }, 240_000);

  it('on entries appended one by one (as from DynamoDB), evaluated in slices while they arrive, with history', async () => {
    const now = new Date(CAPTURED_MS + DAY);
    const items = fc.sample(sqlItem(catalog(), 30), { numRuns: 700, seed: 20261129 });
    items.forEach((item, i) => {
      if (i % 50 === 49) item.itemId = items[i - 7]!.itemId;
    });
    const file = writeTemp('engines-sliced.ndjson', items.map((item) => JSON.stringify(item)).join('\n'));
    const dirs = { sql: tempDir('h-sql-'), reference: tempDir('h-ref-') };
    const waivers = compiledTestWaivers();
    for (const runId of ['audit-sliced-1', 'audit-sliced-2']) {
      // 97 rows a slice: seven full slices and a last partial one, a repeated itemId across slices.
      const sql = await audit(file, 'sql', { historyDir: dirs.sql, runId, now, waivers, sliceRows: 97 });
      const reference = await audit(file, 'reference', { historyDir: dirs.reference, runId, now, waivers });
      expectSameReports(sql, reference);
    }
  }, 240_000);

  it('on generated hostile inventories, for 1 and 4 threads', async () => {
    await fc.assert(
      fc.asyncProperty(hostileItems(15), fc.constantFrom(1, 4), async (items, threads) => {
        const file = writeTemp('engines.ndjson', items.map((item) => item.text).join('\n'));
        const sql = await audit(file, 'sql', { runId: 'audit-fuzz', now: FUZZ_NOW, threads });
        const reference = await audit(file, 'reference', { runId: 'audit-fuzz', now: FUZZ_NOW });
        expectSameReports(sql, reference);
      }),
      { numRuns: 8 },
    );
  }, 240_000);
});
