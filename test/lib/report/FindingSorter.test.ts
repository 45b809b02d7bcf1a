import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FindingSorter, keyedLine, mergeSorted, parseKeyedLine, type FindingLine } from '../../../lib/report/FindingSorter';
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

  it.each([[1 << 30], [300]])('orders by the key, then the second key, then input order (budget %i): the report order after a diff', async (budgetChars) => {
    const sorter = new FindingSorter({ budgetChars, tmpRoot: tempDir() });
    const input: FindingLine[] = [];
    for (let i = 0; i < 60; i += 1) input.push({ key: i % 7 === 0 ? null : `id-${i % 5}`, then: `k\u0001${(i * 13) % 4}`, line: `{"n":${i}}` });
    for (const entry of input) await sorter.add(entry);
    const expected = input
      .map((entry, seq) => ({ entry, seq }))
      .sort((a, b) => (a.entry.key === b.entry.key ? 0 : a.entry.key === null ? -1 : b.entry.key === null ? 1 : a.entry.key < b.entry.key ? -1 : 1) || (a.entry.then! < b.entry.then! ? -1 : a.entry.then! > b.entry.then! ? 1 : 0) || a.seq - b.seq)
      .map(({ entry }) => entry);
    expect(await collect(sorter.sorted())).toEqual(expected);
  });

  it('keeps keys and second keys through a run line, whatever they hold (tabs, newlines, non-ASCII: the line is ASCII)', () => {
    for (const entry of [
      { key: 'tab\there\nnewline é 💥', then: 'd\u0001k\u0002v', line: '{"a":"\\u00e9"}' },
      { key: null, line: '{}' },
      { key: '', then: '', line: '{"b":1}' },
    ] as FindingLine[]) {
      const text = keyedLine(entry);
      expect(text.endsWith('\n')).toBe(true);
      expect(/^[\x00-\x7f]*$/.test(text)).toBe(true);
      expect(parseKeyedLine(text.slice(0, -1))).toEqual(entry);
    }
  });

  it('merges sorted sources stably: equal keys come from the earlier source first; a source stopped early is closed', async () => {
    const source = (name: string, keys: (string | null)[]) =>
      (async function* () {
        for (const key of keys) yield { key, line: `{"from":"${name}","key":${JSON.stringify(key)}}` };
      })();
    const merged = await collect(mergeSorted([source('a', [null, 'b', 'b', 'd']), source('b', ['a', 'b', 'c']), source('c', [])]));
    expect(merged.map(({ line }) => JSON.parse(line) as { from: string; key: string | null }).map(({ from, key }) => `${from}:${key}`)).toEqual(['a:null', 'b:a', 'a:b', 'a:b', 'b:b', 'b:c', 'a:d']);
    let closed = false;
    const endless = (async function* () {
      try {
        for (let i = 0; ; i += 1) yield { key: `k${String(i).padStart(6, '0')}`, line: '{}' };
      } finally {
        closed = true;
      }
    })();
    for await (const _ of mergeSorted([endless])) break;
    expect(closed).toBe(true);
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
      await expect(collect(sorter.sorted())).rejects.toThrow(/^Reading the sorted run .*run-1\.ndjson failed: /);
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
