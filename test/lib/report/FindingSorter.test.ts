import { existsSync } from 'node:fs';
import { FindingSorter } from '../../../lib/report/FindingSorter';
import type { Finding } from '../../../lib/model';
import { collect, tempDir } from '../../helpers/files';
import { judge, makeItem } from '../../helpers/items';

const findings = (ids: (string | null)[]): Finding[] =>
  ids.map((itemId, index) => ({ ...judge(makeItem({ itemId: itemId ?? 'x' })), itemId, tenantId: `t-${index}` }));

describe('FindingSorter', () => {
  it.each([[1000], [7], [1]])('orders by itemId then input order, spilling runs of %i', async (chunkSize) => {
    const ids = Array.from({ length: 200 }, (_, i) => `item-${(i * 7919) % 97}`);
    const root = tempDir();
    const sorter = new FindingSorter({ chunkSize, tmpRoot: root });
    const input = findings(ids);
    for (const finding of input) await sorter.add(finding);
    const out = await collect(sorter.sorted());
    const expected = input.map((f, seq) => ({ f, seq })).sort((a, b) => (a.f.itemId! < b.f.itemId! ? -1 : a.f.itemId! > b.f.itemId! ? 1 : a.seq - b.seq));
    expect(out).toEqual(expected.map(({ f }) => f));
  });

  it('removes its temporary runs when done', async () => {
    const sorter = new FindingSorter({ chunkSize: 2, tmpRoot: tempDir() });
    for (const finding of findings(['c', 'b', 'a'])) await sorter.add(finding);
    const dir = (sorter as unknown as { dir: string }).dir;
    expect(existsSync(dir)).toBe(true);
    await collect(sorter.sorted());
    expect(existsSync(dir)).toBe(false);
  });

  it('puts findings without an itemId first, in input order', async () => {
    const sorter = new FindingSorter({ chunkSize: 10 });
    for (const finding of findings(['b', null, 'a', null])) await sorter.add(finding);
    expect((await collect(sorter.sorted())).map((f) => f.tenantId)).toEqual(['t-1', 't-3', 't-2', 't-0']);
  });
});
