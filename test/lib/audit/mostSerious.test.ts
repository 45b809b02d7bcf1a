/**
 * The digest's most serious findings (lib/report/MostSeriousCollector.ts): the
 * reference engine's bounded collector and the SQL engine's one query choose the
 * same ten, and they are the first ten of the documented order applied to every
 * finding of the JSON report — on a generated inventory full of ties, with a
 * repeated itemId, with and without history.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { runAudit, type AuditResult } from '../../../lib/audit/runAudit';
import type { EngineKind } from '../../../lib/audit/evaluateEntries';
import { FileHistoryStore } from '../../../lib/history/FileHistoryStore';
import { FileInventorySource } from '../../../lib/inventory/FileInventorySource';
import type { Finding, InventoryItem } from '../../../lib/model';
import { SEVERITIES } from '../../../lib/model';
import { toJsonLine } from '../../../lib/report/FindingSorter';
import { MostSeriousCollector, seriousOf } from '../../../lib/report/MostSeriousCollector';
import type { SeriousFinding } from '../../../lib/report/ReportModel';
import { readReport, tempDir, writeTemp } from '../../helpers/files';
import { before, CAPTURED_MS, catalog, DAY, judge, makeItem } from '../../helpers/items';

async function audit(file: string, engineKind: EngineKind, runId: string, historyDir?: string): Promise<AuditResult> {
  return runAudit({
    source: new FileInventorySource(file),
    catalog: catalog(),
    engine: { graceDays: 30, waivers: [] },
    formats: ['json'],
    outDir: tempDir(`serious-${engineKind}-`),
    trigger: 'cli',
    runId,
    now: () => new Date(CAPTURED_MS + DAY),
    history: historyDir ? { store: new FileHistoryStore(historyDir), scope: 'serious' } : null,
    engineKind,
    duck: { threads: 2, memoryLimit: '256MB' },
    sortBudgetChars: 4096,
  });
}

/** The definition, written out plainly: every finding of the report, sorted, the first ten. */
function expectedFromReport(path: string): SeriousFinding[] {
  const findings = readReport(path).findings as Finding[];
  const rank = (f: Finding) => [f.verdict === 'violation' ? 0 : 1, SEVERITIES.indexOf(f.severity), f.specialCategory ? 0 : 1, -(f.overdueDays ?? Number.NEGATIVE_INFINITY)];
  return findings
    .filter((f) => f.verdict === 'violation' || f.verdict === 'due-soon')
    .sort((a, b) => {
      const [x, y] = [rank(a), rank(b)];
      for (let i = 0; i < x.length; i += 1) if (x[i] !== y[i]) return x[i]! - y[i]!;
      return a.itemId! < b.itemId! ? -1 : 1;
    })
    .slice(0, 10)
    .map((f) => seriousOf(f)!);
}

/** Many violations that tie on everything but the itemId, a few that stand out, and a repeated itemId. */
function inventory(): InventoryItem[] {
  const items: InventoryItem[] = [];
  const overdue = [3, 40, 100]; // medium, high, critical for personal data (7-day clause)
  for (let i = 0; i < 240; i += 1) {
    items.push(
      makeItem({
        itemId: `im-${String((i * 7919) % 240).padStart(3, '0')}`,
        tenantId: `tenant-${i % 5}`,
        oldestRecordAt: before((7 + overdue[i % 3]!) * DAY),
        recordCount: i % 11 === 0 ? 2_000_000 : 10,
      }),
    );
  }
  // Special-category data: biometric features kept 200 days after the service ended (grace 30 days).
  for (let i = 0; i < 4; i += 1) {
    items.push(
      makeItem({
        itemId: `fr-${i}`,
        module: 'facial-recognition',
        dataCategory: 'face-features',
        store: { type: 's3', resource: `fr/<b>&"${i}"` },
        events: { serviceTerminatedAt: before((200 + i) * DAY) },
      }),
    );
  }
  // Due soon, and compliant.
  for (let i = 0; i < 20; i += 1) items.push(makeItem({ itemId: `soon-${i}`, oldestRecordAt: before(6 * DAY + i * 60_000) }));
  for (let i = 0; i < 20; i += 1) items.push(makeItem({ itemId: `ok-${i}`, oldestRecordAt: before(DAY) }));
  // A repeated itemId: its later finding (in the report's order) is invalid, whatever it was.
  items.push(makeItem({ itemId: 'dup-late', oldestRecordAt: before(DAY) }));
  items.push(makeItem({ itemId: 'dup-late', tenantId: 'tenant-dup', oldestRecordAt: before(400 * DAY), recordCount: 5_000_000 }));
  items.push(makeItem({ itemId: 'dup-early', tenantId: 'tenant-dup', oldestRecordAt: before(500 * DAY), recordCount: 5_000_000 }));
  items.push(makeItem({ itemId: 'dup-early', oldestRecordAt: before(DAY) }));
  return items;
}

describe('the most serious findings', () => {
  it('are the same ten from both engines, the first ten of the documented order, with and without history', async () => {
    const items = inventory();
    const file = writeTemp('serious.ndjson', items.map((item) => JSON.stringify(item)).join('\n'));
    const dirs = { sql: tempDir('hs-sql-'), reference: tempDir('hs-ref-') };
    for (const runId of ['audit-serious-1', 'audit-serious-2']) {
      const sql = await audit(file, 'sql', runId, dirs.sql);
      const reference = await audit(file, 'reference', runId, dirs.reference);
      expect(readFileSync(sql.reports.json!, 'utf8')).toBe(readFileSync(reference.reports.json!, 'utf8'));
      expect(reference.mostSerious).toEqual(expectedFromReport(reference.reports.json!));
      expect(sql.mostSerious).toEqual(reference.mostSerious);
    }
    const sql = await audit(file, 'sql', 'audit-serious-3');
    const reference = await audit(file, 'reference', 'audit-serious-3');
    expect(sql.mostSerious).toEqual(reference.mostSerious);
    const top = reference.mostSerious;
    expect(top).toHaveLength(10);
    // Special-category data first among the critical (most days overdue first), then the rest by days overdue.
    expect(top.slice(0, 5).map((entry) => entry.itemId)).toEqual(['fr-3', 'fr-2', 'fr-1', 'fr-0', 'dup-early']);
    expect(top[0]).toMatchObject({ severity: 'critical', specialCategory: 'biometric', overdueDays: 173, resource: 'fr/<b>&"3"' });
    // The repeated itemId whose first finding is the violation keeps it; the other's violation is invalid.
    expect(top[4]).toMatchObject({ severity: 'critical', tenantId: 'tenant-dup', clause: { source: '003_1f8b3763d6817eed.txt', text: 'Stored for 7 days.' } });
    expect(top.map((entry) => entry.itemId)).not.toContain('dup-late');
    // Ties on everything else go to the itemId.
    const tied = top.slice(5);
    expect(tied.map((entry) => entry.itemId)).toEqual([...tied.map((entry) => entry.itemId)].sort());
  }, 120_000);

  it('with fewer than ten findings that call for action, lists just those; none when all is clear', async () => {
    const few = writeTemp('few.ndjson', [makeItem({ itemId: 'a', oldestRecordAt: before(6 * DAY + 1) }), makeItem({ itemId: 'b', oldestRecordAt: before(9 * DAY) }), makeItem({ itemId: 'c' })].map((item) => JSON.stringify(item)).join('\n'));
    for (const kind of ['sql', 'reference'] as const) {
      expect((await audit(few, kind, 'audit-few')).mostSerious.map((entry) => [entry.itemId, entry.verdict])).toEqual([
        ['b', 'violation'],
        ['a', 'due-soon'],
      ]);
    }
    const clear = writeTemp('clear.ndjson', JSON.stringify(makeItem({ itemId: 'c' })));
    for (const kind of ['sql', 'reference'] as const) expect((await audit(clear, kind, 'audit-clear')).mostSerious).toEqual([]);
  });
});

describe('MostSeriousCollector', () => {
  it('keeps the same ten, whatever the order it is offered the findings in, holding at most ten', () => {
    const findings = inventory().map((item) => judge(item));
    const records = findings.map((finding) => ({ line: toJsonLine(finding), finding: () => finding }));
    const ordered = new MostSeriousCollector();
    for (const record of records) ordered.offer(record);
    fc.assert(
      fc.property(fc.shuffledSubarray(records, { minLength: records.length, maxLength: records.length }), (shuffled) => {
        const collector = new MostSeriousCollector();
        for (const record of shuffled) collector.offer(record);
        expect(collector.result()).toEqual(ordered.result());
      }),
      { numRuns: 20 },
    );
    expect(ordered.result()).toHaveLength(10);
  });

  it('never parses a line that cannot be a violation or due soon', () => {
    const collector = new MostSeriousCollector();
    const compliant = judge(makeItem({ itemId: 'ok' }));
    collector.offer({ line: toJsonLine(compliant), finding: () => { throw new Error('parsed'); } });
    expect(collector.result()).toEqual([]);
  });
});
