/**
 * A few tasks at a time, results in task order: how the map steps run in one
 * process or as processes, how the reduce diffs its ranges, and how steps fetch
 * partitions' and ranges' results.
 */

/**
 * Runs `work` over the tasks, at most `concurrency` at once; the results in task order.
 * After a task fails no other starts, and the first error is thrown once the tasks
 * under way have settled (so a caller's clean-up never races one still writing).
 *
 * @example
 * await mapInOrder([1, 2, 3], 2, async (n) => n * 2) // [2, 4, 6]
 */
export async function mapInOrder<T, R>(tasks: readonly T[], concurrency: number, work: (task: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(tasks.length);
  let next = 0;
  let failure: { error: unknown } | null = null;
  const worker = async () => {
    for (let i = next++; i < tasks.length && !failure; i = next++) {
      try {
        results[i] = await work(tasks[i]!, i);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, tasks.length) }, worker));
  if (failure) throw (failure as { error: unknown }).error;
  return results;
}
