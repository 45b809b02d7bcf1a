import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readLines } from '../../../lib/inventory/readLines';
import { BUCKETS, diffRangeCount, diffRangeOf } from '../../../lib/partitioned/diffRanges';
import { SegmentWriter } from '../../../lib/partitioned/SegmentWriter';
import { parseKeyedLine } from '../../../lib/report/FindingSorter';
import { collect, tempDir } from '../../helpers/files';

describe('SegmentWriter', () => {
  it('writes segments in order, empty ones included, each readable alone by its byte range', async () => {
    const path = join(tempDir(), 'partition.keyed');
    const writer = new SegmentWriter(path, 4);
    await writer.write(0, { key: 'a', line: '{"n":1}' });
    await writer.write(0, { key: 'b é', line: '{"n":2}' });
    await writer.write(2, { key: null, line: '{"n":3}' });
    const segments = await writer.close();
    expect(segments.map((segment) => segment.lines)).toEqual([2, 0, 1, 0]);
    expect(segments[3]!.end).toBe(readFileSync(path).length);
    const read = async (index: number) => (await collect(readLines(path, undefined, undefined, segments[index]!))).map((text) => parseKeyedLine(text).key);
    expect(await read(0)).toEqual(['a', 'b é']);
    expect(await read(1)).toEqual([]);
    expect(await read(2)).toEqual([null]);
    expect(await read(3)).toEqual([]);
  });

  it('refuses a segment before the one it writes, and removes its file when destroyed', async () => {
    const path = join(tempDir(), 'partition.keyed');
    const writer = new SegmentWriter(path, 3);
    await writer.write(1, { key: 'a', line: '{}' });
    await expect(writer.write(0, { key: 'b', line: '{}' })).rejects.toThrow('SegmentWriter: segment 0 after segment 1: segments are written in order.');
    await expect(writer.write(3, { key: 'b', line: '{}' })).rejects.toThrow('SegmentWriter: there is no segment 3 (of 3).');
    await writer.destroy();
    expect(existsSync(path)).toBe(false);
  });
});

describe('diff ranges', () => {
  it('cut the 4,096 buckets evenly, in bucket order, whatever their number', () => {
    const fingerprint = (bucket: number) => `${bucket.toString(16).padStart(3, '0')}0123456789abcdef0`;
    for (const ranges of [1, 3, 16, 4096]) {
      const of = Array.from({ length: BUCKETS }, (_, bucket) => diffRangeOf(fingerprint(bucket), ranges));
      expect(of[0]).toBe(0);
      expect(of[BUCKETS - 1]).toBe(ranges - 1);
      expect(of.every((range, bucket) => bucket === 0 || range >= of[bucket - 1]!)).toBe(true);
      const sizes = Array.from({ length: ranges }, (_, range) => of.filter((r) => r === range).length);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    }
  });

  it('are as many as partitions, within the bucket count', () => {
    expect([0, 1, 16, 5000].map(diffRangeCount)).toEqual([1, 1, 16, 4096]);
  });
});
