import { createHash, hash } from 'node:crypto';
import canonicalize from 'canonicalize';

/**
 * RFC 8785 JSON of an item. A number JSON cannot state (1e999 read as Infinity)
 * is hashed as JSON.stringify writes it, null: the digest never fails a run.
 */
function canonical(raw: unknown): string {
  try {
    return canonicalize(raw) ?? 'null';
  } catch {
    return canonicalize(JSON.parse(JSON.stringify(raw) ?? 'null')) ?? 'null';
  }
}

/**
 * A digest of a snapshot's content that does not depend on the order its items
 * were read in (parallel Scan segments, files): the sum, modulo 2^256, of the
 * SHA-256 of each item's canonical JSON (RFC 8785), then hashed once more with
 * the item count. The same items give the same digest from a file or a table.
 *
 * @example
 * const digest = new SnapshotDigest(); digest.add(item); digest.hex() // 'sha256:…'
 */
export class SnapshotDigest {
  private readonly sum = new Uint32Array(8);
  private count = 0;

  add(raw: unknown): void {
    // One-shot hashing: no Hash object per item (five times cheaper at this size).
    const itemHash = hash('sha256', canonical(raw), 'buffer');
    let carry = 0;
    for (let i = 7; i >= 0; i -= 1) {
      const total = this.sum[i]! + itemHash.readUInt32BE(i * 4) + carry;
      this.sum[i] = total >>> 0;
      carry = total > 0xffffffff ? 1 : 0;
    }
    this.count += 1;
  }

  hex(): string {
    const bytes = Buffer.alloc(32);
    this.sum.forEach((word, i) => bytes.writeUInt32BE(word, i * 4));
    return `sha256:${createHash('sha256').update(bytes).update(String(this.count)).digest('hex')}`;
  }
}
