/**
 * The run's reports as a set: the JSON report opens and finishes first, each
 * report's SHA-256 is that of its file, a repeated itemId becomes invalid as it
 * passes (summary corrected, never among the most serious), progress comes
 * every 4,096 findings, the SQL engine's bulk lines are marked the same way
 * (and asked for only the verdicts the writers that take them one by one use),
 * and a failed run leaves no report behind.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { SqlBulk } from '../../../../lib/audit/evaluateEntries';
import { assembleHead } from '../../../../lib/audit/phases/assembleHead';
import { ReportSet } from '../../../../lib/audit/phases/ReportSet';
import { SnapshotTally } from '../../../../lib/audit/phases/SnapshotTally';
import type { AuditProgress } from '../../../../lib/audit/runAudit';
import type { Finding } from '../../../../lib/model';
import { toJsonLine, type FindingLine } from '../../../../lib/report/FindingSorter';
import type { FormatId } from '../../../../lib/report/formats/formatIds';
import type { RunInfo } from '../../../../lib/report/ReportModel';
import { readReport, tempDir } from '../../../helpers/files';
import { before, CAPTURED_MS, catalog, DAY, judge, makeItem } from '../../../helpers/items';

const START = new Date(CAPTURED_MS + DAY).toISOString();
const RUN: RunInfo = { id: 'audit-set', trigger: 'cli', startedAt: START, finishedAt: START, snapshotId: null, snapshotCapturedAt: null, catalogVersion: catalog().version, source: 'test', graceDays: 30 };

/** Findings counted as the map phase counts them, and a report set over their summary. */
function setUp(findings: Finding[], formats: FormatId[], signal?: AbortSignal) {
  const counts = new SnapshotTally({ snapshotId: null, warnings: [], incompleteReasons: [] }, { waivers: [], forecastDays: 30, statedCapturedAt: null });
  for (const finding of findings) counts.add(finding);
  const head = assembleHead({ run: RUN, counts, expectedItems: null, staleAfterHours: 48 });
  const outDir = tempDir('report-set-');
  const progress: AuditProgress[] = [];
  const reports = new ReportSet({ formats, outDir, runId: 'audit-set', catalog: catalog(), pdfRowsPerModule: 200, summary: counts.summary, signal, onProgress: (p) => progress.push(p) });
  return { counts, head, outDir, progress, reports };
}

const lineOf = (finding: Finding): FindingLine => ({ key: finding.itemId, line: toJsonLine(finding) });
const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
const violation = (itemId: string, tenantId: string) => judge(makeItem({ itemId, tenantId, oldestRecordAt: before(40 * DAY) }));

describe('ReportSet', () => {
  it('opens the JSON report first, marks a repeated itemId invalid and answers the SHA-256 of each file', async () => {
    const findings = [violation('a', 'first'), violation('a', 'second'), judge(makeItem({ itemId: 'b' }))];
    const { counts, head, outDir, reports } = setUp(findings, ['csv', 'json']);
    reports.open(head);
    expect(Object.keys(reports.paths)).toEqual(['json', 'csv']);
    for (const finding of findings) await reports.write(lineOf(finding), findings.length);
    expect(counts.summary.byVerdict).toMatchObject({ violation: 1, invalid: 1, compliant: 1 });
    expect(counts.summary.items).toBe(3);
    expect(reports.mostSerious().map((serious) => [serious.itemId, serious.tenantId])).toEqual([['a', 'first']]);
    const digests = await reports.finish(head, null);
    expect(digests).toEqual({ json: sha256(join(outDir, 'audit-set.json')), csv: sha256(join(outDir, 'audit-set.csv')) });
    const report = readReport(reports.paths.json!);
    expect(report.findings.map((f: Finding) => `${f.itemId}:${f.tenantId}:${f.verdict}`)).toEqual(['a:first:violation', 'a:second:invalid', 'b:tenant-a:compliant']);
    expect(report.summary.byVerdict).toMatchObject({ violation: 1, invalid: 1 });
    const rows = parse(readFileSync(reports.paths.csv!, 'utf8'), { columns: true }) as Record<string, string>[];
    expect(rows.map((row) => row.verdict)).toEqual(['violation', 'invalid', 'compliant']);
  });

  it('reports progress every 4,096 findings written', async () => {
    const finding = judge(makeItem());
    const { head, progress, reports } = setUp([], ['csv']);
    reports.open(head);
    for (let i = 0; i < 8193; i += 1) await reports.write({ key: `i${String(i).padStart(5, '0')}`, line: toJsonLine({ ...finding, itemId: `i${i}` }) }, 8193);
    expect(progress).toEqual([
      { phase: 'write', done: 4096, total: 8193, unit: 'items' },
      { phase: 'write', done: 8192, total: 8193, unit: 'items' },
    ]);
  });

  it("marks the SQL engine's repeated itemIds before the lines flow, and reports the end", async () => {
    const first = violation('a', 'first');
    const repeat = violation('a', 'second');
    // The HTML report takes the lines one by one (the JSON, CSV and Parquet writers take them whole).
    const { counts, head, progress, reports } = setUp([first, repeat], ['html']);
    const replaced: { ord: bigint; line: string }[] = [];
    const bulk: SqlBulk = {
      repeatedItemIds: async () => [{ ord: 1n, line: toJsonLine(repeat) }],
      replaceLines: async (lines) => void replaced.push(...lines),
      async *reportLines() {
        yield lineOf(first).line;
        yield replaced[0]!.line;
      },
      copyLines: async () => {
        throw new Error('no writer of this run takes the lines whole');
      },
    };
    reports.open(head);
    await reports.writeBulk(bulk, 2);
    expect(replaced).toHaveLength(1);
    expect(JSON.parse(replaced[0]!.line)).toMatchObject({ itemId: 'a', tenantId: 'second', verdict: 'invalid' });
    expect(counts.summary.byVerdict).toMatchObject({ violation: 1, invalid: 1 });
    expect(progress).toEqual([{ phase: 'write', done: 2, total: 2, unit: 'items' }]);
    await reports.finish(head, null);
    expect(readFileSync(reports.paths.html!, 'utf8')).toContain('invalid');
  });

  // The PDF only counts compliant and waived findings (ReportWriter.ignores); the HTML report takes every finding.
  it.each<[FormatId[], string[]]>([
    [['pdf'], ['compliant', 'waived']],
    [['html', 'pdf'], []],
  ])('asks the SQL engine for the lines of the verdicts every one-by-one writer of %j takes', async (formats, leftOut) => {
    const { head, reports } = setUp([], formats);
    const asked: unknown[] = [];
    const bulk: SqlBulk = {
      repeatedItemIds: async () => [],
      replaceLines: async () => undefined,
      async *reportLines(_progress, leaveOut) {
        asked.push(leaveOut);
      },
      copyLines: async () => 0,
    };
    reports.open(head);
    await reports.writeBulk(bulk, 0);
    expect(asked).toEqual([leftOut]);
    await reports.abort();
  });

  it('stops between findings once aborted, and leaves nothing behind when the run fails', async () => {
    const controller = new AbortController();
    const { head, outDir, reports } = setUp([], ['json', 'csv', 'pdf'], controller.signal);
    reports.open(head);
    await reports.write(lineOf(judge(makeItem({ itemId: 'a' }))), 2);
    controller.abort(new Error('deadline near'));
    await expect(reports.write(lineOf(judge(makeItem({ itemId: 'b' }))), 2)).rejects.toThrow('deadline near');
    await reports.abort();
    expect(readdirSync(outDir)).toEqual([]);
  });
});
