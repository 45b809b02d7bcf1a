import { mapInOrder } from '../../../lib/partitioned/mapInOrder';

describe('mapInOrder', () => {
  it('runs at most `concurrency` at once and returns the results in task order', async () => {
    let running = 0;
    let most = 0;
    const results = await mapInOrder([30, 5, 20, 1, 10], 2, async (ms, index) => {
      most = Math.max(most, ++running);
      await new Promise((resolve) => setTimeout(resolve, ms));
      running -= 1;
      return `${index}:${ms}`;
    });
    expect(results).toEqual(['0:30', '1:5', '2:20', '3:1', '4:10']);
    expect(most).toBe(2);
    expect(await mapInOrder([], 3, async () => 1)).toEqual([]);
  });

  it('rejects with the first error a task throws', async () => {
    await expect(mapInOrder([1, 2, 3], 2, async (n) => { if (n === 2) throw new Error('two'); return n; })).rejects.toThrow('two');
  });

  it('starts no task after one failed, and rejects only once the tasks under way have settled', async () => {
    const started: number[] = [];
    let settled = 0;
    const run = mapInOrder([0, 1, 2, 3, 4], 2, async (n) => {
      started.push(n);
      if (n === 0) throw new Error('zero');
      await new Promise((resolve) => setTimeout(resolve, 30));
      settled += 1;
      return n;
    });
    await expect(run).rejects.toThrow('zero');
    expect(started).toEqual([0, 1]);
    expect(settled).toBe(1);
  });
});
