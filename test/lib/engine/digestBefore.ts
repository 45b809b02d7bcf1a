/** The snapshot digest computed the plain way, for the tests of the fast one. */
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

/**
 * The digest as runs have recorded it: the sum modulo 2^256 of the SHA-256 of each item's
 * `canonicalize` (numbers JSON cannot state as null), hashed with the count, one Buffer per
 * hash: what SnapshotDigest must go on giving.
 */
export function digestBefore(items: readonly unknown[]): string {
  const sum = new Uint32Array(8);
  for (const item of items) {
    let canonical: string;
    try {
      canonical = canonicalize(item) ?? 'null';
    } catch {
      canonical = canonicalize(JSON.parse(JSON.stringify(item) ?? 'null')) ?? 'null';
    }
    const bytes = createHash('sha256').update(canonical).digest();
    let carry = 0;
    for (let i = 7; i >= 0; i -= 1) {
      const total = sum[i]! + bytes.readUInt32BE(i * 4) + carry;
      sum[i] = total >>> 0;
      carry = total > 0xffffffff ? 1 : 0;
    }
  }
  const total = Buffer.alloc(32);
  sum.forEach((word, i) => total.writeUInt32BE(word, i * 4));
  return `sha256:${createHash('sha256').update(total).update(String(items.length)).digest('hex')}`;
}
