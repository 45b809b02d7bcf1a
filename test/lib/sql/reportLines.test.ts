/**
 * The SQL engine's two ways of giving the report's lines (lib/sql/sqlEngine.ts): copyLines
 * writes them with DuckDB's COPY (the lines before them as the file's prefix), reportLines
 * reads back a file DuckDB sorted. Both give the same lines in the same order, by itemId,
 * and the lines before the findings stand alone when there is none. After a copyLines, the
 * passes after it read its lines again instead of sorting them (no COPY), as long as its file
 * holds them; reportLines leaves out the verdicts asked.
 */
import { readFileSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBConnection } from '../../../lib/sql/duckdb';
import fc from 'fast-check';
import { duplicateOf } from '../../../lib/audit/phases/markRepeated';
import type { EngineOptions } from '../../../lib/engine/evaluate';
import type { Finding, Verdict } from '../../../lib/model';
import { SqlEngine } from '../../../lib/sql/sqlEngine';
import { toJsonLine } from '../../../lib/report/FindingSorter';
import { collect, tempDir } from '../../helpers/files';
import { catalog } from '../../helpers/items';
import { compiledTestWaivers, sqlItem } from '../../helpers/sqlItems';

const OPTIONS: EngineOptions = { graceDays: 30, waivers: [] };

async function engineWith(items: readonly unknown[], options = OPTIONS, reportSortBytes?: number): Promise<SqlEngine> {
  const engine = await SqlEngine.open(catalog(), options, { threads: 2, memoryLimit: '256MB', ...(reportSortBytes === undefined ? {} : { reportSortBytes }) });
  items.forEach((raw, i) => engine.append({ kind: 'item', raw, location: `line ${i + 1}` }));
  return engine;
}

const BEFORE = ['  ', '"findings": ['];

/** Counts the COPY statements DuckDB runs from now on (a sort of the lines is one). */
function copiesDuring(): { count(): number; restore(): void } {
  const spy = jest.spyOn(DuckDBConnection.prototype, 'run');
  return {
    count: () => spy.mock.calls.filter(([sql]) => /^\s*COPY\b/.test(sql)).length,
    restore: () => spy.mockRestore(),
  };
}

describe('the report lines of the SQL engine', () => {
  it('are the same from copyLines and reportLines, ordered by itemId, and read again without a sort after a copyLines', async () => {
    const items = fc.sample(sqlItem(catalog(), 30), { numRuns: 300, seed: 20261128 });
    // Repeated and missing itemIds, and ones JavaScript and DuckDB order differently.
    items.forEach((item, i) => {
      if (i % 50 === 7) item.itemId = items[i - 3]!.itemId;
      if (i % 97 === 5) delete item.itemId;
      if (i % 61 === 11) item.itemId = i % 2 === 0 ? `id-\u{1F680}-${i}` : `id-\uFF5E-${i}`;
    });
    const engine = await engineWith(items);
    try {
      const lines: string[] = await collect(engine.reportLines());
      expect(lines).toHaveLength(items.length);
      const keys = lines.map((line) => (JSON.parse(line) as { itemId?: string }).itemId ?? null);
      const sortedKeys = [...keys].sort((a, b) => (a === b ? 0 : a === null ? -1 : b === null ? 1 : a < b ? -1 : 1));
      expect(keys).toEqual(sortedKeys);
      const path = join(tempDir('report-lines-'), 'lines.json');
      expect(await engine.copyLines(path, { before: BEFORE, suffix: ',' })).toBe(items.length);
      const json = [...BEFORE, ...lines.map((line) => `${line},`)].map((line) => `${line}\n`).join('');
      expect(readFileSync(path, 'utf8')).toBe(json);
      // Cut short at its end as the JSON writer cuts it, and its lines then read again for the passes after it: no COPY.
      truncateSync(path, json.length - 2);
      const copies = copiesDuring();
      const bare = join(tempDir('report-lines-'), 'bare.ndjson');
      await engine.copyLines(bare);
      expect(readFileSync(bare, 'utf8')).toBe(lines.map((line) => `${line}\n`).join(''));
      expect(await collect(engine.reportLines())).toEqual(lines);
      expect(copies.count()).toBe(0);
      // Cut anywhere else, or written over, the file no longer holds them: they are sorted again.
      truncateSync(path, json.length - 3);
      expect(await collect(engine.reportLines())).toEqual(lines);
      expect(copies.count()).toBe(1);
      copies.restore();
    } finally {
      engine.close();
    }
  }, 60_000);

  // A few hundred findings in one sort, and in parts (~40 findings a part: sqlEngine.ts sortedParts).
  it.each([['in one sort', undefined], ['in parts', 160_000]])(
    'leave out the findings of the verdicts asked, as their lines have them after repeated itemIds are replaced (%s)',
    async (_sort, reportSortBytes) => {
      const items = fc.sample(sqlItem(catalog(), 30), { numRuns: 400, seed: 20261129 });
      items.forEach((item, i) => {
        if (i % 9 === 4) item.itemId = items[i - 3]!.itemId;
      });
      const engine = await engineWith(items, { graceDays: 30, waivers: compiledTestWaivers() }, reportSortBytes);
      try {
        // As the report set replaces them (markRepeated): each later finding of a repeated itemId becomes invalid.
        const repeated = await engine.repeatedItemIds();
        await engine.replaceLines(repeated.map(({ ord, line }) => ({ ord, line: toJsonLine(duplicateOf(JSON.parse(line) as Finding)) })));
        const leaveOut: Verdict[] = ['compliant', 'waived'];
        const verdictOf = (line: string) => (JSON.parse(line) as Finding).verdict;
        const all: string[] = await collect(engine.reportLines());
        const kept: string[] = await collect(engine.reportLines(undefined, leaveOut));
        expect(kept).toEqual(all.filter((line) => !leaveOut.includes(verdictOf(line))));
        // Read again from the lines copyLines wrote: the same.
        await engine.copyLines(join(tempDir('report-lines-'), 'lines.json'), { before: BEFORE, suffix: ',' });
        expect(await collect(engine.reportLines(undefined, leaveOut))).toEqual(kept);
        // What makes the case: lines of both verdicts left out, and replaced lines of findings that had one of them, kept.
        for (const verdict of leaveOut) expect(all.some((line) => verdictOf(line) === verdict)).toBe(true);
        expect(repeated.some(({ line }) => leaveOut.includes((JSON.parse(line) as Finding).verdict))).toBe(true);
      } finally {
        engine.close();
      }
    },
    60_000,
  );

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
