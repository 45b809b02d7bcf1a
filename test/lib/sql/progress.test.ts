/**
 * The SQL engine's progress: while DuckDB reads a file itself, evaluates its items and writes
 * the reports, nothing of the source is iterated, so DuckDB is asked how far its statements
 * are (lib/sql/duck.ts watchProgress). Each measure only grows and ends at its total; without
 * a listener nothing is asked and no setting changes.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { DuckDBConnection } from '../../../lib/sql/duckdb';
import { runAudit, type AuditProgress } from '../../../lib/audit/runAudit';
import { FileInventorySource } from '../../../lib/inventory/FileInventorySource';
import type { SourceProgress } from '../../../lib/inventory/InventorySource';
import { openDuck, watchProgress } from '../../../lib/sql/duck';
import { SqlEngine } from '../../../lib/sql/sqlEngine';
import { collect, tempDir, writeTemp } from '../../helpers/files';
import { CAPTURED_MS, catalog, DAY } from '../../helpers/items';
import { sqlItem } from '../../helpers/sqlItems';

const OPTIONS = { graceDays: 30, waivers: [] };
/** Polls as often as the timers allow, so that small files get some before their statements end. */
const DUCK = { threads: 2, memoryLimit: '256MB', progressEveryMs: 1 };
const SETTINGS = `SELECT current_setting('enable_progress_bar'), current_setting('enable_progress_bar_print'), current_setting('progress_bar_time')`;
/** Rows of a table (DuckDB tells how far a scan of a table is, not of range()) that {@link SLOW} takes a second or so to sort. */
const ROWS = 'CREATE TABLE numbers AS SELECT range AS n FROM range(3000000)';
const SLOW = 'CREATE TABLE slow AS SELECT md5(CAST(n AS VARCHAR)) AS h FROM numbers ORDER BY h';

function inventory(count: number): { path: string; size: number } {
  const items = fc.sample(sqlItem(catalog(), 30), { numRuns: count, seed: 20261129 });
  const path = writeTemp('progress.ndjson', items.map((item) => JSON.stringify(item)).join('\n'));
  return { path, size: statSync(path).size };
}

/** The values of each unit (or phase and unit) in the order reported: each must only grow. */
function expectGrowing(values: readonly number[]): void {
  for (let i = 1; i < values.length; i += 1) expect(values[i]).toBeGreaterThanOrEqual(values[i - 1]!);
}

describe('watchProgress', () => {
  it("turns DuckDB's progress tracking on for its connection only, and reports fractions that grow to at most 1", async () => {
    const duck = await openDuck({ threads: 2 });
    try {
      await duck.connection.run(ROWS);
      expect((await duck.connection.runAndReadAll(SETTINGS)).getRows()).toEqual([[false, true, 2000n]]);
      const fractions: number[] = [];
      await watchProgress(duck.connection, (fraction) => fractions.push(fraction), () => duck.connection.run(SLOW), 1);
      expect((await duck.connection.runAndReadAll(SETTINGS)).getRows()).toEqual([[true, false, 0n]]);
      expect(fractions.length).toBeGreaterThan(0);
      for (const fraction of fractions) expect(fraction).toBeGreaterThan(0);
      for (const fraction of fractions) expect(fraction).toBeLessThanOrEqual(1);
      expectGrowing(fractions);
      const other = await duck.connect();
      expect((await other.runAndReadAll(SETTINGS)).getRows()).toEqual([[false, true, 2000n]]);
    } finally {
      duck.close();
    }
  }, 60_000);

  it('lets the work finish when a report throws', async () => {
    const duck = await openDuck({ threads: 2 });
    try {
      let reports = 0;
      const fail = () => {
        reports += 1;
        throw new Error('a broken bar');
      };
      await duck.connection.run(ROWS);
      await watchProgress(duck.connection, fail, () => duck.connection.run(SLOW), 1);
      expect(reports).toBeGreaterThan(0);
      expect((await duck.connection.runAndReadAll('SELECT count(*) FROM slow')).getRows()).toEqual([[3000000n]]);
    } finally {
      duck.close();
    }
  }, 60_000);
});

describe('the SQL engine over a file it reads itself', () => {
  it('reports the bytes read, then the items evaluated, each ending at its total, and each report written to its end', async () => {
    const file = inventory(2000);
    const progress: SourceProgress[] = [];
    const engine = await SqlEngine.open(catalog(), OPTIONS, DUCK, { file: { path: file.path, snapshotFilter: null }, onProgress: (p) => progress.push(p) });
    try {
      expect(engine.loadedFromFile).toBe(true);
      const writes: number[] = [];
      expect(await engine.copyLines(join(tempDir('progress-'), 'lines.ndjson'), { onProgress: (fraction) => writes.push(fraction) })).toBe(2000);
      const bytes = progress.filter((p) => p.unit === 'bytes');
      const items = progress.filter((p) => p.unit === 'items');
      // Every byte report before the first item report.
      expect(progress).toEqual([...bytes, ...items]);
      expect(bytes.at(-1)).toEqual({ done: file.size, total: file.size, unit: 'bytes' });
      expect(items.at(-1)).toEqual({ done: 2000, total: 2000, unit: 'items' });
      for (const [values, total] of [[bytes, file.size], [items, 2000]] as const) {
        for (const p of values) expect(p.total).toBe(total);
        expectGrowing(values.map((p) => p.done));
      }
      expect(writes.at(-1)).toBe(1);
      expectGrowing(writes);
      const sorts: number[] = [];
      expect(await collect(engine.reportLines((fraction) => sorts.push(fraction)))).toHaveLength(2000);
      expect(sorts.at(-1)).toBe(1);
      expectGrowing(sorts);
    } finally {
      engine.close();
    }
  }, 60_000);

  it('reports nothing of a read it gives up for the Node reader (a CR: CRLF lines), whose own progress the source reports', async () => {
    const items = fc.sample(sqlItem(catalog(), 30), { numRuns: 200, seed: 20261129 });
    const path = writeTemp('progress-crlf.ndjson', items.map((item) => JSON.stringify(item)).join('\r\n'));
    const progress: SourceProgress[] = [];
    const engine = await SqlEngine.open(catalog(), OPTIONS, DUCK, { file: { path, snapshotFilter: null }, onProgress: (p) => progress.push(p) });
    try {
      expect(engine.loadedFromFile).toBe(false);
      expect(progress).toEqual([]);
    } finally {
      engine.close();
    }
  }, 60_000);

  it('goes through cutting the report in parts and then the parts, in turn, growing to 1', async () => {
    const file = inventory(400);
    // About 40 findings a part (as test/lib/sql/reportParts.test.ts): a dozen parts.
    const engine = await SqlEngine.open(catalog(), OPTIONS, { ...DUCK, reportSortBytes: 160_000 }, { file: { path: file.path, snapshotFilter: null }, onProgress: () => undefined });
    try {
      const writes: number[] = [];
      expect(await engine.copyLines(join(tempDir('progress-'), 'lines.ndjson'), { onProgress: (fraction) => writes.push(fraction) })).toBe(400);
      // The cut ends at half, and each part ends at its share.
      expect(writes).toContain(0.5);
      expect(writes.filter((fraction) => fraction > 0.5).length).toBeGreaterThan(5);
      expect(writes.at(-1)).toBe(1);
      expectGrowing(writes);
    } finally {
      engine.close();
    }
  }, 60_000);
});

describe('a run with the SQL engine on a file', () => {
  const audit = (path: string, onProgress?: (progress: AuditProgress) => void) =>
    runAudit({
      source: new FileInventorySource(path),
      catalog: catalog(),
      engine: OPTIONS,
      // Three reports DuckDB writes whole (JSON, then Parquet and CSV from the JSON's lines): three passes over the findings.
      formats: ['json', 'parquet', 'csv'],
      outDir: tempDir('progress-run-'),
      trigger: 'cli',
      now: () => new Date(CAPTURED_MS + DAY),
      engineKind: 'sql',
      duck: DUCK,
      ...(onProgress ? { onProgress } : {}),
    });

  it('reports evaluating (bytes, then items) and writing, each growing to its total', async () => {
    const file = inventory(2000);
    const progress: AuditProgress[] = [];
    const result = await audit(file.path, (p) => progress.push(p));
    expect(result.head.summary.items).toBe(2000);
    const kinds = [...new Set(progress.map((p) => `${p.phase} ${p.unit}`))];
    expect(kinds).toEqual(['evaluate bytes', 'evaluate items', 'write items']);
    for (const kind of kinds) expectGrowing(progress.filter((p) => `${p.phase} ${p.unit}` === kind).map((p) => p.done));
    const last = (kind: string) => progress.filter((p) => `${p.phase} ${p.unit}` === kind).at(-1);
    expect(last('evaluate bytes')).toEqual({ phase: 'evaluate', done: file.size, total: file.size, unit: 'bytes' });
    expect(last('evaluate items')).toEqual({ phase: 'evaluate', done: 2000, total: 2000, unit: 'items' });
    expect(last('write items')).toEqual({ phase: 'write', done: 2000, total: 2000, unit: 'items' });
  }, 60_000);

  it('without a listener, never asks DuckDB how far a statement is nor changes its settings', async () => {
    const file = inventory(300);
    const asked = jest.spyOn(DuckDBConnection.prototype, 'progress', 'get');
    const run = jest.spyOn(DuckDBConnection.prototype, 'run');
    try {
      await audit(file.path);
      expect(asked).not.toHaveBeenCalled();
      expect(run.mock.calls.filter(([sql]) => /progress_bar/.test(sql))).toEqual([]);
    } finally {
      asked.mockRestore();
      run.mockRestore();
    }
  }, 60_000);
});
