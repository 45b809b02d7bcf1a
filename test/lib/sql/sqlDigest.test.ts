/**
 * The snapshot digest of a file DuckDB reads itself (SqlEngine.addDigestTo: plain items
 * hashed and summed in SQL, the others in JavaScript) is the digest runs have recorded:
 * that of every item FileInventorySource's entries hold (digestBefore), over hostile
 * items, junk lines and any snapshot filter; and a file DuckDB does not read goes
 * through the entries as before.
 */
import fc from 'fast-check';
import { openEvaluation } from '../../../lib/audit/evaluateEntries';
import { SnapshotDigest } from '../../../lib/engine/snapshotDigest';
import { FileInventorySource } from '../../../lib/inventory/FileInventorySource';
import { collect, writeTemp } from '../../helpers/files';
import { hostileItems } from '../../helpers/hostileItems';
import { catalog, makeItem } from '../../helpers/items';
import { digestBefore } from '../engine/digestBefore';
import { syntheticItem } from '../../../bench/syntheticInventory';

/** The items FileInventorySource's entries hold: what the digest covers. */
async function entriesItems(path: string, snapshotFilter: string | null): Promise<unknown[]> {
  const source = new FileInventorySource(path, snapshotFilter === null ? {} : { snapshotId: snapshotFilter });
  await source.open();
  return (await collect(source.entries())).flatMap((entry) => (entry.kind === 'item' ? [entry.raw] : []));
}

/** The run's digest of the file through the SQL engine, and whether DuckDB read the file itself. */
async function sqlDigest(path: string, snapshotFilter: string | null): Promise<{ hex: string; ways: { inSql: number; inJavaScript: number } | null }> {
  const source = new FileInventorySource(path, snapshotFilter === null ? {} : { snapshotId: snapshotFilter });
  await source.open();
  const digest = new SnapshotDigest();
  const evaluation = await openEvaluation(source.entries(), {
    catalog: catalog(),
    engine: { graceDays: 30, waivers: [], capturedNotAfterMs: Date.parse('2026-11-21T00:00:00Z') },
    kind: 'sql',
    duck: { threads: 2 },
    file: source.ndjsonFile?.(),
    digest,
  });
  try {
    await collect(evaluation.evaluations);
    const ways = (await evaluation.digested?.()) ?? null;
    return { hex: digest.hex(), ways };
  } finally {
    evaluation.close();
  }
}

/** Both ways' outcome: the digest, or the error thrown. */
const outcome = <T>(work: Promise<T>) => work.then((value) => ({ value }), (error: Error) => ({ error: `${error.name}: ${error.message}` }));

const item = (itemId: string, extra: Record<string, unknown> = {}) => JSON.stringify({ ...makeItem({ itemId }), ...extra });

/** Every kind of line FileInventorySource tells apart, and items plain and not. */
const LINES = [
  `\uFEFF${item('bom')}`,
  '',
  '   \t',
  '{"broken": ',
  '[1,2]',
  '5',
  'null',
  `${item('other', { snapshotId: 'snap-other' })}`,
  '{"itemId":"no-snapshot"}',
  '{"snapshotId":7,"itemId":"numeric-snapshot"}',
  '{"snapshotId":"snap-other","itemId":"dup","snapshotId":"snap-test"}',
  '{"snapshotId":"snap-test","itemId":"inf","recordCount":1e999,"bytes":-0,"x":1e21}',
  '{"snapshotId":"snap-test","__proto__":{"b":1},"10":"ten","2":"two","itemId":"proto"}',
  '{"snapshotId":"snap-test","itemId":"esc","owner":"\\ud800\\u00e9\\"\\\\ 株 😀"}',
  `  ${item('spaced')}  `,
  ...Array.from({ length: 40 }, (_, i) => JSON.stringify(syntheticItem(i, 'snap-test'))),
  item('held', { legalHold: { reason: 'litigation', until: '2027-01-01T00:00:00.000Z' }, purposes: ['billing', 'é', '🚀'], customerRetentionDays: 30 }),
  item('events', { events: { serviceTerminatedAt: '2026-01-01T00:00:00.000Z', accountDeletedAt: '2025-12-31T23:59:59.999Z' }, owner: '' }),
  item('no-events', { events: {} }),
  // Each object's members written between commas by concat(): an optional member before the first required one (store.region), a hold with only its reason.
  item('region', { store: { type: 'redis', resource: 'r/1', region: '' }, legalHold: { reason: 'audit' } }),
];

describe('the snapshot digest of a file the SQL engine reads', () => {
  // Hashed in SQL: the plain items (compact, no escape, valid) of the snapshot kept: the 40 generated ones and 6 written with makeItem (one of snap-other).
  it.each([
    [null, 46],
    ['snap-test', 45],
    ['snap-other', 1],
  ])('is the digest of the items the file holds (filter %s), %i of them hashed in SQL', async (filter, plain) => {
    const path = writeTemp('digest-lines.ndjson', LINES.join('\n'));
    const { hex, ways } = await sqlDigest(path, filter);
    const items = await entriesItems(path, filter);
    expect(hex).toBe(digestBefore(items));
    expect(ways!.inSql).toBe(plain);
    expect(ways!.inSql + ways!.inJavaScript).toBe(items.length);
  });

  it('is the digest runs have recorded over any file: hostile items, junk lines, CRLF (read by the Node reader), any snapshot filter', async () => {
    const junk = fc.constantFrom('', ' ', '{', '[]', '1', '{"snapshotId":"snap-x","itemId":"x"}', '{"snapshotId":null}');
    const file = fc.tuple(hostileItems(8), fc.array(junk, { maxLength: 4 }), fc.constantFrom(null, 'snap-fuzz', 'snap-x'), fc.boolean());
    await fc.assert(
      fc.asyncProperty(file, async ([items, extra, filter, crlf]) => {
        const lines = [...items.map((hostile) => hostile.text), ...extra].sort((a, b) => a.length - b.length);
        const path = writeTemp('digest-fuzz.ndjson', lines.join(crlf ? '\r\n' : '\n'));
        const expected = await outcome(entriesItems(path, filter).then(digestBefore));
        const actual = await outcome(sqlDigest(path, filter).then(({ hex }) => hex));
        if ('value' in expected) expect(actual).toEqual(expected);
        else expect(actual).toHaveProperty('error');
      }),
      { numRuns: 60 },
    );
  }, 120_000);
});
