/**
 * A fast-check generator of inventory items as an attacker or a careless
 * collector writes them: every field either a sound value or a hostile one
 * (any JSON value, boundary numbers, strange but valid and invalid timestamps,
 * prototype keys, control characters, huge strings and arrays). Each generated
 * item knows what the contract says of it: `sound` (the engine must evaluate
 * it), `broken` (it must be `invalid`) or `unknown` (an arbitrary value that
 * may happen to be valid).
 */
import fc from 'fast-check';
import { CAPTURED, CAPTURED_MS, DAY } from './items';

export type Expectation = 'sound' | 'broken' | 'unknown';

interface FieldValue {
  value: unknown;
  kind: Expectation;
}

export interface HostileItem {
  /** The item's JSON text (may hold numbers JSON.stringify cannot write, like 1e999). */
  text: string;
  expectation: Expectation;
}

const INFINITY_MARK = '\u0000INF\u0000';

export const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '__defineGetter__', 'valueOf'];

const sound = (arb: fc.Arbitrary<unknown>): fc.Arbitrary<FieldValue> => arb.map((value) => ({ value, kind: 'sound' }));
const broken = (arb: fc.Arbitrary<unknown>): fc.Arbitrary<FieldValue> => arb.map((value) => ({ value, kind: 'broken' }));
const unknown = (arb: fc.Arbitrary<unknown>): fc.Arbitrary<FieldValue> => arb.map((value) => ({ value, kind: 'unknown' }));

const CONTROL = fc.constantFrom('\u0000', '\u001b[2J', '\u001b]8;;http://evil\u0007x\u001b]8;;\u0007', '\r\n', '\u202e', '\u0085', '=cmd|', ' =1+1', '@SUM(A1)');

/** Strings a collector may send as an identifier: plain, prototype keys, control characters, CJK, emoji. */
const soundText = fc.oneof(
  fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/),
  fc.constantFrom(...PROTO_KEYS),
  fc.tuple(fc.string({ maxLength: 8 }), CONTROL).map(([a, b]) => `${a}${b}x`),
  fc.constantFrom('株式会社テスト', '🚀 tenant', 'données', 'x'),
);

const huge = (min: number) => fc.integer({ min, max: min + 20_000 }).map((n) => 'h'.repeat(n));

const validTimestamp = (fromMs: number, toMs: number) =>
  fc.integer({ min: fromMs, max: toMs }).chain((ms) =>
    fc.constantFrom(new Date(ms).toISOString(), new Date(ms).toISOString().replace('.000Z', 'Z'), offsetForm(ms)),
  );

function offsetForm(ms: number): string {
  const shifted = new Date(ms + 8 * 3_600_000).toISOString().replace(/\.\d{3}Z$/, '');
  return `${shifted}+08:00`;
}

const BAD_TIMESTAMPS = [
  '2026-12-31T23:59:60Z',
  '2026-02-30T00:00:00Z',
  '2026-11-20T02:00:00',
  '2026-11-20',
  'yesterday',
  '',
  '2026-11-20T25:00:00Z',
  '+010000-01-01T00:00:00Z',
  '2026-11-20T02:00:00+24:00',
];

const badTimestamp = fc.oneof(fc.constantFrom(...BAD_TIMESTAMPS), fc.integer(), fc.constant(null), fc.constant({}));

const BOUNDARY_COUNTS = [-1, 0.5, 2 ** 53, 1e30, INFINITY_MARK];

/** A value of any JSON type, prototype keys among the object keys. */
const anyJson = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  { weight: 1, arbitrary: fc.constantFrom(...PROTO_KEYS).map((key) => JSON.parse(`{"${key}": {"items": 1}}`) as unknown) },
);

function field(soundArb: fc.Arbitrary<unknown>, brokenArb: fc.Arbitrary<unknown>): fc.Arbitrary<FieldValue> {
  return fc.oneof({ weight: 6, arbitrary: sound(soundArb) }, { weight: 1, arbitrary: broken(brokenArb) }, { weight: 1, arbitrary: unknown(anyJson) });
}

function optionalField(soundArb: fc.Arbitrary<unknown>, brokenArb: fc.Arbitrary<unknown>): fc.Arbitrary<FieldValue | null> {
  return fc.option(field(soundArb, brokenArb), { nil: null, freq: 2 });
}

const identifier = field(soundText, fc.oneof(fc.constant(''), huge(257), fc.integer(), fc.constant(null)));
const MODULES = ['instant-messaging', 'tokenhub', 'healthcare-omics', 'facial-recognition', 'intelligent-guidance', 'intelligent-pre-consultation'];
const CATEGORIES = ['log-data', 'configuration-data', 'monitoring-data', 'content-data', 'personal-information'];

/**
 * Items of one snapshot with unique item ids; each knows its expectation.
 *
 * @example
 * fc.sample(hostileItems(5), 1)[0] // [{ text: '{"snapshotId":…}', expectation: 'sound' }, …]
 */
export function hostileItems(maxItems: number): fc.Arbitrary<HostileItem[]> {
  const item = fc
    .record({
      tenantId: identifier,
      module: field(fc.oneof(fc.constantFrom(...MODULES), soundText), fc.oneof(fc.constant(''), huge(257), fc.integer())),
      dataCategory: field(fc.oneof(fc.constantFrom(...CATEGORIES), soundText), fc.oneof(fc.constant(''), fc.boolean())),
      capturedAt: field(validTimestamp(CAPTURED_MS - 400 * DAY, CAPTURED_MS), fc.oneof(badTimestamp, fc.constant('9999-12-31T00:00:00Z'))),
      store: field(
        fc.record({ type: soundText, resource: fc.oneof(soundText, huge(10).map((s) => s.slice(0, 1024))) }),
        fc.oneof(fc.constant({ type: 'mysql' }), fc.constant({ type: 'mysql', resource: 'r'.repeat(1025) }), fc.constant([]), fc.string()),
      ),
      recordCount: field(fc.integer({ min: 1, max: 2 ** 40 }), fc.constantFrom(...BOUNDARY_COUNTS)),
      bytes: field(fc.oneof(fc.integer({ min: 0, max: 2 ** 40 }), fc.constant(2 ** 53 - 1)), fc.constantFrom(...BOUNDARY_COUNTS)),
      oldestRecordAt: field(validTimestamp(CAPTURED_MS - 800 * DAY - 1, CAPTURED_MS - 800 * DAY), badTimestamp),
      events: optionalField(
        fc.record({ accountDeletedAt: validTimestamp(CAPTURED_MS - 800 * DAY, CAPTURED_MS) }, { requiredKeys: [] }),
        fc.oneof(fc.record({ accountDeletedAt: badTimestamp }), fc.constant('deleted'), fc.constant([1, 2])),
      ),
      customerRetentionDays: optionalField(fc.integer({ min: 1, max: 100_000 }), fc.constantFrom(0, -3, 1.5, 100_000_001, INFINITY_MARK)),
      purposes: optionalField(fc.array(soundText, { maxLength: 3 }), fc.oneof(fc.constant('billing'), fc.array(fc.constant('p'), { minLength: 65, maxLength: 70 }))),
      legalHold: optionalField(fc.record({ reason: soundText }), fc.oneof(fc.constant({}), fc.constant({ reason: 'r', until: '2026-12-31T23:59:60Z' }))),
      owner: optionalField(soundText, fc.oneof(huge(1025), fc.integer())),
      extra: fc.option(fc.tuple(fc.constantFrom(...PROTO_KEYS, 'note'), fc.oneof(anyJson, huge(1000))), { nil: null }),
    })
    .map((fields) => {
      const { extra, ...known } = fields;
      // oldestRecordAt is sound only relative to capturedAt: keep it earlier than any sound capture time.
      const entries = Object.entries(known).filter((entry): entry is [string, FieldValue] => entry[1] !== null);
      const expectation: Expectation = entries.some(([, f]) => f.kind === 'broken')
        ? 'broken'
        : entries.some(([, f]) => f.kind === 'unknown')
          ? 'unknown'
          : 'sound';
      return { values: Object.fromEntries(entries.map(([key, f]) => [key, f.value])), extra, expectation };
    });

  return fc.array(item, { minLength: 1, maxLength: maxItems }).map((items) =>
    items.map(({ values, extra, expectation }, index) => {
      const body: Record<string, unknown> = { snapshotId: 'snap-fuzz', itemId: `item-${String(index).padStart(4, '0')}`, ...values };
      let text = JSON.stringify(body);
      if (extra) text = `${text.slice(0, -1)},${JSON.stringify(extra[0])}:${JSON.stringify(extra[1])}}`;
      return { text: text.replaceAll(JSON.stringify(INFINITY_MARK), '1e999'), expectation };
    }),
  );
}

/** The audit time the generated capture times are sound against. */
export const FUZZ_NOW = new Date(CAPTURED_MS + DAY);
export { CAPTURED };
