/**
 * How a partitioned run cuts its history diff: by a finding's identity, never
 * by where it was read. The diff's unit is an identity (tenant, module, data
 * category, resource; lib/history/diffFindings.ts), whose findings may come
 * from any partition, so each map step sorts its findings into diff ranges and
 * each range is diffed apart (lib/partitioned/diffRange.ts). A range is a run of
 * the 4,096 buckets named by a fingerprint's first three hex digits: fixed
 * buckets, so any number of ranges cuts the same identities the same way.
 */

/** Buckets of the identity space: a fingerprint's first three hex digits. */
export const BUCKETS = 4096;

/**
 * The diff range (0 … ranges − 1) of an identity, from its fingerprint (lib/engine/identity.ts fingerprintOf).
 *
 * @example
 * diffRangeOf('fff0a1b2c3d4e5f6a7b8', 4) // 3
 */
export function diffRangeOf(fingerprint: string, ranges: number): number {
  return Math.floor((bucketOf(fingerprint) * ranges) / BUCKETS);
}

/**
 * The diff ranges a run with `partitions` partitions uses: as many as partitions, within the bucket count.
 *
 * @example
 * diffRangeCount(16) // 16
 */
export function diffRangeCount(partitions: number): number {
  return Math.min(Math.max(1, partitions), BUCKETS);
}

/**
 * The bucket of an identity, from its fingerprint: its first three hex digits.
 *
 * @example
 * bucketOf('fff0a1b2…') // 4095
 */
export function bucketOf(fingerprint: string): number {
  return Number.parseInt(fingerprint.slice(0, 3), 16);
}

/**
 * The buckets a diff range holds, first and last (inclusive): those `diffRangeOf` puts in it.
 *
 * @example
 * bucketsOf(3, 4) // { from: 3072, to: 4095 }
 */
export function bucketsOf(range: number, ranges: number): { from: number; to: number } {
  return { from: Math.ceil((range * BUCKETS) / ranges), to: Math.ceil(((range + 1) * BUCKETS) / ranges) - 1 };
}
