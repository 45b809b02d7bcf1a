import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { canonicalJson } from '../../../lib/engine/canonicalJson';
import { PROTO_KEYS } from '../../helpers/hostileItems';
import { makeItem } from '../../helpers/items';

/** What the digest hashed before canonicalJson: canonicalize, with JSON.stringify's null for numbers JSON cannot state. */
function reference(raw: unknown): string {
  try {
    return canonicalize(raw) ?? 'null';
  } catch {
    return canonicalize(JSON.parse(JSON.stringify(raw) ?? 'null')) ?? 'null';
  }
}

/** canonicalJson as it was before it wrote JSON data itself (sorted copies and JSON.stringify): past digests hold what it wrote for any value. */
function before(raw: unknown): string {
  class Unordered extends Error {}
  const sortedCopy = (value: unknown): unknown => {
    if (value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map(sortedCopy);
    const object = value as Record<string, unknown>;
    const keys = Object.keys(object);
    let ordered = true;
    let flat = true;
    keys.forEach((key, i) => {
      if ((/^(?:0|[1-9][0-9]{0,9})$/.test(key) && Number(key) < 2 ** 32 - 1) || key === '__proto__') throw new Unordered();
      if (i > 0 && keys[i - 1]! > key) ordered = false;
      if (object[key] !== null && typeof object[key] === 'object') flat = false;
    });
    if (ordered && flat) return object;
    const copy: Record<string, unknown> = {};
    for (const key of ordered ? keys : keys.sort()) copy[key] = sortedCopy(object[key]);
    return copy;
  };
  try {
    return JSON.stringify(sortedCopy(raw)) ?? 'null';
  } catch (error) {
    if (!(error instanceof Unordered)) throw error;
    return reference(raw);
  }
}

const INFINITY = '\u0000infinity';
const HOSTILE_TEXT = ['', '"', '\\', '\u0000', '\u001f', '\u007f', '\u2028', '\u2029', '\ud800', '\udfff', 'a\udc00b', '\ud83d\ude00', '\uffff', 'é', '株', '\uFEFF', '</script>'];
const HOSTILE_NUMBERS = [0, -0, 1e21, 1e-7, 1e-6, 5e-324, -5e-324, 1.7976931348623157e308, 2 ** 53, 2 ** 53 + 2, 0.1 + 0.2, -1.5e-10, 123456789012345680000, Infinity, -Infinity];
const key = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 4 }),
  fc.constantFrom(...HOSTILE_TEXT, ...PROTO_KEYS, '0', '1', '2', '10', '9', '01', '-1', '4294967294', '4294967295', 'toJSON', 'a', 'B', 'snapshotId'),
);
const text = fc.oneof(fc.string({ unit: 'binary' }), fc.constantFrom(...HOSTILE_TEXT));
const json = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, fc.constant(null), fc.boolean(), fc.double(), fc.integer(), fc.constantFrom(...HOSTILE_NUMBERS), text, tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 4 }),
  object: fc.dictionary(key, tie('value'), { maxKeys: 6 }),
})).value;

describe('canonicalJson', () => {
  it('writes what canonicalize writes for any JSON value, keys in any order, any characters, with or without its text', () => {
    fc.assert(
      fc.property(json, (value) => {
        // Through JSON.parse, as the digest sees items (own "__proto__" keys included); 1e999 stands for Infinity.
        const marked = JSON.stringify(value, (_, v: unknown) => (v === Infinity ? INFINITY : v === -Infinity ? `-${INFINITY}` : v)) ?? 'null';
        const source = marked.replaceAll(`"-${JSON.stringify(INFINITY).slice(1, -1)}"`, '-1e999').replaceAll(JSON.stringify(INFINITY), '1e999');
        const parsed = JSON.parse(source) as unknown;
        expect(canonicalJson(parsed)).toBe(reference(parsed));
        expect(canonicalJson(parsed, source)).toBe(reference(parsed));
        // As built in code, not parsed: integer-like keys in numeric order, no own "__proto__".
        expect(canonicalJson(value)).toBe(reference(value));
      }),
      { numRuns: 5000 },
    );
  });

  it('writes any value as it wrote it before, values outside the JSON data model included', () => {
    class WithToJson {
      b = 1;
      toJSON() {
        return { z: 1, a: [2] };
      }
    }
    const nullPrototype = Object.assign(Object.create(null) as object, { b: 1, a: { d: 1, c: 2 } });
    const values: unknown[] = [
      { s: new Set([1, 2]), m: new Map([['a', 1]]), d: new Date(0) },
      { buffer: Buffer.from('hi'), bytes: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]) },
      new WithToJson(),
      { b: undefined, a: () => 1, c: Symbol('s') },
      { own: { toJSON: () => 'x', b: 1 } },
      { holes: [1, , 3], nested: [{ b: 1, a: undefined }] },
      nullPrototype,
      { z: nullPrototype, 10: new Set(), 2: 'x' },
      [new Number(1), new String('s'), new Boolean(false)],
      undefined,
      Object.create({ inherited: 1 }) as object,
    ];
    for (const value of values) expect(canonicalJson(value)).toBe(before(value));
    expect(() => canonicalJson({ a: 1n })).toThrow(TypeError);
  });

  it('sorts the keys of every object, nested ones and those inside arrays', () => {
    expect(canonicalJson({ b: 1, a: [true, { d: 'x', c: null }], c: { z: 1, y: { x: 2, w: 3 } } })).toBe('{"a":[true,{"c":null,"d":"x"}],"b":1,"c":{"y":{"w":3,"x":2},"z":1}}');
  });

  it('orders integer-like keys as text, as RFC 8785 does (not in the numeric order objects keep them in)', () => {
    expect(canonicalJson({ 10: 'a', 9: 'b', x: { 2: 0, 10: 1 } })).toBe('{"10":"a","9":"b","x":{"10":1,"2":0}}');
  });

  it('orders keys by UTF-16 code units: an astral character before U+FFFF', () => {
    expect(canonicalJson({ '\uffff': 1, '\ud83d\ude00': 2, é: 3 })).toBe('{"é":3,"\ud83d\ude00":2,"\uffff":1}');
  });

  it('keeps a key named "__proto__" as a key', () => {
    const item = JSON.parse('{"b":1,"__proto__":{"y":1,"x":2}}') as unknown;
    expect(canonicalJson(item)).toBe('{"__proto__":{"x":2,"y":1},"b":1}');
  });

  it('writes the value JSON.parse kept of a repeated key (the last)', () => {
    const source = '{"b":2,"a":1,"b":{"d":1,"c":[3,"x"]}}';
    expect(canonicalJson(JSON.parse(source), source)).toBe('{"a":1,"b":{"c":[3,"x"],"d":1}}');
  });

  it('writes numbers as ECMAScript does, and a number JSON cannot state (1e999 read as Infinity) as null instead of failing', () => {
    const source = '{"b":1e999,"a":-0,"c":1e21,"d":1e-7,"e":[-1e999,1E2,0.000001,1.50]}';
    expect(canonicalJson(JSON.parse(source), source)).toBe('{"a":0,"b":null,"c":1e+21,"d":1e-7,"e":[null,100,0.000001,1.5]}');
  });

  it('escapes strings as JSON.stringify does, lone surrogates included, whether or not it has the text', () => {
    const source = '{"s":"q\\"b\\\\c\\u0001\\ud800\\u00e9\\/","t":"\ud83d\ude00\u2028"}';
    const expected = '{"s":"q\\"b\\\\c\\u0001\\ud800é/","t":"\ud83d\ude00\u2028"}';
    expect(canonicalJson(JSON.parse(source), source)).toBe(expected);
    expect(canonicalJson(JSON.parse(source))).toBe(expected);
    // A text may hold a lone surrogate itself, unescaped (not one decoded from UTF-8).
    const lone = '{"a":"x\ud800","\udc00":1}';
    expect(canonicalJson(JSON.parse(lone), lone)).toBe('{"a":"x\\ud800","\\udc00":1}');
  });

  it('writes items of ever-new shapes, beyond what it caches, as it writes the first ones', () => {
    for (let i = 0; i < 3000; i += 1) {
      const item = { [`k${i}`]: i, a: { [`n${i % 40}`]: [i], [`m${i}`]: 'x' }, z: i % 2 };
      expect(canonicalJson(item)).toBe(reference(item));
    }
  });

  it('tells apart shapes that share their first key, and the same keys in another order', () => {
    const items = [{ a: 1, b: 2, c: 3 }, { a: 1, c: 3, b: 2 }, { a: 1, b: 2 }, { a: 1, b: 2, d: 4 }, { c: 3, a: 1, b: 2 }];
    for (const item of items) expect(canonicalJson(item)).toBe(reference(item));
  });

  it('writes huge items: a long string, a long array, deep nesting', () => {
    const item = { text: 'é"'.repeat(1 << 20), numbers: Array.from({ length: 100_000 }, (_, i) => i / 7), deep: JSON.parse(`${'{"b":1,"a":['.repeat(500)}0${']}'.repeat(500)}`) as unknown };
    const source = JSON.stringify(item);
    expect(canonicalJson(JSON.parse(source), source)).toBe(reference(item));
  });

  it('writes an inventory item as canonicalize does', () => {
    const item = makeItem({ events: { serviceTerminatedAt: '2026-01-01T00:00:00.000Z' }, store: { type: 'mysql', resource: 'r', region: 'eu' } });
    expect(canonicalJson(item)).toBe(reference(item));
  });
});
