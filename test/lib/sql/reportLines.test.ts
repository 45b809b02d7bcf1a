/**
 * The SQL engine's two ways of giving the report's lines (lib/sql/sqlEngine.ts): copyLines
 * writes them with DuckDB's COPY (the lines before them as the file's prefix), reportLines
 * reads back a file DuckDB sorted. Both give the same lines in the same order, keyed by
 * itemId, and the lines before the findings stand alone when there is none.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { SqlEngine } from '../../../lib/sql/sqlEngine';
import type { FindingLine } from '../../../lib/report/FindingSorter';
import { collect, tempDir } from '../../helpers/files';
import { catalog } from '../../helpers/items';
import { sqlItem } from '../../helpers/sqlItems';

const OPTIONS = { graceDays: 30, waivers: [] };

async function engineWith(items: readonly unknown[]): Promise<SqlEngine> {
  const engine = await SqlEngine.open(catalog(), OPTIONS, { threads: 2, memoryLimit: '256MB' });
  items.forEach((raw, i) => engine.append({ kind: 'item', raw, location: `line ${i + 1}` }));
  return engine;
}

const BEFORE = ['  ', '"findings": ['];

describe('the report lines of the SQL engine', () => {
  it('are the same from copyLines and reportLines, keyed and ordered by itemId', async () => {
    const items = fc.sample(sqlItem(catalog(), 30), { numRuns: 300, seed: 20261128 });
    // Repeated and missing itemIds, and ones JavaScript and DuckDB order differently.
    items.forEach((item, i) => {
      if (i % 50 === 7) item.itemId = items[i - 3]!.itemId;
      if (i % 97 === 5) delete item.itemId;
      if (i % 61 === 11) item.itemId = i % 2 === 0 ? `id-\u{1F680}-${i}` : `id-\uFF5E-${i}`;
    });
    const engine = await engineWith(items);
    try {
      const lines: FindingLine[] = await collect(engine.reportLines());
      expect(lines).toHaveLength(items.length);
      const keys = lines.map(({ key }) => key);
      const sortedKeys = [...keys].sort((a, b) => (a === b ? 0 : a === null ? -1 : b === null ? 1 : a < b ? -1 : 1));
      expect(keys).toEqual(sortedKeys);
      lines.forEach(({ key, line }) => expect((JSON.parse(line) as { itemId: string | null }).itemId ?? null).toBe(key));
      const path = join(tempDir('report-lines-'), 'lines.json');
      expect(await engine.copyLines(path, { before: BEFORE, suffix: ',' })).toBe(items.length);
      expect(readFileSync(path, 'utf8')).toBe([...BEFORE, ...lines.map(({ line }) => `${line},`)].map((line) => `${line}\n`).join(''));
      const bare = join(tempDir('report-lines-'), 'bare.ndjson');
      await engine.copyLines(bare);
      expect(readFileSync(bare, 'utf8')).toBe(lines.map(({ line }) => `${line}\n`).join(''));
    } finally {
      engine.close();
    }
  }, 60_000);

  it('leave the lines before the findings alone when there is none', async () => {
    const engine = await engineWith([]);
    try {
      const path = join(tempDir('report-lines-'), 'empty.json');
      expect(await engine.copyLines(path, { before: BEFORE, suffix: ',' })).toBe(0);
      expect(readFileSync(path, 'utf8')).toBe('  \n"findings": [\n');
      expect(await collect(engine.reportLines())).toEqual([]);
    } finally {
      engine.close();
    }
  });
});
