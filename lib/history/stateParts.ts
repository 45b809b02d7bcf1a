/**
 * A run's finding states kept by diff range (lib/partitioned/diffRanges.ts): each
 * part the states of a run of buckets, in key order. A diff range of the next run
 * reads only the parts that overlap its buckets, merged by key (a previous run cut
 * into other ranges has parts that straddle this one's); a run diffed in one
 * piece reads every part, merged by key.
 */
import { fingerprintOf } from '../engine/identity';
import { bucketOf } from '../partitioned/diffRanges';
import { mergeOrdered } from '../report/FindingSorter';
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
export function mergeStates(sources: readonly AsyncIterable<FindingState>[]): AsyncIterable<FindingState> {
  return sources.length === 1 ? sources[0]! : mergeOrdered(sources, (a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
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
