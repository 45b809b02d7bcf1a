/**
 * A run's finding states kept by diff range (lib/partitioned/diffRanges.ts): each
 * part the states of a run of buckets, in key order. A diff range of the next run
 * reads only the parts that overlap its buckets, merged by key (a previous run cut
 * into other ranges has parts that straddle this one's); a run diffed in one
 * piece reads every part, merged by key.
 */
import { fingerprintOf } from '../engine/identity';
import { bucketOf } from '../partitioned/diffRanges';
import type { BucketRange, FindingState } from './HistoryStore';

/**
 * The bucket of a state's identity. A state without its fingerprint (a damaged line) gets the
 * one its key names, as the map's findings do.
 *
 * @example
 * stateBucket({ fingerprint: 'a3f…', … }) // 2623
 */
export function stateBucket(state: FindingState): number {
  const fingerprint = typeof state.fingerprint === 'string' && state.fingerprint.length >= 3 ? state.fingerprint : fingerprintOf(state.key.slice(0, state.key.indexOf('\u0002')));
  return bucketOf(fingerprint);
}

/**
 * Merges state sequences, each in key order, into one in key order (equal keys: the earlier source first).
 *
 * @example
 * for await (const state of mergeStates([part0, part1])) diff(state);
 */
export async function* mergeStates(sources: readonly AsyncIterable<FindingState>[]): AsyncGenerator<FindingState> {
  if (sources.length === 1) {
    yield* sources[0]!;
    return;
  }
  const readers = sources.map((source) => source[Symbol.asyncIterator]());
  try {
    const next = async (i: number) => {
      const result = await readers[i]!.next();
      return result.done ? undefined : result.value;
    };
    const heads = await Promise.all(readers.map((_, i) => next(i)));
    for (;;) {
      let best = -1;
      for (let i = 0; i < heads.length; i += 1) if (heads[i] && (best < 0 || heads[i]!.key < heads[best]!.key)) best = i;
      if (best < 0) return;
      yield heads[best]!;
      heads[best] = await next(best);
    }
  } finally {
    await Promise.allSettled(readers.map((reader) => reader.return?.(undefined)));
  }
}

/**
 * The states of some buckets: the overlapping parts merged by key, the other buckets' states left out.
 *
 * @example
 * statesOfBuckets(parts, { from: 0, to: 255 }, (part) => readPart(part))
 */
export async function* statesOfBuckets<P extends BucketRange>(parts: readonly P[], buckets: BucketRange, read: (part: P) => AsyncIterable<FindingState>): AsyncGenerator<FindingState> {
  const overlapping = parts.filter((part) => part.from <= buckets.to && part.to >= buckets.from);
  for await (const state of mergeStates(overlapping.map(read))) {
    const bucket = stateBucket(state);
    if (bucket >= buckets.from && bucket <= buckets.to) yield state;
  }
}
