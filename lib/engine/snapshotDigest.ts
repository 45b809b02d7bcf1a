import { createHash, hash } from 'node:crypto';
import { canonicalJson } from './canonicalJson';

/** A digest's running state, as plain JSON: how a partition of a run hands its part of the digest to the reduce. */
export interface DigestState {
  /** The sum so far, 64 hex digits. */
  sum: string;
  count: number;
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

  /**
   * Adds an item. `parsedFrom`: the JSON text the item was parsed from, when the caller has it
   * (canonicalJson writes it a little faster; the digest is the same).
   *
   * @example
   * digest.add(item); digest.add(JSON.parse(line), line)
   */
  add(raw: unknown, parsedFrom?: string): void {
    // One-shot hashing, no Hash object per item; the hash as a 'binary' (latin1) string: as a Buffer it costs twice the time.
    this.addSum(hash('sha256', canonicalJson(raw, parsedFrom), 'binary'), 1);
  }

  /** Adds 32 bytes, one character each ('latin1'), to the sum modulo 2^256, and `items` to the count. */
  private addSum(bytes: string, items: number): void {
    let carry = 0;
    for (let i = 7; i >= 0; i -= 1) {
      const at = i * 4;
      const word = ((bytes.charCodeAt(at) << 24) | (bytes.charCodeAt(at + 1) << 16) | (bytes.charCodeAt(at + 2) << 8) | bytes.charCodeAt(at + 3)) >>> 0;
      const total = this.sum[i]! + word + carry;
      this.sum[i] = total >>> 0;
      carry = total > 0xffffffff ? 1 : 0;
    }
    this.count += items;
  }

  /**
   * The state so far; `merge` of the states of a snapshot's slices gives the digest of the whole.
   *
   * @example
   * const part = new SnapshotDigest(); part.add(item); part.state() // { sum: '9f…', count: 1 }
   */
  state(): DigestState {
    const bytes = Buffer.alloc(32);
    this.sum.forEach((word, i) => bytes.writeUInt32BE(word, i * 4));
    return { sum: bytes.toString('hex'), count: this.count };
  }

  /**
   * Adds a slice's state: the sum is order-free, so slices merge in any order.
   *
   * @example
   * const whole = new SnapshotDigest(); for (const part of partitions) whole.merge(part.digest); whole.hex()
   */
  merge(state: DigestState): void {
    if (!/^[0-9a-f]{64}$/.test(state.sum) || !Number.isSafeInteger(state.count) || state.count < 0) throw new Error('Not a snapshot digest state.');
    this.addSum(Buffer.from(state.sum, 'hex').toString('latin1'), state.count);
  }

  hex(): string {
    return `sha256:${createHash('sha256').update(Buffer.from(this.state().sum, 'hex')).update(String(this.count)).digest('hex')}`;
  }
}
