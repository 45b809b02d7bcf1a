/**
 * The SQL engine fed entry by entry (a DynamoDB read, lib/sql/sqlEngine.ts): the program is
 * planned as the engine opens, and once enough rows wait, a slice is evaluated through that one
 * prepared statement while more are appended. However the rows fall into slices, the findings
 * are those of one evaluation of all of them, one per entry, in the order appended.
 */
import { readdirSync } from 'node:fs';
import fc from 'fast-check';
import { SqlEngine } from '../../../lib/sql/sqlEngine';
import type { Finding } from '../../../lib/model';
import { collect, tempDir } from '../../helpers/files';
import { catalog } from '../../helpers/items';
import { sqlItem } from '../../helpers/sqlItems';

const OPTIONS = { graceDays: 30, waivers: [] };

/** The findings of `items` appended one by one, the event loop let go every `pause` entries so slices run meanwhile. */
async function findingsOf(items: readonly unknown[], sliceRows?: number, pause = 5): Promise<Finding[]> {
  const engine = await SqlEngine.open(catalog(), OPTIONS, { threads: 2, memoryLimit: '256MB', ...(sliceRows ? { sliceRows } : {}) });
  try {
    for (const [i, raw] of items.entries()) {
      if (i % 13 === 12) engine.append({ kind: 'parse-error', location: `line ${i + 1}`, reason: `Line ${i + 1} is not JSON.` });
      else engine.append({ kind: 'item', raw, location: `line ${i + 1}` });
      if (i % pause === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    return await collect(engine.findings());
  } finally {
    engine.close();
  }
}

describe('the SQL engine evaluating slices while entries arrive', () => {
  const items = fc.sample(sqlItem(catalog(), 30), { numRuns: 400, seed: 20261128 });

  it('gives the findings of one evaluation of every row, whatever the slices', async () => {
    const whole = await findingsOf(items);
    expect(whole).toHaveLength(items.length);
    // Many slices; slices that grow while one runs; a slice and a rest.
    for (const [sliceRows, pause] of [[7, 1], [31, 50], [250, 5]] as const) {
      expect(await findingsOf(items, sliceRows, pause)).toEqual(whole);
    }
  }, 120_000);

  it('evaluates a source smaller than a slice once it ends', async () => {
    const few = items.slice(0, 5);
    expect(await findingsOf(few, 64)).toEqual((await findingsOf(items, 64)).slice(0, 5));
  }, 60_000);

  it('closes while the program is planned or a slice runs (a source that failed) without taking the process down', async () => {
    // DuckDB closed under a running statement is a segmentation fault, or a hang: this worker would die or time out.
    const open = (sliceRows?: number) => SqlEngine.open(catalog(), OPTIONS, { threads: 2, memoryLimit: '256MB', ...(sliceRows ? { sliceRows } : {}) });
    const planned = (engine: SqlEngine) => (engine as unknown as { work: Promise<void> }).work;
    const append = (engine: SqlEngine, count: number) => {
      for (const [i, raw] of items.slice(0, count).entries()) engine.append({ kind: 'item', raw, location: `line ${i + 1}` });
    };
    // Closed at times that fall into each of the planning's statements (it takes about half a second).
    for (let waited = 0; waited <= 400; waited += 50) {
      const planning = await open();
      await new Promise((resolve) => setTimeout(resolve, waited));
      planning.close();
    }
    // A slice running, once the program is planned: close() settles once DuckDB is closed and its folder gone.
    const folder = tempDir('slices-close-');
    const slicing = await SqlEngine.open(catalog(), OPTIONS, { threads: 2, memoryLimit: '256MB', sliceRows: 10, tempDirectory: folder });
    await planned(slicing);
    append(slicing, 200);
    await new Promise((resolve) => setImmediate(resolve));
    await slicing.close();
    expect(readdirSync(folder)).toEqual([]);
    // The last slice, which the findings asked for run.
    const ending = await open();
    await planned(ending);
    append(ending, 400);
    const findings = collect(ending.findings()).then(
      () => 'read',
      (error: Error) => error.message,
    );
    await new Promise((resolve) => setTimeout(resolve, 30));
    ending.close();
    // Read before the close, or stopped by it: either way it ends.
    expect(await findings).toMatch(/^read$|Interrupted/);
    // The databases close once their statements end; a new engine meanwhile works.
    expect(await findingsOf(items.slice(0, 20))).toHaveLength(20);
  }, 60_000);

  it('fails again, not with part of the findings, when asked again after the program failed', async () => {
    const engine = await SqlEngine.open(catalog(), OPTIONS, { threads: 2, memoryLimit: '1MB' });
    try {
      for (const [i, raw] of items.slice(0, 50).entries()) engine.append({ kind: 'item', raw, location: `line ${i + 1}` });
      await expect(collect(engine.findings())).rejects.toThrow(/memory/i);
      await expect(collect(engine.findings())).rejects.toThrow(/memory/i);
    } finally {
      engine.close();
    }
  }, 60_000);
});
