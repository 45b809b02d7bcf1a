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
import { sortsInOne } from '../../../lib/sql/sqlEngine';
import type { FormatId } from '../../../lib/report/formats/formatIds';
import { tempDir, writeTemp } from '../../helpers/files';
import { CAPTURED_MS, catalog, DAY } from '../../helpers/items';
import { compiledTestWaivers, sqlItem } from '../../helpers/sqlItems';

const FORMATS: FormatId[] = ['json', 'csv', 'parquet'];

/** ~12 parts of ~40 findings, cut on two threads; or ~100 parts, too many for two threads' row groups: cut on one (cutPlan). */
const CUTS = { threads: 160_000, oneThread: 12_000 } as const;

function audit(file: string, engineKind: EngineKind, runId: string, historyDir: string | null, reportSortBytes: number = CUTS.threads): Promise<AuditResult> {
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
    duck: { threads: 2, memoryLimit: '256MB', reportSortBytes },
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

  // After a diff, only findings that tie on the item key take the diff key as a sort key (SqlEngine.tiebreakSql):
  // those without an itemId (an empty one is none after a diff) and those of a repeated one; a run of unique itemIds has none.
  it.each([
    ['cut on two threads', CUTS.threads, true],
    ['cut on one thread', CUTS.oneThread, true],
    ['cut on two threads, every itemId unique', CUTS.threads, false],
  ])('is the reference engine\'s report after a diff, itemIds missing, empty, beyond U+FFFF and from U+E000 (%s)', async (_label, reportSortBytes, ties) => {
    const items: Record<string, unknown>[] = fc.sample(sqlItem(catalog(), 30), { numRuns: 300, seed: 20261129 });
    items.forEach((item, i) => {
      item.itemId = `item-${i}`;
      if (!ties) return;
      if (i % 40 === 39) item.itemId = items[i - 11]!.itemId;
      if (i % 23 === 3) item.itemId = '';
      if (i % 29 === 5) delete item.itemId;
      if (i % 31 === 7) item.itemId = i % 2 ? `z-\u{1F680}-${i % 3}` : `z-\uFF5E-${i % 3}`;
    });
    const file = writeTemp('parts-keys.ndjson', items.map((item) => JSON.stringify(item)).join('\n'));
    const dirs = { sql: tempDir('parts-k-sql-'), reference: tempDir('parts-k-ref-') };
    for (const runId of ['audit-keys-1', 'audit-keys-2']) {
      expectSameReports(await audit(file, 'sql', runId, dirs.sql, reportSortBytes), await audit(file, 'reference', runId, dirs.reference, reportSortBytes));
    }
  }, 240_000);
});

describe('the choice between one sort and parts (sortsInOne)', () => {
  // About as the engine reads the limit back from DuckDB: '256MB' is 256,000,000 bytes (it shows 244.1 MiB).
  const report = (count: number, diffed: boolean, limitMb = 256) => ({ count, rowBytes: 1100, limit: limitMb * 1e6, inOne: 16 * limitMb * 1e6, diffed });

  // With history on, 3,000,000 findings ran out of a 256 MB limit in one sort: its join of every finding with its
  // tail holds a hash table beside the sort. 1,330,000 passed within 256 MB.
  it('after a diff, cuts the report in parts once the join of the findings with their tails would crowd the sort out of the limit', () => {
    expect(sortsInOne(report(1_330_000, true))).toBe(true);
    expect(sortsInOne(report(3_000_000, true))).toBe(false);
    // A smaller limit cuts sooner.
    expect(sortsInOne(report(1_000_000, true, 160))).toBe(false);
  });

  it("without a diff, lets the lines' bytes alone decide", () => {
    expect(sortsInOne(report(3_000_000, false))).toBe(true);
    expect(sortsInOne({ ...report(3_000_000, false), inOne: 3_000_000 * 1000 })).toBe(false);
  });
});
