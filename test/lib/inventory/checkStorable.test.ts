/** What DynamoDB cannot store, found item by item before a batch is sent, each reason naming the field. */
import { checkStorable, ITEM_LIMITS } from '../../../lib/inventory/checkStorable';
import { makeItem } from '../../helpers/items';

const KEYS = { partition: 'snapshotId', sort: 'itemId' };
const check = (overrides: Record<string, unknown>) => checkStorable({ ...makeItem(), ...overrides }, KEYS);
const nested = (depth: number): unknown => (depth === 0 ? 'leaf' : { n: nested(depth - 1) });

describe('checkStorable', () => {
  it('accepts an ordinary item, and what JSON and DynamoDB both hold: mixed lists, empty strings, nulls, tiny and fractional numbers', () => {
    expect(check({})).toBeNull();
    expect(check({ purposes: [1, 'billing', [true, null], {}, []], owner: '', note: null, ratio: 0.25, tiny: 1e-30, zero: 0, big: Number.MAX_SAFE_INTEGER })).toBeNull();
  });

  it.each([
    ['a number beyond MAX_SAFE_INTEGER (the SDK refuses to marshal it)', { recordCount: 1e30 }, /^recordCount is 1e\+30, beyond ±9007199254740991/],
    ['a negative one', { bytes: -1e30 }, /^bytes is -1e\+30, beyond/],
    ['JSON 1e999, which parses to Infinity', { recordCount: JSON.parse('1e999') }, /^recordCount is Infinity \(a number too large for JSON to hold/],
    ['-1e999', { bytes: JSON.parse('-1e999') }, /^bytes is -Infinity/],
    ['NaN', { bytes: Number.NaN }, /^bytes is not a number \(NaN\)/],
    ['a number below DynamoDB’s smallest magnitude', { bytes: 1e-200 }, /^bytes is 1e-200, smaller than DynamoDB's smallest number/],
    ['a bad number deep inside', { store: { type: 'mysql', resource: 'r', extra: [{ size: 1e30 }] } }, /^store\.extra\[0\]\.size is 1e\+30/],
    ['a lone surrogate (DynamoDB would store it altered)', { tenantId: 'a\ud800' }, /^tenantId is not well-formed Unicode/],
    ['a lone surrogate in a nested name', { events: { ['x\udc00']: 'y' } }, /^A field name in events is not well-formed Unicode/],
    ['nesting deeper than 32 levels', { deep: nested(32) }, /^deep(\.n){32} is nested more than 32 levels deep/],
    ['a field with an empty name', { '': 1 }, /^A field with an empty name/],
    // As JSON.parse makes them: own properties, which the SDK's marshall() drops (it assigns them to a map of its own).
    ['a field __proto__', JSON.parse('{"__proto__":"x"}') as Record<string, unknown>, /^Field __proto__ cannot be stored: the DynamoDB SDK drops it/],
    ['a field __proto__ in a map in a list', JSON.parse('{"note":[{"__proto__":false}]}') as Record<string, unknown>, /^note\[0\] holds a field __proto__, which cannot be stored/],
    ['an empty itemId', { itemId: '' }, /^itemId must be a non-empty string \(it is the table's sort key\)/],
    ['a missing snapshotId', { snapshotId: undefined }, /^snapshotId must be a non-empty string/],
    ['an itemId over 1024 bytes', { itemId: 'é'.repeat(513) }, /^itemId is 1026 bytes long, over DynamoDB's 1024-byte limit for a sort key/],
    ['a snapshotId over 2048 bytes', { snapshotId: 's'.repeat(2049) }, /^snapshotId is 2049 bytes long, over DynamoDB's 2048-byte limit/],
    ['an item over 400 KB', { owner: 'x'.repeat(ITEM_LIMITS.itemBytes) }, /^The item is 400\.\d KB as DynamoDB counts it, over its 400 KB limit; its largest field is owner \(400\.0 KB\)/],
  ])('refuses %s', (_label, overrides, reason) => {
    expect(check(overrides)).toMatch(reason);
  });

  it('accepts 31 levels of nesting below a field, and an item just under 400 KB', () => {
    expect(check({ deep: nested(31) })).toBeNull();
    const base = checkStorable({ ...makeItem(), owner: '' }, KEYS);
    expect(base).toBeNull();
    // Counted as DynamoDB does: names, values, and 3 + 1 per element for the store map.
    expect(check({ owner: 'x'.repeat(ITEM_LIMITS.itemBytes - 1024) })).toBeNull();
  });

  it('counts the bytes of multi-byte characters, names included', () => {
    const half = 'é'.repeat(ITEM_LIMITS.itemBytes / 4);
    expect(check({ a: half })).toBeNull();
    expect(check({ a: half, b: half, c: 'x' })).toMatch(/over its 400 KB limit; its largest field is a \(200\.0 KB\)/);
  });
});
