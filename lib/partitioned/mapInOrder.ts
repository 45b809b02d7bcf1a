/**
 * A few tasks at a time, results in task order: how the map steps run in one
 * process or as processes, and how the reduce fetches partitions.
 */

/**
 * Runs `work` over the tasks, at most `concurrency` at once; the results in task order.
 *
 * @example
 * await mapInOrder([1, 2, 3], 2, async (n) => n * 2) // [2, 4, 6]
 */
export async function mapInOrder<T, R>(tasks: readonly T[], concurrency: number, work: (task: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(tasks.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < tasks.length; i = next++) results[i] = await work(tasks[i]!, i);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, tasks.length) }, worker));
  return results;
}
