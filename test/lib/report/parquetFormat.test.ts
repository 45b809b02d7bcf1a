/**
 * The Parquet report: the CSV report's rows (findings, then resolved ones) as
 * typed columns that DuckDB, pandas or Spark read directly, tied to its run by
 * its key-value metadata — from either engine, byte for byte the same.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { runAudit, type AuditResult } from '../../../lib/audit/runAudit';
import type { EngineKind } from '../../../lib/audit/evaluateEntries';
import { FileHistoryStore } from '../../../lib/history/FileHistoryStore';
import { FileInventorySource } from '../../../lib/inventory/FileInventorySource';
import { openDuck } from '../../../lib/sql/duck';
import { sqlString } from '../../../lib/sql/sqlText';
import { readReport, tempDir, writeTemp } from '../../helpers/files';
import { catalog } from '../../helpers/items';

const EXAMPLE = resolve(__dirname, '../../../examples/inventory.ndjson');
const NOW = new Date('2026-11-21T00:00:00Z');

async function audit(file: string, engineKind: EngineKind, runId: string, historyDir: string): Promise<AuditResult> {
  return runAudit({
    source: new FileInventorySource(file),
    catalog: catalog(),
    engine: { graceDays: 30, waivers: [] },
    formats: ['json', 'csv', 'parquet'],
    outDir: tempDir('parquet-'),
    trigger: 'cli',
    runId,
    now: () => NOW,
    history: { store: new FileHistoryStore(historyDir), scope: 'parquet' },
    engineKind,
  });
}

async function readParquet(path: string): Promise<{ rows: Record<string, unknown>[]; types: Record<string, string>; metadata: Record<string, string> }> {
  const duck = await openDuck({ threads: 1 });
  try {
    const file = sqlString(path);
    const rows = (await duck.connection.runAndReadAll(`SELECT * FROM read_parquet(${file})`)).getRowObjectsJS() as Record<string, unknown>[];
    const described = (await duck.connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${file})`)).getRowObjectsJS();
    const kv = (await duck.connection.runAndReadAll(`SELECT decode(key) AS key, decode(value) AS value FROM parquet_kv_metadata(${file})`)).getRowObjectsJS();
    return {
      rows,
      types: Object.fromEntries(described.map((row) => [row.column_name as string, row.column_type as string])),
      metadata: Object.fromEntries(kv.map((row) => [row.key as string, row.value as string])),
    };
  } finally {
    duck.close();
  }
}

/** A CSV cell as the Parquet column holds it: the CSV writes null as empty and neutralizes text. */
function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  return String(value);
}

describe('the Parquet report', () => {
  it('holds the CSV report’s rows as typed columns, names its run and the JSON report’s hash, and is the same from both engines', async () => {
    const histories = { reference: tempDir('parquet-history-'), sql: tempDir('parquet-history-') };
    const first = await audit(EXAMPLE, 'reference', 'audit-parquet-1', histories.reference);
    await audit(EXAMPLE, 'sql', 'audit-parquet-1', histories.sql);
    // The second run drops the items in violation: they come back as resolved rows.
    const violating = new Set(readReport(first.reports.json!).findings.filter((f: { verdict: string }) => f.verdict === 'violation').map((f: { itemId: string }) => f.itemId));
    const kept = readFileSync(EXAMPLE, 'utf8').trim().split('\n').filter((line) => !violating.has(JSON.parse(line).itemId));
    const second = writeTemp('second.ndjson', kept.join('\n'));
    const reference = await audit(second, 'reference', 'audit-parquet-2', histories.reference);
    const sql = await audit(second, 'sql', 'audit-parquet-2', histories.sql);
    expect(readFileSync(sql.reports.parquet!).equals(readFileSync(reference.reports.parquet!))).toBe(true);

    const report = readReport(reference.reports.json!);
    const { rows, types, metadata } = await readParquet(reference.reports.parquet!);
    const csv = parse(readFileSync(reference.reports.csv!, 'utf8'), { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(report.findings.length + report.resolved.length);
    expect(report.resolved.length).toBeGreaterThan(0);
    expect(Object.keys(types)).toEqual(Object.keys(csv[0]!));
    expect(types).toMatchObject({ itemId: 'VARCHAR', recordCount: 'DOUBLE', bytes: 'DOUBLE', overdueDays: 'DOUBLE', daysOpen: 'DOUBLE', verdict: 'VARCHAR' });
    rows.forEach((row, i) => {
      for (const [column, value] of Object.entries(row)) {
        // The CSV neutralizes text for spreadsheets (a leading quote); Parquet keeps the value.
        expect(csvCell(value)).toBe(csv[i]![column]!.replace(/^'(?=[=+\-@])/, ''));
      }
    });
    expect(rows.filter((row) => row.status === 'resolved')).toHaveLength(report.resolved.length);
    expect(metadata).toEqual({ runId: 'audit-parquet-2', schemaVersion: report.schemaVersion, catalogVersion: report.run.catalogVersion, jsonReportSha256: reference.sha256.json });
  });
});
