/**
 * The SQL engine sorts a report too large for one sort within its memory limit in
 * parts (SqlEngine.sortedParts): the same reports as the reference engine, byte for
 * byte, with and without history, JSON and Parquet written by COPY and CSV read line
 * by line. `reportSortBytes` makes a few hundred findings "too large".
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { runAudit, type AuditResult } from '../../../lib/audit/runAudit';
import type { EngineKind } from '../../../lib/audit/evaluateEntries';
import { FileHistoryStore } from '../../../lib/history/FileHistoryStore';
import { FileInventorySource } from '../../../lib/inventory/FileInventorySource';
import type { FormatId } from '../../../lib/report/formats/formatIds';
import { tempDir, writeTemp } from '../../helpers/files';
import { CAPTURED_MS, catalog, DAY } from '../../helpers/items';
import { compiledTestWaivers, sqlItem } from '../../helpers/sqlItems';

const FORMATS: FormatId[] = ['json', 'csv', 'parquet'];

function audit(file: string, engineKind: EngineKind, runId: string, historyDir: string | null): Promise<AuditResult> {
  return runAudit({
    source: new FileInventorySource(file),
    catalog: catalog(),
    engine: { graceDays: 30, waivers: compiledTestWaivers() },
    formats: FORMATS,
    outDir: tempDir(`parts-${engineKind}-`),
    trigger: 'cli',
    runId,
    now: () => new Date(CAPTURED_MS + DAY),
    history: historyDir ? { store: new FileHistoryStore(historyDir), scope: 'parts' } : null,
    engineKind,
    // About 40 findings a part: a few hundred findings make a dozen parts.
    duck: { threads: 2, memoryLimit: '256MB', reportSortBytes: 160_000 },
  });
}

function expectSameReports(sql: AuditResult, reference: AuditResult): void {
  for (const format of FORMATS) {
    const [a, b] = [readFileSync(sql.reports[format]!), readFileSync(reference.reports[format]!)];
    if (format === 'parquet') expect(a.equals(b)).toBe(true);
    else expect(a.toString('utf8')).toBe(b.toString('utf8'));
  }
}

describe('a report sorted in parts', () => {
  it('is the reference engine\'s report, with repeated itemIds, and after a diff with the previous run', async () => {
    const items = fc.sample(sqlItem(catalog(), 30), { numRuns: 500, seed: 20261130 });
    items.forEach((item, i) => {
      if (i % 40 === 39) item.itemId = items[i - 11]!.itemId;
    });
    const file = writeTemp('parts.ndjson', items.map((item) => JSON.stringify(item)).join('\n'));
    const dirs = { sql: tempDir('parts-h-sql-'), reference: tempDir('parts-h-ref-') };
    for (const runId of ['audit-parts-1', 'audit-parts-2']) {
      expectSameReports(await audit(file, 'sql', runId, dirs.sql), await audit(file, 'reference', runId, dirs.reference));
    }
    expectSameReports(await audit(file, 'sql', 'audit-parts-3', null), await audit(file, 'reference', 'audit-parts-3', null));
  }, 240_000);
});
