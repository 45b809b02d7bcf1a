/**
 * The SQL engine fed entry by entry (a DynamoDB read, lib/sql/sqlEngine.ts): once enough rows
 * wait, a slice is evaluated while more are appended, every slice after the first through one
 * prepared statement. However the rows fall into slices, the findings are those of one
 * evaluation of all of them, one per entry, in the order appended.
 */
import fc from 'fast-check';
import { SqlEngine } from '../../../lib/sql/sqlEngine';
import type { Finding } from '../../../lib/model';
import { collect } from '../../helpers/files';
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
    // Many slices through the prepared statement; slices that grow while one runs; a first slice and a rest.
    for (const [sliceRows, pause] of [[7, 1], [31, 50], [250, 5]] as const) {
      expect(await findingsOf(items, sliceRows, pause)).toEqual(whole);
    }
  }, 120_000);

  it('evaluates a source smaller than a slice in one statement', async () => {
    const few = items.slice(0, 5);
    expect(await findingsOf(few, 64)).toEqual((await findingsOf(items, 64)).slice(0, 5));
  }, 60_000);
});
