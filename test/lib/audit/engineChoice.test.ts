/**
 * `--engine auto` (the default): a run in one process is evaluated by the SQL engine from
 * AUTO_SQL_ITEMS items, as the snapshot manifest counts them or an NDJSON file's lines (a JSON
 * array's size), and when their number is not known; by the reference engine below. A partitioned run's maps
 * take the reference engine. Either way the reports are the same (engines.test.ts); the result
 * says which engine ran and what auto went by.
 */
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { AUTO_SQL_ITEMS, chooseEngine, mapEngine } from '../../../lib/audit/engineKind';
import { runAudit, type RunAuditOptions } from '../../../lib/audit/runAudit';
import { FileInventorySource } from '../../../lib/inventory/FileInventorySource';
import type { InventorySource } from '../../../lib/inventory/InventorySource';
import { runPartitioned } from '../../../lib/partitioned/runPartitioned';
import { SqlEngine } from '../../../lib/sql/sqlEngine';
import { MEASURED } from '../../../lib/plan/throughput';
import { planRun } from '../../../lib/plan/planRun';
import { readReport, tempDir, writeTemp } from '../../helpers/files';
import { CAPTURED_MS, catalog, DAY } from '../../helpers/items';

const EXAMPLE = resolve(__dirname, '../../../examples/inventory.ndjson');
const NOW = new Date(CAPTURED_MS + DAY);

function options(source: InventorySource, extra: Partial<RunAuditOptions> = {}): RunAuditOptions {
  return {
    source,
    catalog: catalog(),
    engine: { graceDays: 30, waivers: [] },
    formats: ['json'],
    outDir: tempDir('engine-choice-'),
    trigger: 'cli',
    runId: 'run-choice',
    now: () => NOW,
    history: null,
    duck: { threads: 1, memoryLimit: '256MB' },
    engineKind: 'auto',
    ...extra,
  };
}

/** The example file's items, behind a source whose manifest says it holds `expectedItems` (no file for DuckDB to read). */
function manifested(expectedItems: number | null): InventorySource {
  const file = new FileInventorySource(EXAMPLE);
  return {
    open: async () => ({ ...(await file.open()), expectedItems }),
    entries: (progress) => file.entries(progress),
    describe: () => 'a table with a manifest',
  };
}

describe('choosing the engine', () => {
  it('takes a named engine as it is, and chooses by the expected items for auto', () => {
    expect(chooseEngine('sql', 1)).toBe('sql');
    expect(chooseEngine('reference', 10_000_000)).toBe('reference');
    expect(chooseEngine('auto', AUTO_SQL_ITEMS - 1)).toBe('reference');
    expect(chooseEngine('auto', AUTO_SQL_ITEMS)).toBe('sql');
    expect(chooseEngine('auto', null)).toBe('sql');
    expect(mapEngine('auto')).toBe('reference');
    expect(mapEngine('sql')).toBe('sql');
  });

  it("goes by a file's lines, counted no further than needed, and a JSON array's size", async () => {
    expect((await runAudit(options(new FileInventorySource(EXAMPLE)))).engine).toEqual({ kind: 'reference', auto: true, estimate: { items: 45 } });
    // Blank lines are no items; lines that are not JSON are (invalid ones).
    const below = writeTemp('below.ndjson', `${'{}\n\n'.repeat(AUTO_SQL_ITEMS - 1)}`);
    expect((await runAudit(options(new FileInventorySource(below)))).engine).toEqual({ kind: 'reference', auto: true, estimate: { items: AUTO_SQL_ITEMS - 1 } });
    const enough = writeTemp('enough.ndjson', `${'{}\n'.repeat(AUTO_SQL_ITEMS + 5)}`);
    const sql = await runAudit(options(new FileInventorySource(enough)));
    expect(sql.engine).toEqual({ kind: 'sql', auto: true, estimate: { items: AUTO_SQL_ITEMS, atLeast: true } });
    expect(sql.head.summary.byVerdict.invalid).toBe(AUTO_SQL_ITEMS + 5);
    // Every line counts, another snapshot's too: both engines read them all.
    const other = writeTemp('other.ndjson', `${'{"snapshotId":"s-other"}\n'.repeat(AUTO_SQL_ITEMS)}${readFileSync(EXAMPLE, 'utf8')}`);
    const filtered = await runAudit(options(new FileInventorySource(other, { snapshotId: 'snap-2026-11-20' })));
    expect(filtered.engine).toEqual({ kind: 'sql', auto: true, estimate: { items: AUTO_SQL_ITEMS, atLeast: true } });
    expect(filtered.head.summary.items).toBe(45);
    // Long lines: no more than twice enough items' bytes are read, their lines scaled to the file's size.
    const line = `${JSON.stringify({ pad: 'x'.repeat(20_000) })}\n`;
    const long = writeTemp('long.ndjson', line.repeat(800));
    const source = new FileInventorySource(long);
    await source.open();
    const read = 2 * AUTO_SQL_ITEMS * MEASURED.averageItemBytes;
    // The lines begun within the bytes read (the last one cut short), scaled to the file's 800.
    const begun = Math.ceil(read / line.length);
    expect(begun).toBeLessThan(800);
    expect(await source.estimateItems(AUTO_SQL_ITEMS, MEASURED.averageItemBytes)).toEqual({ items: Math.round((begun * 800 * line.length) / read) });
    const lines = readFileSync(EXAMPLE, 'utf8').trim().split('\n');
    const array = writeTemp('array.json', `[${lines.join(',\n')}]`);
    const estimated = Math.round(statSync(array).size / MEASURED.averageItemBytes);
    expect((await runAudit(options(new FileInventorySource(array)))).engine).toEqual({ kind: 'reference', auto: true, estimate: { items: estimated } });
  });

  it("goes by the manifest's count, and takes the SQL engine when the count is not known; the reports are the same", async () => {
    const reference = await runAudit(options(manifested(AUTO_SQL_ITEMS - 1)));
    expect(reference.engine).toEqual({ kind: 'reference', auto: true, estimate: { items: AUTO_SQL_ITEMS - 1 } });
    const sql = await runAudit(options(manifested(AUTO_SQL_ITEMS)));
    expect(sql.engine).toEqual({ kind: 'sql', auto: true, estimate: { items: AUTO_SQL_ITEMS } });
    const unknown = await runAudit(options(manifested(null)));
    expect(unknown.engine).toEqual({ kind: 'sql', auto: true, estimate: null });
    // The manifest promised more than was read: both runs say so, in the same words.
    expect(sql.head.summary.complete).toBe(false);
    expect(readReport(sql.reports.json!).findings).toEqual(readReport(reference.reports.json!).findings);
    expect(readReport(unknown.reports.json!).findings).toEqual(readReport(reference.reports.json!).findings);
  });

  it('says when the engine was named', async () => {
    const result = await runAudit(options(new FileInventorySource(EXAMPLE), { engineKind: 'sql' }));
    expect(result.engine).toEqual({ kind: 'sql', auto: false, estimate: null });
  });

  it("maps a partitioned run's partitions with the reference engine: no DuckDB is opened", async () => {
    const opened = jest.spyOn(SqlEngine, 'open');
    try {
      const result = await runPartitioned({ ...options(new FileInventorySource(EXAMPLE)), partitions: 2, concurrency: 2 });
      expect(result.engine).toEqual({ kind: 'reference', auto: true, estimate: null, maps: true });
      expect(opened).not.toHaveBeenCalled();
      await runPartitioned({ ...options(new FileInventorySource(EXAMPLE)), engineKind: 'sql', partitions: 2, concurrency: 2 });
      expect(opened).toHaveBeenCalledTimes(2);
    } finally {
      opened.mockRestore();
    }
  });

  it("plans a run in one Lambda with auto's engine for its items, and the map children with the reference engine", () => {
    const size = (items: number) => ({ snapshotId: 's', items, bytes: items * MEASURED.averageItemBytes, tableBytes: null, source: 'what-if' as const, notes: [] });
    expect(planRun(size(1_000), { engine: 'auto' }).engine).toBe('reference');
    expect(planRun(size(100_000), { engine: 'auto' }).engine).toBe('sql');
    const distributed = planRun(size(2_000_000), { engine: 'auto' });
    expect(distributed.execution).toBe('distributed-map');
    expect(distributed.engine).toBe('reference');
    expect(planRun(size(2_000_000), { engine: 'sql' }).engine).toBe('sql');
    // Sized by DescribeTable: the table has no manifest, and the run, which goes by the manifest's count, does not know it.
    expect(planRun({ ...size(1_000), source: 'describe-table' }, { engine: 'auto' }).engine).toBe('sql');
  });
});
