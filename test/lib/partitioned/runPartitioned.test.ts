/**
 * A partitioned run (plan → map per partition → reduce) must write the reports of
 * a one-process run of the same snapshot, byte for byte, whatever the number of
 * partitions and whichever engine maps them — with history, across runs split
 * differently, and at the boundaries (empty partitions, one item, repeated
 * itemIds and identities spanning partitions, files that are no inventory).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import type { EngineKind } from '../../../lib/audit/evaluateEntries';
import { runAudit, type AuditResult, type RunAuditOptions } from '../../../lib/audit/runAudit';
import { FileHistoryStore } from '../../../lib/history/FileHistoryStore';
import { FileInventorySource } from '../../../lib/inventory/FileInventorySource';
import { mapPartition } from '../../../lib/partitioned/mapPartition';
import { failedPartition } from '../../../lib/partitioned/Partition';
import { runPartitioned } from '../../../lib/partitioned/runPartitioned';
import type { FormatId } from '../../../lib/report/formats/formatIds';
import { readReport, tempDir, writeTemp } from '../../helpers/files';
import { pdfText, readPdf } from '../../helpers/pdf';
import { CAPTURED_MS, catalog, DAY, makeItem } from '../../helpers/items';
import { compiledTestWaivers, sqlItem } from '../../helpers/sqlItems';

const FORMATS: FormatId[] = ['json', 'csv', 'pdf', 'parquet', 'ocsf'];
const NOW = new Date(CAPTURED_MS + DAY);

function options(file: string, runId: string, extra: Partial<RunAuditOptions> & { historyDir?: string } = {}): RunAuditOptions {
  const { historyDir, ...rest } = extra;
  return {
    source: new FileInventorySource(file),
    catalog: catalog(),
    engine: { graceDays: 30, waivers: compiledTestWaivers() },
    formats: FORMATS,
    outDir: tempDir('partitioned-'),
    trigger: 'cli',
    runId,
    now: () => NOW,
    history: historyDir ? { store: new FileHistoryStore(historyDir), scope: 'partitioned' } : null,
    sortBudgetChars: 8192,
    // The history names each report where it is kept: the same name for every run compared.
    reportLocation: (format) => `${runId}.${format}`,
    ...rest,
  };
}

const whole = (file: string, runId: string, extra: Partial<RunAuditOptions> & { historyDir?: string } = {}) => runAudit(options(file, runId, extra));
const split = (file: string, runId: string, partitions: number, engineKind: EngineKind = 'reference', extra: Partial<RunAuditOptions> & { historyDir?: string } = {}, diffRanges = 1) =>
  runPartitioned({ ...options(file, runId, { ...extra, engineKind, duck: { threads: 1, memoryLimit: '256MB' } }), partitions, concurrency: 3, diffRanges });

function expectSame(actual: AuditResult, expected: AuditResult, formats: readonly FormatId[] = FORMATS): void {
  expect(actual.head).toEqual(expected.head);
  expect(actual.mostSerious).toEqual(expected.mostSerious);
  for (const format of formats) expect(readFileSync(actual.reports[format]!).equals(readFileSync(expected.reports[format]!))).toBe(true);
}

/** A generated inventory of every verdict: itemIds repeated across the file, other snapshots, lines that are not JSON or not items. */
function generated(count: number, seed: number): string[] {
  const items = fc.sample(sqlItem(catalog(), 30), { numRuns: count, seed });
  items.forEach((item, i) => {
    if (i % 40 === 39) item.itemId = items[i - 31]!.itemId;
    if (i % 97 === 0) item.snapshotId = `snap-other-${i % 3}`;
  });
  const lines = items.map((item) => JSON.stringify(item));
  lines.splice(17, 0, '{"not json', '', '[1,2]', '   ');
  return lines;
}

describe('a partitioned run writes the reports of a one-process run', () => {
  it('for 1, 3 and 7 partitions, mapped by either engine, twice with history (the second run split differently, its diff cut in ranges)', async () => {
    const lines = generated(900, 20261128);
    const first = writeTemp('partitioned-1.ndjson', `\uFEFF${lines.join('\r\n')}\n`);
    const second = writeTemp('partitioned-2.ndjson', lines.filter((_, i) => i % 3 !== 0).join('\n'));
    const expectedDir = tempDir('h-whole-');
    const expected = [await whole(first, 'run-1', { historyDir: expectedDir }), await whole(second, 'run-2', { historyDir: expectedDir })];
    for (const [partitions, engine, again, ranges] of [[1, 'reference', 1, 1], [3, 'reference', 7, 5], [7, 'sql', 3, 3]] as const) {
      const dir = tempDir('h-split-');
      const one = await split(first, 'run-1', partitions, engine, { historyDir: dir }, ranges);
      expect(one.partitions).toHaveLength(partitions);
      expect(one.partitions[0]!.segments).toHaveLength(ranges);
      expectSame(one, expected[0]!);
      expectSame(await split(second, 'run-2', again, engine, { historyDir: dir }, ranges), expected[1]!);
      // History as a one-process run leaves it: the same files, the same states.
      for (const name of readdirSync(join(expectedDir, 'partitioned'))) {
        expect([name, readFileSync(join(dir, 'partitioned', name)).equals(readFileSync(join(expectedDir, 'partitioned', name)))]).toEqual([name, true]);
      }
    }
  }, 240_000);

  it('diffed in ranges: the resolved findings and the ended holds beyond the listed 200 come in the one-process order', async () => {
    // 300 identities held, then released (their holds end); 300 in violation, then gone (resolved): spread over every range.
    const held = (i: number, hold: boolean) => makeItem({ itemId: `h-${i}`, tenantId: `t-${i}`, ...(hold ? { legalHold: { reason: `case ${i}` } } : {}) });
    const gone = (i: number) => makeItem({ itemId: `g-${i}`, tenantId: `g-${i}`, oldestRecordAt: new Date(CAPTURED_MS - 900 * DAY).toISOString() });
    const range = (n: number) => Array.from({ length: n }, (_, i) => i);
    const day1 = writeTemp('ranges-1.ndjson', [...range(300).map((i) => held(i, true)), ...range(300).map(gone)].map((item) => JSON.stringify(item)).join('\n'));
    const day2 = writeTemp('ranges-2.ndjson', range(300).map((i) => JSON.stringify(held(i, false))).join('\n'));
    const expectedDir = tempDir('h-ranges-whole-');
    await whole(day1, 'run-1', { historyDir: expectedDir });
    const expected = await whole(day2, 'run-2', { historyDir: expectedDir });
    expect(expected.head.changes).toMatchObject({ resolved: 300 });
    expect(readReport(expected.reports.json!).legalHolds).toMatchObject({ ended: 300, endedList: expect.any(Array) });
    expect(readReport(expected.reports.json!).legalHolds.endedList).toHaveLength(200);
    const dir = tempDir('h-ranges-split-');
    await split(day1, 'run-1', 4, 'reference', { historyDir: dir }, 6);
    const result = await split(day2, 'run-2', 3, 'reference', { historyDir: dir }, 6);
    expect(result.partitions[0]!.segments!.filter((segment) => segment.lines > 0).length).toBeGreaterThan(1);
    expectSame(result, expected);
  });

  it('with more partitions than lines (empty partitions), and with one item', async () => {
    const three = writeTemp('partitioned-3.ndjson', [makeItem({ itemId: 'a' }), makeItem({ itemId: 'b' }), makeItem({ itemId: 'a' })].map((item) => JSON.stringify(item)).join('\n'));
    const result = await split(three, 'run-3', 7);
    expect(result.partitions.filter((p) => p.findings === 0).length).toBeGreaterThanOrEqual(4);
    expectSame(result, await whole(three, 'run-3'));
    const one = writeTemp('partitioned-one.ndjson', JSON.stringify(makeItem()));
    expectSame(await split(one, 'run-one', 5), await whole(one, 'run-one'));
  });

  it('a JSON array is one partition', async () => {
    const array = writeTemp('partitioned.json', JSON.stringify([makeItem({ itemId: 'x' }), makeItem({ itemId: 'y' })]));
    const result = await split(array, 'run-array', 4);
    expect(result.partitions).toHaveLength(1);
    expectSame(result, await whole(array, 'run-array'));
  });

  it('refuses what a one-process run refuses, with the same words: no JSON at all, no item of the asked snapshot', async () => {
    const garbage = writeTemp('partitioned-garbage.ndjson', 'a\nb\nc\nd\n');
    await expect(split(garbage, 'run-g', 3)).rejects.toThrow(`${garbage} is not an inventory: none of its 4 non-blank lines is JSON`);
    const items = writeTemp('partitioned-snap.ndjson', [makeItem({ itemId: 'a', snapshotId: 's1' }), makeItem({ itemId: 'b', snapshotId: 's2' })].map((item) => JSON.stringify(item)).join('\n'));
    const asked = { source: new FileInventorySource(items, { snapshotId: 's9' }) };
    await expect(runPartitioned({ ...options(items, 'run-s', asked), partitions: 2 })).rejects.toThrow(`Inventory file ${items} has no item of snapshot s9 (it holds s1, s2).`);
    await expect(runAudit(options(items, 'run-s', asked))).rejects.toThrow(`Inventory file ${items} has no item of snapshot s9 (it holds s1, s2).`);
  });

  it('a partition that failed makes the run incomplete, naming it, and keeps what the others found', async () => {
    const file = writeTemp('partitioned-fail.ndjson', generated(60, 7).join('\n'));
    const source = new FileInventorySource(file);
    const result = await runPartitioned({
      ...options(file, 'run-fail', { source, engine: { graceDays: 30, waivers: [] } }),
      partitions: 3,
      runMaps: (tasks) =>
        Promise.all(
          tasks.map((task) =>
            task.partition.index === 1
              ? failedPartition(task.partition, 'Lambda timed out after 3 retries')
              : mapPartition({ ...task, source: source.partition(task.partition.spec), catalog: catalog(), engine: { graceDays: 30, waivers: [], capturedNotAfterMs: task.capturedNotAfterMs } }),
          ),
        ),
    });
    expect(result.head.summary.complete).toBe(false);
    expect(result.head.summary.incompleteReasons).toEqual([
      expect.stringMatching(/^Part of the snapshot could not be read: Partition 2 of 3 \(bytes \d+–\d+, from line \d+\) failed: Lambda timed out after 3 retries$/),
    ]);
    const report = readReport(result.reports.json!);
    expect(report.summary.complete).toBe(false);
    expect(report.summary.items).toBe(result.partitions[0]!.findings + result.partitions[2]!.findings);
    expect(report.summary.items).toBeGreaterThan(30);
    // The PDF's banner names it too: never "all clear".
    expect(pdfText(readPdf(result.reports.pdf!))).toMatch(/INCOMPLETE — .* Partition 2 of 3 \(bytes \d+–\d+, from line \d+\) failed: Lambda timed out after 3 retries/);
  });
});
