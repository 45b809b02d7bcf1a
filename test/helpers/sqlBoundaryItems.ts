/**
 * A fast-check generator of inventory items at the edges of the item contract
 * (docs/semantics.md#inventory-item), for the differential test of the SQL
 * validation (test/lib/sql/validationSql.test.ts): a valid item, its optional
 * members present or not, with zero, one or two members mutated — the wrong type,
 * missing, empty, one character under, at and over each limit (emoji counted as
 * one code point), boundary numbers in every JSON spelling, timestamps built from
 * parts just inside and outside every rule — and JSON text the way only text can
 * say it: repeated keys, escaped keys, `__proto__`, lone surrogates, whitespace.
 */
import fc from 'fast-check';

export interface BoundaryItem {
  /** The item's JSON text, as a source would hand it over. */
  text: string;
  /** What was done to the valid item, for failure messages. */
  note: string;
}

/** The capture bound the generated capture times straddle (the audit's start plus the skew). */
export const BOUNDARY_NOT_AFTER_MS = Date.parse('2026-11-21T00:00:00Z');

/** JSON text standing for a value (a number JSON.stringify cannot write, `-0`, `1.0`…). */
class RawJson {
  constructor(readonly text: string) {}
}
const rawJson = (text: string) => new RawJson(text);

/** Serialises like JSON.stringify, with RawJson written as is. */
function serialise(value: unknown, indent?: number): string {
  const raws: string[] = [];
  const marked = JSON.stringify(
    value,
    (_key, v: unknown) => {
      if (v instanceof RawJson) {
        raws.push(v.text);
        return `\u0000RAW${raws.length - 1}\u0000`;
      }
      return v;
    },
    indent,
  );
  return marked.replace(/"\\u0000RAW(\d+)\\u0000"/g, (_match, index: string) => raws[Number(index)]!);
}

const EMOJI = '🚀';
const LONE_HIGH = '\ud83d';
const LONE_LOW = '\ude80';

/** Strings of `count` code points, ASCII, emoji, mixed, combining, NUL, lone surrogates. */
function stringsOf(count: number): string[] {
  if (count === 0) return [''];
  return [
    'x'.repeat(count),
    EMOJI.repeat(count),
    `${'a'.repeat(count - 1)}${EMOJI}`,
    `${EMOJI}${'é'.repeat(count - 1)}`,
    'e\u0301'.repeat(Math.floor(count / 2)) + 'x'.repeat(count % 2),
    `\u0000${'"\\'.repeat(Math.floor((count - 1) / 2))}${(count - 1) % 2 ? 'q' : ''}`,
    LONE_HIGH.repeat(count),
    `${LONE_LOW}${'x'.repeat(count - 1)}`,
  ];
}

/** Every length at and around a maximum (and the minimum of 1). */
function lengthsAround(max: number, min = 1): string[] {
  return [min - 1, min, max - 1, max, max + 1].filter((n) => n >= 0).flatMap(stringsOf);
}

const WRONG_TYPES: unknown[] = [null, true, false, 0, 1, -1, 1.5, '', 'x', [], ['x'], {}, { a: 1 }, rawJson('1e999'), rawJson('-0')];

const COUNT_VALUES: unknown[] = [
  0,
  1,
  -1,
  1.5,
  0.5,
  2 ** 53 - 1,
  2 ** 53,
  rawJson('9007199254740993'),
  rawJson('9007199254740990.5'),
  rawJson('9007199254740991.4'),
  rawJson('9007199254740991.6'),
  rawJson('18446744073709551616'),
  rawJson('-9223372036854775809'),
  rawJson('1e999'),
  rawJson('-1e999'),
  rawJson('1e-400'),
  rawJson('-1e-400'),
  rawJson('-0'),
  rawJson('-0.0'),
  rawJson('1.0'),
  rawJson('1E2'),
  rawJson('1e+2'),
  rawJson('1.5e1'),
  rawJson('100000000000000000000000000000000'),
  1e300,
  '5',
  null,
  true,
  [],
  {},
];

const RETENTION_DAYS: unknown[] = [0, 1, 2, 30, 99_999, 100_000, 100_001, -1, 1.5, rawJson('1.0'), rawJson('1e999'), rawJson('-1e999'), rawJson('1e5'), rawJson('1e-400'), '30', null];

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** A timestamp built from parts, each mostly in range and sometimes just outside. */
const builtTimestamp = fc
  .record({
    year: fc.oneof(fc.integer({ min: 0, max: 9999 }), fc.constantFrom(0, 4, 100, 400, 1900, 1969, 1970, 2000, 2024, 2026, 2100, 9999)),
    month: fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 1, max: 12 }) }, { weight: 1, arbitrary: fc.constantFrom(0, 2, 13, 99) }),
    day: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 1, max: 28 }) }, { weight: 3, arbitrary: fc.constantFrom(29, 30, 31) }, { weight: 1, arbitrary: fc.constantFrom(0, 32) }),
    hour: fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0, max: 23 }) }, { weight: 1, arbitrary: fc.constantFrom(23, 24) }),
    minute: fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0, max: 59 }) }, { weight: 1, arbitrary: fc.constant(60) }),
    second: fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0, max: 59 }) }, { weight: 1, arbitrary: fc.constant(60) }),
    fraction: fc.option(fc.stringMatching(/^[0-9]{1,10}$/), { freq: 2 }),
    separator: fc.constantFrom('T', 'T', 't', ' '),
    zone: fc.oneof(
      fc.constantFrom('Z', 'Z', 'z'),
      fc
        .record({ sign: fc.constantFrom('+', '-'), hours: fc.oneof(fc.integer({ min: 0, max: 23 }), fc.constant(24)), minutes: fc.oneof(fc.integer({ min: 0, max: 59 }), fc.constant(60)) })
        .map(({ sign, hours, minutes }) => `${sign}${pad(hours)}:${pad(minutes)}`),
    ),
  })
  .map(
    (p) =>
      `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}${p.separator}${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}${p.fraction === null ? '' : `.${p.fraction}`}${p.zone}`,
  );

const TIMESTAMP_CASES = [
  '2024-02-29T00:00:00Z',
  '2026-02-29T00:00:00Z',
  '2000-02-29T12:00:00Z',
  '1900-02-29T12:00:00Z',
  '2100-02-29T00:00:00Z',
  '0000-02-29T00:00:00Z',
  '0000-01-01T00:00:00Z',
  '0000-01-01T00:00:00+23:59',
  '0000-01-01T00:00:00-23:59',
  '9999-12-31T23:59:59.999999999-23:59',
  '9999-12-31T23:59:59.999Z',
  '2026-04-31T00:00:00Z',
  '2026-06-30T00:00:00Z',
  '2026-12-31T23:59:60Z',
  '2026-11-20T24:00:00Z',
  '2026-11-20T02:00:00+24:00',
  '2026-11-20T02:00:00+00:60',
  '2026-11-20T02:00:00-00:00',
  '2026-11-20T02:00:00+0000',
  '2026-11-20T02:00:00',
  '2026-11-20',
  '2026-11-20T02:00Z',
  '2026-1-20T02:00:00Z',
  '+002026-11-20T02:00:00Z',
  '2026-11-20T02:00:00.Z',
  '2026-11-20T02:00:00,5Z',
  '2026-11-20T02:00:00.1234567890Z',
  '2026-11-20T02:00:00.123456789Z',
  '1969-12-31T23:59:59.9999Z',
  '1969-12-31T23:59:59.0001Z',
  '1969-12-31t23:59:59.5z',
  '2026-11-20 02:00:00.5+05:30',
  '2026-11-20T02:00:00Z ',
  ' 2026-11-20T02:00:00Z',
  '2026-11-20T02:00:00Z\n',
  '2026-11-20T02:00:00Z\u0000',
  '２０２６-11-20T02:00:00Z',
  '٢٠٢٦-11-20T02:00:00Z',
  '2026-11-20T02:00:00ZZ',
  '2026-11-20T02:00:00.000000000000000000000Z',
  'x'.repeat(40),
  'x'.repeat(41),
  EMOJI.repeat(40),
  EMOJI.repeat(41),
  'yesterday',
  '',
];

/** One instant written in several ways: other offsets, more fraction digits, lower case. */
function spellings(ms: number): string[] {
  const iso = new Date(ms).toISOString();
  const shifted = (minutes: number) => new Date(ms + minutes * 60_000).toISOString().slice(0, 23);
  return [iso, iso.replace('Z', '0000Z'), `${shifted(330)}+05:30`, `${shifted(-1439)}-23:59`, `${shifted(1439)}999+23:59`, iso.replace('T', 't').replace('Z', 'z')];
}

/** The bound, one millisecond before and after. */
const NEAR_BOUND = [-1, 0, 1].flatMap((delta) => spellings(BOUNDARY_NOT_AFTER_MS + delta));

const timestamp = fc.oneof(
  { weight: 4, arbitrary: builtTimestamp },
  { weight: 2, arbitrary: fc.constantFrom(...TIMESTAMP_CASES) },
  { weight: 1, arbitrary: fc.constantFrom(...NEAR_BOUND) },
  { weight: 1, arbitrary: fc.constantFrom(...WRONG_TYPES) },
);

type Item = Record<string, unknown>;

/** A valid item; which optional members it has varies. */
const validItem: fc.Arbitrary<Item> = fc
  .record({
    region: fc.boolean(),
    oldest: fc.boolean(),
    newest: fc.boolean(),
    events: fc.subarray(['accountDeletedAt', 'serviceTerminatedAt', 'deletionRequestedAt', 'consentWithdrawnAt', 'domainExpiresAt']),
    hasEvents: fc.boolean(),
    customerRetentionDays: fc.boolean(),
    purposes: fc.option(fc.array(fc.constantFrom('billing', 'security', 'é', EMOJI), { maxLength: 3 })),
    hold: fc.constantFrom('none', 'open', 'until'),
    owner: fc.boolean(),
    recordCount: fc.constantFrom(0, 10),
  })
  .map((o) => {
    const item: Item = {
      snapshotId: 'snap-1',
      itemId: 'item-1',
      capturedAt: '2026-11-20T02:00:00Z',
      tenantId: 'tenant-a',
      module: 'instant-messaging',
      dataCategory: 'log-data',
      store: o.region ? { type: 'mysql', resource: 'im/prod', region: 'eu-frankfurt' } : { type: 'mysql', resource: 'im/prod' },
      recordCount: o.recordCount,
      bytes: 1000,
    };
    if (o.oldest || o.recordCount > 0) item.oldestRecordAt = '2026-10-01T00:00:00.250Z';
    if (o.newest) item.newestRecordAt = '2026-11-19T23:00:00+01:00';
    if (o.hasEvents) item.events = Object.fromEntries(o.events.map((name, i) => [name, `2026-0${i + 1}-15T08:30:00Z`]));
    if (o.customerRetentionDays) item.customerRetentionDays = 30;
    if (o.purposes) item.purposes = o.purposes;
    if (o.hold === 'open') item.legalHold = { reason: 'litigation' };
    if (o.hold === 'until') item.legalHold = { reason: 'litigation', until: '2027-01-01T00:00:00Z' };
    if (o.owner) item.owner = 'dpo@example.com';
    return item;
  });

const DELETE = Symbol('delete');

/** A change to one member: a new value, or DELETE. */
interface Mutation {
  path: string;
  value: unknown;
}

const mutation = (path: string, values: fc.Arbitrary<unknown>): fc.Arbitrary<Mutation> => values.map((value) => ({ path, value }));
const either = (...lists: unknown[][]) => fc.constantFrom(...lists.flat());

const MUTATIONS: fc.Arbitrary<Mutation> = fc.oneof(
  ...['snapshotId', 'itemId', 'tenantId', 'module', 'dataCategory', 'store.type'].map((path) =>
    mutation(path, either(lengthsAround(256), WRONG_TYPES, [DELETE])),
  ),
  ...['store.resource', 'legalHold.reason'].map((path) => mutation(path, either(lengthsAround(1024), WRONG_TYPES, [DELETE]))),
  mutation('store.region', either(lengthsAround(256, 0), WRONG_TYPES, [DELETE])),
  mutation('owner', either(lengthsAround(1024, 0), WRONG_TYPES, [DELETE])),
  mutation('store', either(WRONG_TYPES, [DELETE, {}, { type: 'mysql' }, { resource: 'r' }, { type: 1, resource: 1 }])),
  ...['recordCount', 'bytes'].map((path) => mutation(path, either(COUNT_VALUES, [DELETE]))),
  mutation('customerRetentionDays', either(RETENTION_DAYS, WRONG_TYPES, [DELETE])),
  ...['capturedAt', 'oldestRecordAt', 'newestRecordAt', 'legalHold.until', 'events.accountDeletedAt', 'events.consentWithdrawnAt'].map((path) =>
    mutation(path, fc.oneof({ weight: 9, arbitrary: timestamp }, { weight: 1, arbitrary: fc.constant(DELETE) })),
  ),
  mutation('events', either(WRONG_TYPES, [DELETE, {}, { domainExpiresAt: 'soon' }, { accountDeletedAt: null }])),
  mutation('legalHold', either(WRONG_TYPES, [DELETE, {}, { until: '2027-01-01T00:00:00Z' }, { reason: '' }])),
  mutation(
    'purposes',
    either(WRONG_TYPES, [
      DELETE,
      [],
      Array(64).fill('p'),
      Array(65).fill('p'),
      Array(65).fill(1),
      ['a', 1],
      ['a', null],
      ['a', 'x'.repeat(257)],
      ['x'.repeat(256), EMOJI.repeat(256)],
      [EMOJI.repeat(257), 1],
      ['ok', LONE_HIGH.repeat(257)],
    ]),
  ),
);

/** capturedAt, oldestRecordAt and newestRecordAt at the same instant or a millisecond apart, spelt differently. */
const RECORD_TIMES: fc.Arbitrary<Mutation[]> = fc
  .tuple(fc.constantFrom(-1, 0, 1), fc.constantFrom(-1, 0, 1), fc.nat(5), fc.nat(5), fc.nat(5))
  .map(([oldest, newest, a, b, c]) => {
    const captured = Date.parse('2026-11-20T02:00:00Z');
    return [
      { path: 'capturedAt', value: spellings(captured)[a]! },
      { path: 'oldestRecordAt', value: spellings(captured + oldest)[b]! },
      { path: 'newestRecordAt', value: spellings(captured + oldest + newest)[c]! },
    ];
  });

/** Members left out together: required ones in any combination, so their order shows. */
const LEFT_OUT: fc.Arbitrary<Mutation[]> = fc
  .subarray(['snapshotId', 'itemId', 'capturedAt', 'tenantId', 'module', 'dataCategory', 'store', 'recordCount', 'bytes', 'oldestRecordAt', 'store.type', 'store.resource', 'legalHold.reason'], { minLength: 2 })
  .map((paths) => paths.map((path) => ({ path, value: DELETE })));

/** Sets (or deletes) a member at a dotted path; a missing or non-object parent becomes an object. */
function apply(item: Item, { path, value }: Mutation): void {
  const [head, key] = path.split('.') as [string, string | undefined];
  if (key === undefined) {
    if (value === DELETE) delete item[head];
    else item[head] = value;
    return;
  }
  const parent = item[head];
  const object: Item = typeof parent === 'object' && parent !== null && !Array.isArray(parent) ? { ...(parent as Item) } : {};
  if (value === DELETE) delete object[key];
  else object[key] = value;
  item[head] = object;
}

/** Changes only text can make: the JSON.parse reading must not change, or must change as JSON.parse's. */
type TextChange = (text: string) => string;

/** Adds a member at the start of the object that follows `opening` (e.g. `"store":{`), if there is one. */
function prepend(text: string, opening: string, member: string): string {
  const at = text.indexOf(opening);
  if (at < 0) return text;
  const after = at + opening.length;
  return `${text.slice(0, after)}${member}${text[after] === '}' ? '' : ','}${text.slice(after)}`;
}

/** Adds a member at the end of the flat object (no braces in its strings) that follows `opening`. */
function append(text: string, opening: string, member: string): string {
  const at = text.indexOf(opening);
  if (at < 0) return text;
  const after = at + opening.length;
  const end = text.indexOf('}', after);
  return `${text.slice(0, end)}${end === after ? '' : ','}${member}${text.slice(end)}`;
}

/** Applies `change` to the JSON text between its strings (structure and numbers only). */
function outsideStrings(text: string, change: (part: string) => string): string {
  return text.replace(/("(?:[^"\\]|\\.)*")|([^"]+)/g, (_match, string: string | undefined, other: string | undefined) => string ?? change(other!));
}

const TEXT_CHANGES: [string, TextChange][] = [
  ['pretty', (t) => JSON.stringify(JSON.parse(t), null, 2)],
  ['repeated itemId, first wrong', (t) => `{"itemId":5,${t.slice(1)}`],
  ['repeated itemId, last wrong', (t) => `${t.slice(0, -1)},"itemId":5}`],
  ['repeated snapshotId, last null', (t) => `${t.slice(0, -1)},"snapshotId":null}`],
  ['repeated recordCount, last -1', (t) => `${t.slice(0, -1)},"recordCount":-1}`],
  ['repeated capturedAt, first bad', (t) => `{"capturedAt":"bad",${t.slice(1)}`],
  ['repeated store, last not object', (t) => `${t.slice(0, -1)},"store":"mysql"}`],
  ['repeated store.type, last empty', (t) => append(t, '"store":{', '"type":"a","type":""')],
  ['repeated store.type, first empty', (t) => prepend(t, '"store":{', '"type":""')],
  ['repeated event, first bad', (t) => prepend(t, '"events":{', '"accountDeletedAt":"bad"')],
  ['repeated event, last bad', (t) => append(prepend(t, '"events":{', '"x":1,"x":2'), '"events":{', '"consentWithdrawnAt":"bad"')],
  ['repeated event, both good', (t) => prepend(t, '"events":{', '"accountDeletedAt":"2020-01-01T00:00:00Z"')],
  ['repeated event, last null', (t) => append(t, '"events":{', '"accountDeletedAt":null')],
  ['repeated hold reason', (t) => prepend(t, '"legalHold":{', '"reason":5')],
  ['repeated itemId, last spelt with an escape', (t) => `${t.slice(0, -1)},"item\\u0049d":5}`],
  ['repeated custom event', (t) => prepend(t, '"events":{', '"domainExpiresAt":"x","domainExpiresAt":"y"')],
  ['escaped keys', (t) => t.replace('"snapshotId"', '"snap\\u0073hotId"').replace('"type"', '"\\u0074ype"')],
  ['escaped values', (t) => t.replace('"tenant-a"', '"tenant\\u002da\\/\\t\\u00e9"')],
  ['__proto__ holding fields', (t) => `${t.slice(0, -1)},"__proto__":{"itemId":5,"recordCount":-1}}`],
  ['constructor key', (t) => `{"constructor":1,"toString":"x","hasOwnProperty":null,${t.slice(1)}`],
  ['unknown members', (t) => `{"note":[1,{"a":null}],"zz":"${EMOJI}",${t.slice(1)}`],
  ['whitespace', (t) => ` \t\n${outsideStrings(t, (part) => part.replaceAll(',', ' ,\r\n ').replaceAll(':', ' : ').replaceAll('{', '{ '))} \n`],
  ['key case', (t) => t.replace('"snapshotId"', '"SnapshotId"')],
  ['lone surrogate escapes', (t) => t.replace('"tenant-a"', '"\\ud800\\udc00\\ud800x\\\\ud800\\udfff"')],
  ['upper-case surrogate escapes', (t) => t.replace('"tenant-a"', '"\\uD83D\\uDE80\\uDE80"')],
];

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Not an object at all (the contract has the source refuse these; validateItem refuses them too). */
const NOT_OBJECTS = ['[]', '[{"snapshotId":"s"}]', 'null', '5', '"item"', 'true'];

/**
 * Items at the edges of the contract, each with a note of what was changed.
 *
 * @example
 * fc.sample(sqlBoundaryItems(), 1)[0] // { text: '{"snapshotId":"snap-1",…}', note: 'recordCount = 1e999' }
 */
export function sqlBoundaryItems(): fc.Arbitrary<BoundaryItem> {
  const mutated = fc
    .tuple(
      validItem,
      fc.oneof({ weight: 8, arbitrary: fc.array(MUTATIONS, { maxLength: 2 }) }, { weight: 1, arbitrary: RECORD_TIMES }, { weight: 1, arbitrary: LEFT_OUT }),
      fc.option(fc.constantFrom(...TEXT_CHANGES), { freq: 4 }),
    )
    .map(([item, mutations, change]) => {
      for (const m of mutations) apply(item, m);
      const text = serialise(item);
      const notes = mutations.map((m) => `${m.path} = ${m.value === DELETE ? '(deleted)' : serialise(m.value).slice(0, 60)}`);
      const changed = change ? change[1](text) : text;
      // A change that breaks the JSON (an object it cannot find its way in) is left out: the source would have refused the line.
      if (change && isJson(changed)) notes.push(change[0]);
      return { text: change && isJson(changed) ? changed : text, note: notes.join('; ') || 'valid' };
    });
  return fc.oneof({ weight: 30, arbitrary: mutated }, { weight: 1, arbitrary: fc.constantFrom(...NOT_OBJECTS).map((text) => ({ text, note: 'not an object' })) });
}
