import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { runAudit, type RunAuditOptions } from '../../../lib/audit/runAudit';
import { DEFAULT_ENGINE_OPTIONS } from '../../../lib/engine/evaluate';
import { UsageError } from '../../../lib/errors';
import { FileHistoryStore } from '../../../lib/history/FileHistoryStore';
import type { HistoryStore } from '../../../lib/history/HistoryStore';
import { FileInventorySource } from '../../../lib/inventory/FileInventorySource';
import type { InventorySource } from '../../../lib/inventory/InventorySource';
import { VERDICTS } from '../../../lib/model';
import { ndjson, readReport, tempDir, writeTemp } from '../../helpers/files';
import { catalog, makeItem } from '../../helpers/items';

const EXAMPLE = resolve(__dirname, '../../../examples/inventory.ndjson');

const audit = (source: InventorySource, overrides: Partial<RunAuditOptions> = {}) =>
  runAudit({
    source,
    catalog: catalog(),
    engine: DEFAULT_ENGINE_OPTIONS,
    formats: ['json', 'csv'],
    outDir: tempDir(),
    trigger: 'cli',
    ...overrides,
  });

describe('runAudit', () => {
  it('writes a JSON report valid against the shipped schema, one finding per item, in itemId order', async () => {
    const result = await audit(new FileInventorySource(EXAMPLE));
    const report = readReport(result.reports.json!);
    const lines = readFileSync(EXAMPLE, 'utf8').trim().split('\n');
    expect(report.findings).toHaveLength(lines.length);
    const ids = report.findings.map((f: { itemId: string }) => f.itemId);
    expect(ids).toEqual([...ids].sort());
    expect(report.run).toMatchObject({ id: result.head.run.id, trigger: 'cli', snapshotId: 'snap-2026-11-20', catalogVersion: catalog().version });
    expect(report.run.snapshotCapturedAt).toBe('2026-11-20T02:00:00.000Z');
    expect(report.summary.complete).toBe(true);
  });

  it('summarises exactly what the findings say', async () => {
    const result = await audit(new FileInventorySource(EXAMPLE));
    const report = readReport(result.reports.json!);
    for (const verdict of VERDICTS) {
      expect(report.summary.byVerdict[verdict]).toBe(report.findings.filter((f: { verdict: string }) => f.verdict === verdict).length);
    }
    expect(report.summary.items).toBe(report.findings.length);
    const violations = report.findings.filter((f: { verdict: string }) => f.verdict === 'violation');
    expect(report.summary.recordsPastDeadline).toBe(violations.reduce((n: number, f: { recordCount: number }) => n + f.recordCount, 0));
  });

  it('the example inventory exercises every module and every verdict but waived (which needs waivers)', async () => {
    const report = readReport((await audit(new FileInventorySource(EXAMPLE))).reports.json!);
    const modules = new Set(report.findings.map((f: { module: string }) => f.module));
    for (const module of catalog().modules.keys()) expect(modules).toContain(module);
    for (const verdict of VERDICTS.filter((v) => v !== 'waived')) expect(report.summary.byVerdict[verdict]).toBeGreaterThan(0);
  });

  it("keeps the documents' own words, curly quotes included, written as ASCII JSON escapes", async () => {
    const path = writeTemp('q.ndjson', ndjson([makeItem({ module: 'intelligent-guidance', dataCategory: 'billing-data', events: { accountDeletedAt: '2026-01-01T00:00:00Z' } })]));
    const result = await audit(new FileInventorySource(path));
    const raw = readFileSync(result.reports.json!, 'utf8');
    expect(raw).toContain('customer\\u2019s deletion request');
    expect(raw).toMatch(/^[\x00-\x7f]*$/);
    expect(readReport(result.reports.json!).findings[0].clause.text).toContain('customer’s deletion request');
  });

  it('writes a CSV with a header and one row per finding, in the same order', async () => {
    const result = await audit(new FileInventorySource(EXAMPLE));
    const report = readReport(result.reports.json!);
    const rows = parse(readFileSync(result.reports.csv!, 'utf8'), { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(report.findings.length);
    expect(rows.map((r) => r.itemId)).toEqual(report.findings.map((f: { itemId: string }) => f.itemId));
    const violation = rows.find((r) => r.verdict === 'violation')!;
    expect(violation.clauseText).toBeTruthy();
    expect(violation.ruleId).toMatch(/\//);
  });

  it('keeps spreadsheet formulas out of the CSV', async () => {
    const path = writeTemp('f.ndjson', ndjson([makeItem({ tenantId: '=HYPERLINK("http://x")' })]));
    const csv = readFileSync((await audit(new FileInventorySource(path))).reports.csv!, 'utf8');
    expect(csv).toContain(`"'=HYPERLINK(""http://x"")"`);
  });

  it('gives the same report whatever the sort spill size', async () => {
    const items = Array.from({ length: 300 }, (_, i) => makeItem({ itemId: `id-${(i * 37) % 300}` }));
    const path = writeTemp('s.ndjson', ndjson(items));
    const big = readReport((await audit(new FileInventorySource(path))).reports.json!);
    const small = readReport((await audit(new FileInventorySource(path), { sortBudgetChars: 2000 })).reports.json!);
    expect(small.findings).toEqual(big.findings);
    expect(small.summary).toEqual(big.summary);
    // Spilled compressed, as a Lambda's runs spill.
    const compressed = readReport((await audit(new FileInventorySource(path), { sortBudgetChars: 2000, compressSpills: true })).reports.json!);
    expect(compressed.findings).toEqual(big.findings);
    expect(compressed.summary).toEqual(big.summary);
  });

  it('marks a repeated itemId invalid, keeping the first', async () => {
    const path = writeTemp('d.ndjson', ndjson([makeItem({ itemId: 'a', tenantId: 'first' }), makeItem({ itemId: 'a', tenantId: 'second' })]));
    const report = readReport((await audit(new FileInventorySource(path))).reports.json!);
    expect(report.findings.map((f: { tenantId: string; verdict: string }) => [f.tenantId, f.verdict])).toEqual([
      ['first', 'compliant'],
      ['second', 'invalid'],
    ]);
    expect(report.findings[1].reason).toMatch(/Field itemId repeats a/);
  });

  it('names the line of a line that is not JSON and of an item without an itemId', async () => {
    const noId = { ...makeItem(), itemId: undefined };
    const path = writeTemp('l.ndjson', `${JSON.stringify(makeItem({ itemId: 'a', bytes: -1 }))}\nnot json\n${JSON.stringify(noId)}\n`);
    const report = readReport((await audit(new FileInventorySource(path))).reports.json!);
    expect(report.findings.map((f: { reason: string }) => f.reason)).toEqual([
      'Line 2 is not valid JSON.',
      'Required field itemId is missing (line 3).',
      'Field bytes is negative or too small.',
    ]);
  });

  it('warns when a file mixes snapshots', async () => {
    const path = writeTemp('m.ndjson', ndjson([makeItem({ itemId: 'a' }), makeItem({ itemId: 'b', snapshotId: 'other' })]));
    const report = readReport((await audit(new FileInventorySource(path))).reports.json!);
    expect(report.summary.warnings[0]).toMatch(/mixes snapshots.*other.*--snapshot/);
  });

  it('reports a source that could not be read whole as incomplete, keeping what it read', async () => {
    const source: InventorySource = {
      describe: () => 'flaky',
      open: async () => ({ snapshotId: 's', capturedAt: null, expectedItems: null, warnings: [], incompleteReasons: [], ordered: false }),
      async *entries() {
        yield { kind: 'item', raw: makeItem({ itemId: 'a' }) };
        yield { kind: 'gap', reason: 'Scan segment 2 of 4 stopped: InternalServerError: boom' };
      },
    };
    const report = readReport((await audit(source)).reports.json!);
    expect(report.summary).toMatchObject({ complete: false, items: 1 });
    expect(report.summary.incompleteReasons[0]).toContain('Scan segment 2 of 4 stopped');
  });

  it.each([[true], [false]])('an ordered source skips the sort, and one that only claims it is sorted anyway (ordered: %s)', async (ordered) => {
    const ids = ordered ? ['a', 'b', 'c', 'c'] : ['b', 'a', 'c', 'c'];
    const source: InventorySource = {
      describe: () => 'table',
      open: async () => ({ snapshotId: 'snap-test', capturedAt: null, expectedItems: null, warnings: [], incompleteReasons: [], ordered: true }),
      async *entries() {
        for (const itemId of ids) yield { kind: 'item', raw: makeItem({ itemId }) };
      },
    };
    const report = readReport((await audit(source)).reports.json!);
    expect(report.findings.map((f: { itemId: string; verdict: string }) => `${f.itemId}:${f.verdict}`)).toEqual([
      'a:compliant',
      'b:compliant',
      'c:compliant',
      'c:invalid',
    ]);
    expect(report.summary.byVerdict).toMatchObject({ compliant: 3, invalid: 1 });
    expect(report.summary.items).toBe(4);
  });

  it('rebuilds the JSON report when its head outgrows the space kept for it', async () => {
    const many = Array.from({ length: 3000 }, (_, i) => makeItem({ itemId: `i-${i}`, module: `unknown-module-${i}` }));
    const source: InventorySource = {
      describe: () => 'table',
      open: async () => ({ snapshotId: 'snap-test', capturedAt: null, expectedItems: null, warnings: [], incompleteReasons: [], ordered: true }),
      async *entries() {
        for (const raw of many.sort((a, b) => (a.itemId < b.itemId ? -1 : 1))) yield { kind: 'item', raw };
      },
    };
    const report = readReport((await audit(source)).reports.json!);
    expect(Object.keys(report.summary.byModule)).toHaveLength(3000);
    expect(report.findings).toHaveLength(3000);
  });

  it('leaves no partial report behind when the source fails', async () => {
    const out = tempDir();
    const source: InventorySource = {
      describe: () => 'broken',
      open: async () => ({ snapshotId: 's', capturedAt: null, expectedItems: null, warnings: [], incompleteReasons: [], ordered: false }),
      async *entries() {
        yield { kind: 'item', raw: makeItem() };
        throw new Error('disk on fire');
      },
    };
    await expect(audit(source, { outDir: out })).rejects.toThrow('disk on fire');
    expect(readdirSync(out)).toEqual([]);
  });

  it('refuses an empty snapshot file: a gate must not pass on nothing', async () => {
    await expect(audit(new FileInventorySource(writeTemp('e.json', '[]')))).rejects.toThrow(/holds no inventory items/);
  });

  it('names the reports after the run id', async () => {
    const out = tempDir();
    const result = await audit(new FileInventorySource(EXAMPLE), { outDir: out, runId: 'audit-test-1' });
    expect(result.reports).toEqual({ json: join(out, 'audit-test-1.json'), csv: join(out, 'audit-test-1.csv') });
    expect(readdirSync(out).sort()).toEqual(['audit-test-1.csv', 'audit-test-1.json']);
  });
});

describe('runAudit draws the trend of its scope from history', () => {
  const DAY_MS = 86_400_000;
  const day = (n: number) => new Date(Date.parse('2026-11-20T02:00:00Z') + n * DAY_MS);
  /** Snapshot n: each tenant's logs `ageDays` old (30 days: a violation; 1 day: compliant). */
  const snapshot = (n: number, ages: Record<string, number>) =>
    writeTemp(
      `trend-${n}.ndjson`,
      ndjson(
        Object.entries(ages).map(([tenantId, ageDays], i) =>
          makeItem({ snapshotId: `snap-${n}`, itemId: `s${n}-${i}`, tenantId, store: { type: 'mysql', resource: `im/${tenantId}` }, capturedAt: day(n).toISOString(), oldestRecordAt: new Date(day(n).getTime() - ageDays * DAY_MS).toISOString() }),
        ),
      ),
    );
  /** Day 1: a violates. Day 2: b violates too. Day 3: a's old logs were deleted (resolved), b persists, c is new. */
  const DAYS: Record<string, number>[] = [{ a: 30, b: 1 }, { a: 30, b: 30 }, { a: 1, b: 30, c: 30 }];
  const inScope = (store: HistoryStore, n: number, overrides: Partial<RunAuditOptions> = {}) =>
    audit(new FileInventorySource(snapshot(n, DAYS[n - 1]!)), { history: { store, scope: 'estate' }, runId: `audit-trend-${n}`, now: () => new Date(day(n).getTime() + 3_600_000), ...overrides });

  it('three runs of a scope: the third report shows three points, oldest first, with open, new and resolved violations', async () => {
    const store = new FileHistoryStore(tempDir('trend-history-'));
    const results = [];
    for (const n of [1, 2, 3]) results.push(await inScope(store, n));
    const finished = (n: number) => new Date(day(n).getTime() + 3_600_000).toISOString();
    const expected = [
      { runId: 'audit-trend-1', finishedAt: finished(1), openViolations: 1, newViolations: 1, resolvedViolations: 0 },
      { runId: 'audit-trend-2', finishedAt: finished(2), openViolations: 2, newViolations: 1, resolvedViolations: 0 },
      { runId: 'audit-trend-3', finishedAt: finished(3), openViolations: 2, newViolations: 1, resolvedViolations: 1 },
    ];
    expect(results.map((result) => result.head.trend)).toEqual([expected.slice(0, 1), expected.slice(0, 2), expected]);
    // The JSON report carries it, valid against the shipped schema; the counts match the report's own.
    const report = readReport(results[2]!.reports.json!);
    expect(report.trend).toEqual(expected);
    expect(report.summary.byVerdict.violation).toBe(2);
    expect(report.changes).toMatchObject({ newViolations: 1, resolved: 1 });
    // Each committed run keeps its counts in the history.
    expect((await store.findRun('audit-trend-2'))?.counts).toEqual({ openViolations: 2, newViolations: 1, resolvedViolations: 0 });
  });

  it('shows the last trendRuns runs, this one included', async () => {
    const store = new FileHistoryStore(tempDir('trend-history-'));
    for (const n of [1, 2]) await inScope(store, n);
    const third = await inScope(store, 3, { trendRuns: 2 });
    expect(third.head.trend!.map((point) => point.runId)).toEqual(['audit-trend-2', 'audit-trend-3']);
    const alone = await inScope(new FileHistoryStore(tempDir('trend-history-')), 1, { trendRuns: 1 });
    expect(alone.head.trend).toHaveLength(1);
  });

  it('counts this run’s open violations as its report does, after a repeated itemId was marked invalid', async () => {
    const path = writeTemp('trend-dup.ndjson', ndjson(['a', 'b'].map((tenantId) => makeItem({ itemId: 'dup', tenantId, capturedAt: day(1).toISOString(), oldestRecordAt: day(-30).toISOString() }))));
    const result = await audit(new FileInventorySource(path), { history: { store: new FileHistoryStore(tempDir('trend-history-')), scope: 'estate' }, now: () => day(2) });
    expect(result.head.summary.byVerdict).toMatchObject({ violation: 1, invalid: 1 });
    expect(result.head.trend).toEqual([expect.objectContaining({ openViolations: 1 })]);
  });

  it('refuses a trendRuns that is not a whole number of 1 or more', async () => {
    const store = new FileHistoryStore(tempDir('trend-history-'));
    await expect(inScope(store, 1, { trendRuns: 0 })).rejects.toThrow(UsageError);
    await expect(inScope(store, 1, { trendRuns: 2.5 })).rejects.toThrow(/trendRuns 2\.5 is not a whole number of 1 or more/);
  });

  it('without history there is no trend: the report has no trend at all', async () => {
    const result = await audit(new FileInventorySource(EXAMPLE));
    expect(result.head.trend).toBeUndefined();
    expect(readReport(result.reports.json!)).not.toHaveProperty('trend');
  });

  it('an incomplete run shows its own point but does not join the trend of the next run', async () => {
    const store = new FileHistoryStore(tempDir('trend-history-'));
    await inScope(store, 1);
    const flaky: InventorySource = {
      describe: () => 'flaky',
      open: async () => ({ snapshotId: 'snap-x', capturedAt: null, expectedItems: null, warnings: [], incompleteReasons: [], ordered: false }),
      async *entries() {
        yield { kind: 'item', raw: makeItem({ snapshotId: 'snap-x', itemId: 'x', capturedAt: day(2).toISOString() }) };
        yield { kind: 'gap', reason: 'Scan segment 1 of 1 stopped' };
      },
    };
    const incomplete = await audit(flaky, { history: { store, scope: 'estate' }, runId: 'audit-trend-x', now: () => new Date(day(2).getTime() + 3_600_000) });
    expect(incomplete.head.summary.complete).toBe(false);
    expect(incomplete.head.trend!.map((point) => point.runId)).toEqual(['audit-trend-1', 'audit-trend-x']);
    const next = await inScope(store, 3);
    expect(next.head.trend!.map((point) => point.runId)).toEqual(['audit-trend-1', 'audit-trend-3']);
  });

  it('a damaged history line never stops the run: the trend leaves it out and says so', async () => {
    const root = tempDir('trend-history-');
    const store = new FileHistoryStore(root);
    for (const n of [1, 2]) await inScope(store, n);
    const index = join(root, 'estate', 'runs.ndjson');
    const [first, second] = readFileSync(index, 'utf8').trim().split('\n');
    writeFileSync(index, `${first}\n{"runId": garbage\n${second}\n`);
    const third = await inScope(store, 3);
    expect(third.head.trend!.map((point) => point.runId)).toEqual(['audit-trend-1', 'audit-trend-2', 'audit-trend-3']);
    expect(third.head.summary.warnings).toContainEqual(`The trend leaves out a history record of scope estate that cannot be read: line 2 of the history file ${index} is damaged (not JSON).`);
    expect(third.head.changes?.previousRunId).toBe('audit-trend-2');
  });
});
