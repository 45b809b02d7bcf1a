/**
 * Interleaves several async iterables, taking from whichever is ready first.
 * Each source is pulled one value at a time, so memory stays bounded by the
 * number of sources (one pending value each).
 *
 * @example
 * for await (const page of mergeAsync([segment(0), segment(1)])) handle(page);
 */
export async function* mergeAsync<T>(sources: readonly AsyncIterable<T>[]): AsyncGenerator<T> {
  const iterators = sources.map((source) => source[Symbol.asyncIterator]());
  const pending = new Map<number, Promise<{ index: number; result: IteratorResult<T> }>>();
  const pull = (index: number) => {
    const iterator = iterators[index];
    if (iterator) pending.set(index, iterator.next().then((result) => ({ index, result })));
  };
  iterators.forEach((_, index) => pull(index));
  try {
    while (pending.size > 0) {
      const { index, result } = await Promise.race(pending.values());
      if (result.done) {
        pending.delete(index);
        continue;
      }
      pull(index);
      yield result.value;
    }
  } finally {
    await Promise.allSettled([...iterators.entries()].filter(([index]) => pending.has(index)).map(([, it]) => it.return?.()));
  }
}
