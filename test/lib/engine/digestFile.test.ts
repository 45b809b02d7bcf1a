import { statSync } from 'node:fs';
import fc from 'fast-check';
import { digestFile, type DigestFileOptions } from '../../../lib/engine/digestFile';
import { SnapshotDigest } from '../../../lib/engine/snapshotDigest';
import { InputError } from '../../../lib/errors';
import { FileInventorySource, type FileRange } from '../../../lib/inventory/FileInventorySource';
import type { SourceProgress } from '../../../lib/inventory/InventorySource';
import { collect, writeTemp } from '../../helpers/files';
import { hostileItems } from '../../helpers/hostileItems';
import { makeItem } from '../../helpers/items';
import { digestBefore } from './digestBefore';

type Handed = { raw: unknown; text?: string };

/** What digestEntries handed the digest: the items of FileInventorySource's entries. */
async function entriesItems(path: string, snapshotFilter: string | null, range?: FileRange): Promise<Handed[]> {
  const source = new FileInventorySource(path, { ...(snapshotFilter === null ? {} : { snapshotId: snapshotFilter }), ...(range ? { range } : {}) });
  await source.open();
  const entries = await collect(source.entries());
  return entries.flatMap((entry) => (entry.kind === 'item' ? [entry.text === undefined ? { raw: entry.raw } : { raw: entry.raw, text: entry.text }] : []));
}

async function digestFileItems(path: string, snapshotFilter: string | null, options: DigestFileOptions = {}): Promise<Handed[]> {
  const handed: Handed[] = [];
  await digestFile({ path, snapshotFilter }, (raw, text) => handed.push(text === undefined ? { raw } : { raw, text }), options);
  return handed;
}

/** Both readers' outcome: the items, or the error thrown. */
const outcome = (reading: Promise<Handed[]>) => reading.then((items) => ({ items }), (error: Error) => ({ error: `${error.name}: ${error.message}` }));

const item = (itemId: string, extra: Record<string, unknown> = {}) => JSON.stringify({ ...makeItem({ itemId }), ...extra });

/** Every kind of line FileInventorySource tells apart. */
const LINES = [
  `\uFEFF${item('bom')}`,
  `${item('crlf')}\r`,
  '',
  '   \t',
  '\u00a0',
  '{"broken": ',
  '[1,2]',
  '5',
  '"text"',
  'null',
  `${item('other', { snapshotId: 'snap-other' })}`,
  `${item('third', { snapshotId: 'snap-third' })}`,
  '{"itemId":"no-snapshot"}',
  '{"snapshotId":7,"itemId":"numeric-snapshot"}',
  '{"snapshotId":"snap-other","itemId":"dup","snapshotId":"snap-test"}',
  '{"snapshotId":"snap-test","itemId":"inf","recordCount":1e999,"bytes":-0,"x":1e21}',
  '{"snapshotId":"snap-test","__proto__":{"b":1},"10":"ten","2":"two","itemId":"proto"}',
  '{"snapshotId":"snap-test","itemId":"esc","owner":"\\ud800\\u00e9\\"\\\\ 株 😀"}',
  `  ${item('spaced')}  `,
  `{"snapshotId":"snap-test","itemId":"huge","note":"${'h'.repeat(300_000)}"}`,
  `${item('last')}\r`,
];

describe('digestFile', () => {
  it.each([null, 'snap-test', 'snap-other'])('hands over the items FileInventorySource yields, in order, with their text (filter %s)', async (filter) => {
    const path = writeTemp('lines.ndjson', LINES.join('\n'));
    const expected = await entriesItems(path, filter);
    expect(await digestFileItems(path, filter)).toEqual(expected);
    expect(expected.length).toBeGreaterThan(filter === 'snap-other' ? 1 : 10);
  });

  it('gives the digest runs have recorded over any file: hostile items, junk lines, any snapshot filter', async () => {
    const junk = fc.constantFrom('', ' ', '{', '[]', '1', '\uFEFF', '{"snapshotId":"snap-x","itemId":"x"}', '{"snapshotId":null}', '\r');
    const file = fc.tuple(hostileItems(8), fc.array(junk, { maxLength: 4 }), fc.constantFrom(null, 'snap-fuzz', 'snap-x'), fc.boolean());
    await fc.assert(
      fc.asyncProperty(file, async ([items, extra, filter, crlf]) => {
        const lines = [...items.map((hostile) => hostile.text), ...extra].sort((a, b) => a.length - b.length);
        const path = writeTemp('fuzz.ndjson', lines.join(crlf ? '\r\n' : '\n'));
        const expected = await outcome(entriesItems(path, filter));
        const handed = await outcome(digestFileItems(path, filter));
        expect(handed).toEqual(expected);
        if ('items' in handed) {
          const digest = new SnapshotDigest();
          await digestFile({ path, snapshotFilter: filter }, (raw, text) => digest.add(raw, text));
          expect(digest.hex()).toBe(digestBefore(handed.items.map((entry) => entry.raw)));
        }
      }),
      { numRuns: 150 },
    );
  });

  it('reads the slices FileInventorySource cuts as their sources do, and their digests merge into the whole file’s', async () => {
    const path = writeTemp('sliced.ndjson', `${Array.from({ length: 60 }, (_, i) => (i % 7 === 3 ? '{"bad' : item(`item-${i}`))).join('\n')}\n`);
    const source = new FileInventorySource(path);
    await source.open();
    const whole = new SnapshotDigest();
    for (const spec of await source.partitions(4)) {
      if (spec.kind !== 'byte-range') throw new Error('expected byte ranges');
      expect(await digestFileItems(path, null, { range: spec })).toEqual(await entriesItems(path, null, spec));
      const part = new SnapshotDigest();
      await digestFile({ path, snapshotFilter: null }, (raw, text) => part.add(raw, text), { range: spec });
      whole.merge(part.state());
    }
    expect(whole.hex()).toBe(digestBefore((await entriesItems(path, null)).map((entry) => entry.raw)));
  });

  it('strips a BOM from the first line of the file only, not from the first line of a slice', async () => {
    const first = `${item('a')}\n`;
    const path = writeTemp('bom-slice.ndjson', `${first}\uFEFF${item('b')}\n${item('c')}\n`);
    const range = { start: Buffer.byteLength(first), end: statSync(path).size, firstLine: 2 };
    const expected = await entriesItems(path, null, range);
    expect(expected.map((entry) => (entry.raw as { itemId: string }).itemId)).toEqual(['c']);
    expect(await digestFileItems(path, null, { range })).toEqual(expected);
  });

  it.each([
    ['an empty file', ''],
    ['a file of blank lines', '\n  \n\r\n'],
    ['a file none of whose lines is JSON (blank ones not counted)', 'not json\n\n  \n{"a":\n'],
    ['a file without an item of the snapshot asked for', `${item('a', { snapshotId: 's1' })}\n${item('b', { snapshotId: 's2' })}\n`],
  ])('throws the InputError FileInventorySource throws for %s', async (_, content) => {
    const path = writeTemp('refused.ndjson', content);
    const expected = await outcome(entriesItems(path, 'snap-test'));
    expect(expected).toHaveProperty('error');
    expect(await outcome(digestFileItems(path, 'snap-test'))).toEqual(expected);
    await expect(digestFileItems(path, 'snap-test')).rejects.toBeInstanceOf(InputError);
  });

  it('reads a JSON array file as FileInventorySource reads it', async () => {
    const path = writeTemp('array.json', ` [${item('a')}, 5, ${item('b', { snapshotId: 's2' })}, ${item('c')}]`);
    expect(await digestFileItems(path, 'snap-test')).toEqual(await entriesItems(path, 'snap-test'));
    expect((await digestFileItems(path, null)).map((entry) => (entry.raw as { itemId: string }).itemId)).toEqual(['a', 'b', 'c']);
  });

  it('reports its progress in bytes, ending with the whole file', async () => {
    const path = writeTemp('progress.ndjson', `${item('a')}\n${item('b')}\n`);
    const progress: SourceProgress[] = [];
    await digestFile({ path, snapshotFilter: null }, () => undefined, { onProgress: (p) => progress.push(p) });
    const size = statSync(path).size;
    expect(progress.at(-1)).toEqual({ done: size, total: size, unit: 'bytes' });
  });

  it('stops quietly when asked to, before the whole-file checks', async () => {
    const path = writeTemp('stopped.ndjson', `${item('a', { snapshotId: 's1' })}\n`);
    expect(await digestFileItems(path, 'snap-test', { stop: () => true })).toEqual([]);
  });
});
