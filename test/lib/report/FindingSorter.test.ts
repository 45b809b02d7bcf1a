import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FindingSorter, type FindingLine } from '../../../lib/report/FindingSorter';
import { collect, tempDir } from '../../helpers/files';
import { judge, makeItem } from '../../helpers/items';

const lines = (ids: (string | null)[]): FindingLine[] =>
  ids.map((itemId, index) => {
    const finding = { ...judge(makeItem({ itemId: itemId ?? 'x' })), itemId, tenantId: `t-${index}` };
    return { key: itemId, line: JSON.stringify(finding) };
  });

const sortedCopy = (input: FindingLine[]) =>
  input
    .map((entry, seq) => ({ entry, seq }))
    .sort((a, b) => {
      const ka = a.entry.key;
      const kb = b.entry.key;
      if (ka === kb) return a.seq - b.seq;
      if (ka === null) return -1;
      if (kb === null) return 1;
      return ka < kb ? -1 : 1;
    })
    .map(({ entry }) => entry);

describe('FindingSorter', () => {
  it.each([[1 << 30], [5000], [1]])('orders by itemId then input order, with a memory budget of %i characters', async (budgetChars) => {
    const ids = Array.from({ length: 200 }, (_, i) => (i % 50 === 0 ? null : `item-${(i * 7919) % 97}`));
    const sorter = new FindingSorter({ budgetChars, tmpRoot: tempDir() });
    const input = lines(ids);
    for (const entry of input) await sorter.add(entry);
    expect(await collect(sorter.sorted())).toEqual(sortedCopy(input));
  });

  it('removes its temporary runs when done', async () => {
    const sorter = new FindingSorter({ budgetChars: 1, tmpRoot: tempDir() });
    for (const entry of lines(['c', 'b', 'a'])) await sorter.add(entry);
    const dir = (sorter as unknown as { dir: string }).dir;
    expect(existsSync(dir)).toBe(true);
    await collect(sorter.sorted());
    expect(existsSync(dir)).toBe(false);
  });

  it('keeps keys and lines intact through a spill, whatever they hold', async () => {
    const ids = ['plain', 'with "quotes"\tand a tab', 'ünï\ncode', null];
    const sorter = new FindingSorter({ budgetChars: 1, tmpRoot: tempDir() });
    const input = lines(ids);
    for (const entry of input) await sorter.add(entry);
    expect(await collect(sorter.sorted())).toEqual(sortedCopy(input));
  });

  describe('with compressed runs', () => {
    it.each([[5000], [1]])('orders as without compression, budget %i characters', async (budgetChars) => {
      const ids = Array.from({ length: 200 }, (_, i) => (i % 50 === 0 ? null : `item-${(i * 7919) % 97}`));
      const sorter = new FindingSorter({ budgetChars, tmpRoot: tempDir(), compress: true });
      const input = lines([...ids, 'with "quotes"\tand a tab', 'ünï\ncode']);
      for (const entry of input) await sorter.add(entry);
      expect(await collect(sorter.sorted())).toEqual(sortedCopy(input));
    });

    it('spills runs several times smaller than the lines they hold, and removes them when done', async () => {
      const input = lines(Array.from({ length: 2000 }, (_, i) => `item-${(i * 7919) % 2003}`));
      const chars = input.reduce((sum, entry) => sum + entry.line.length, 0);
      const sorter = new FindingSorter({ budgetChars: chars / 4, tmpRoot: tempDir(), compress: true });
      for (const entry of input) await sorter.add(entry);
      const dir = (sorter as unknown as { dir: string }).dir;
      const spilled = readdirSync(dir).reduce((sum, name) => sum + statSync(join(dir, name)).size, 0);
      expect(spilled).toBeGreaterThan(0);
      expect(spilled).toBeLessThan(chars / 4);
      expect(await collect(sorter.sorted())).toEqual(sortedCopy(input));
      expect(existsSync(dir)).toBe(false);
    });

    it('names a spilled run it cannot decompress', async () => {
      const sorter = new FindingSorter({ budgetChars: 1, tmpRoot: tempDir(), compress: true });
      for (const entry of lines(['c', 'b', 'a'])) await sorter.add(entry);
      const dir = (sorter as unknown as { dir: string }).dir;
      writeFileSync(join(dir, 'run-1.ndjson'), 'not brotli at all');
      await expect(collect(sorter.sorted())).rejects.toThrow(/^Reading the sort's spilled run .*run-1\.ndjson failed: /);
      expect(existsSync(dir)).toBe(false);
    });

    it('stops early without leaving runs or open files behind', async () => {
      const sorter = new FindingSorter({ budgetChars: 1, tmpRoot: tempDir(), compress: true });
      for (const entry of lines(['c', 'b', 'a', 'd'])) await sorter.add(entry);
      const dir = (sorter as unknown as { dir: string }).dir;
      for await (const entry of sorter.sorted()) {
        expect(entry.key).toBe('a');
        break;
      }
      expect(existsSync(dir)).toBe(false);
    });
  });
});
