import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { canonicalJson } from '../../../lib/engine/canonicalJson';
import { makeItem } from '../../helpers/items';

/** What the digest hashed before canonicalJson: canonicalize, with JSON.stringify's null for numbers JSON cannot state. */
function reference(raw: unknown): string {
  try {
    return canonicalize(raw) ?? 'null';
  } catch {
    return canonicalize(JSON.parse(JSON.stringify(raw) ?? 'null')) ?? 'null';
  }
}

describe('canonicalJson', () => {
  it('writes what canonicalize writes for any JSON value, keys in any order, any characters', () => {
    const key = fc.oneof(fc.string({ unit: 'binary' }), fc.constantFrom('0', '1', '2', '10', '9', '4294967294', '4294967295', '01', '-1', '__proto__', 'toJSON', 'a', 'B'));
    const json = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: 'small' }, fc.constant(null), fc.boolean(), fc.double(), fc.integer(), fc.string({ unit: 'binary' }), tie('array'), tie('object')),
      array: fc.array(tie('value'), { maxLength: 4 }),
      object: fc.dictionary(key, tie('value'), { maxKeys: 6 }),
    })).value;
    fc.assert(
      fc.property(json, (value) => {
        // Through JSON.parse, as the digest sees items (own "__proto__" keys included).
        const parsed = JSON.parse(JSON.stringify(value) ?? 'null') as unknown;
        expect(canonicalJson(parsed)).toBe(reference(parsed));
      }),
      { numRuns: 3000 },
    );
  });

  it('sorts the keys of every object, nested ones and those inside arrays', () => {
    expect(canonicalJson({ b: 1, a: [true, { d: 'x', c: null }], c: { z: 1, y: { x: 2, w: 3 } } })).toBe('{"a":[true,{"c":null,"d":"x"}],"b":1,"c":{"y":{"w":3,"x":2},"z":1}}');
  });

  it('orders integer-like keys as text, as RFC 8785 does (not in the numeric order objects keep them in)', () => {
    expect(canonicalJson({ 10: 'a', 9: 'b', x: { 2: 0, 10: 1 } })).toBe('{"10":"a","9":"b","x":{"10":1,"2":0}}');
  });

  it('keeps a key named "__proto__" as a key', () => {
    const item = JSON.parse('{"b":1,"__proto__":{"y":1,"x":2}}') as unknown;
    expect(canonicalJson(item)).toBe('{"__proto__":{"x":2,"y":1},"b":1}');
  });

  it('writes a number JSON cannot state (1e999 read as Infinity) as null instead of failing', () => {
    expect(canonicalJson(JSON.parse('{"b":1e999,"a":-0,"c":1e21,"d":1e-7}'))).toBe('{"a":0,"b":null,"c":1e+21,"d":1e-7}');
  });

  it('writes an inventory item as canonicalize does', () => {
    const item = makeItem({ events: { serviceTerminatedAt: '2026-01-01T00:00:00.000Z' }, store: { type: 'mysql', resource: 'r', region: 'eu' } });
    expect(canonicalJson(item)).toBe(reference(item));
  });
});
