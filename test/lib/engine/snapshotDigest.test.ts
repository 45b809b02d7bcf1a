import fc from 'fast-check';
import { SnapshotDigest } from '../../../lib/engine/snapshotDigest';
import { PROTO_KEYS } from '../../helpers/hostileItems';
import { makeItem } from '../../helpers/items';
import { digestBefore } from './digestBefore';

const item = fc.oneof(
  fc.dictionary(fc.oneof(fc.string({ unit: 'binary', maxLength: 5 }), fc.constantFrom(...PROTO_KEYS, '1', '10', 'snapshotId')), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 8 }),
  fc.record({ itemId: fc.string(), recordCount: fc.oneof(fc.integer(), fc.double({ noNaN: true })), note: fc.string({ unit: 'binary' }) }).map((fields) => makeItem(fields as never)),
);

const digestOf = (items: readonly unknown[], withText: boolean): SnapshotDigest => {
  const digest = new SnapshotDigest();
  for (const raw of items) {
    const text = JSON.stringify(raw);
    if (withText) digest.add(JSON.parse(text), text);
    else digest.add(raw);
  }
  return digest;
};

describe('SnapshotDigest', () => {
  it('gives the digest runs have always recorded, with or without the items’ text', () => {
    fc.assert(
      fc.property(fc.array(item, { maxLength: 12 }), (items) => {
        const parsed = items.map((raw) => JSON.parse(JSON.stringify(raw)) as unknown);
        expect(digestOf(items, false).hex()).toBe(digestBefore(items));
        expect(digestOf(items, true).hex()).toBe(digestBefore(parsed));
      }),
      { numRuns: 500 },
    );
  });

  it('carries across the 32-bit words of the sum (many items)', () => {
    const items = Array.from({ length: 5000 }, (_, i) => makeItem({ itemId: `item-${i}`, recordCount: i }));
    expect(digestOf(items, true).hex()).toBe(digestBefore(items));
  });

  it('does not depend on the order the items were read in, and merges slices into the whole', () => {
    const items = Array.from({ length: 40 }, (_, i) => makeItem({ itemId: `item-${i}` }));
    const slices = [items.slice(0, 7), items.slice(7, 30), items.slice(30)].map((slice) => digestOf([...slice].reverse(), false).state());
    const whole = new SnapshotDigest();
    for (const state of [...slices].reverse()) whole.merge(state);
    expect(whole.hex()).toBe(digestBefore(items));
    expect(whole.state()).toEqual(digestOf(items, false).state());
    expect(slices[0]).toEqual({ sum: expect.stringMatching(/^[0-9a-f]{64}$/), count: 7 });
  });

  it('refuses a state that is not a digest state', () => {
    const digest = new SnapshotDigest();
    expect(() => digest.merge({ sum: 'zz', count: 1 })).toThrow('Not a snapshot digest state.');
    expect(() => digest.merge({ sum: '0'.repeat(64), count: -1 })).toThrow('Not a snapshot digest state.');
  });
});
