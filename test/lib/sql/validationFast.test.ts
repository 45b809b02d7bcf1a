/**
 * The validation's fast path (lib/sql/validationFast.ts) changes nothing: every
 * column of every row is what the general path alone gives (validationSql with
 * `fastPath: false`, itself held to validateItem by validationSql.test.ts), byte
 * for byte, the events' text included. The items are the ones the fast path could
 * get wrong: plain items in any member order, and the same with one or two things
 * only JSON text can say (a repeated or unknown key, whitespace, an escape, a
 * number's spelling, a value of another kind, a null) or a value at a rule's edge.
 * Each plain row's RFC 8785 JSON (the snapshot digest's) is canonicalize's.
 * plainTimestampMs is checked against timestampMs over every month and day.
 *
 * VALIDATION_FAST_RUNS=200 for a long hunt.
 */
import fc from 'fast-check';
import { syntheticItem } from '../../../bench/syntheticInventory';
import { validateItem } from '../../../lib/engine/validateItem';
import { ItemsTable, openDuck, type Duck } from '../../../lib/sql/duck';
import { CHECKED_COLUMNS } from '../../../lib/sql/relations';
import canonicalize from 'canonicalize';
import { fastCanonicalSql, fastSteps } from '../../../lib/sql/validationFast';
import { validationSql } from '../../../lib/sql/validationSql';
import { plainTimestampMs, timestampMs } from '../../../lib/sql/validationTimestamp';

let duck: Duck;
beforeAll(async () => {
  duck = await openDuck({ threads: 2 });
});
afterAll(() => duck.close());

const BOUND_MS = Date.parse('2026-11-21T00:00:00Z');
const RUNS = Number(process.env.VALIDATION_FAST_RUNS ?? 12);

async function loadItems(texts: readonly string[]): Promise<void> {
  await duck.connection.run('DROP TABLE IF EXISTS items');
  const items = await ItemsTable.create(duck.connection);
  texts.forEach((raw, i) => items.append({ location: i % 3 === 0 ? '' : `line ${i + 1}`, raw }));
  items.close();
}

/**
 * Rows where the two paths differ in any column (at most 5), and how many rows took the fast path. The
 * fast path is taken both ways: with the general path in one statement, and as the SQL engine takes a
 * file, in two (the plain rows alone, then the general path over the others: `only`, `skipOrdsOf`).
 * A plain row's RFC 8785 JSON for the snapshot digest (fastCanonicalSql) must be canonicalize's too.
 */
async function compare(texts: readonly string[]): Promise<{ differences: unknown[]; plain: number }> {
  await loadItems(texts);
  const bounds = { capturedNotAfterMs: BOUND_MS };
  const columns = Object.keys(CHECKED_COLUMNS);
  const differs = columns.map((c) => `fast.${c} IS DISTINCT FROM general.${c}`).join(' OR ');
  const pairs = columns.map((c) => `CASE WHEN fast.${c} IS DISTINCT FROM general.${c} THEN [CAST(fast.${c} AS VARCHAR), CAST(general.${c} AS VARCHAR)] END AS ${c}`);
  const split = `WITH plain_rows AS (${validationSql(bounds, { only: 'plain' })})
    SELECT * FROM plain_rows UNION ALL SELECT * FROM (${validationSql(bounds, { fastPath: false, skipOrdsOf: '(SELECT ord FROM plain_rows)' })})`;
  const [oneStatement, twoStatements] = [validationSql(bounds), split];
  const result = await duck.connection.runAndReadAll(
    `SELECT fast.ord, ${pairs.join(', ')} FROM (SELECT * FROM (${oneStatement}) UNION ALL SELECT * FROM (${twoStatements})) fast
     JOIN (${validationSql(bounds, { fastPath: false })}) general USING (ord)
     WHERE ${differs} ORDER BY ord LIMIT 5`,
  );
  const rows = (await duck.connection.runAndReadAll(`SELECT count(*) FROM (${twoStatements})`)).getRows()[0]![0];
  expect(Number(rows)).toBe(texts.length);
  const canonical = await canonicalDifferences(texts);
  const differences = result.getRowObjectsJson().map((row) => ({
    text: texts[Number(row.ord)],
    ...Object.fromEntries(Object.entries(row).filter(([name, value]) => name !== 'ord' && value !== null)),
  }));
  return { differences: [...differences, ...canonical], plain: await plainCount(bounds.capturedNotAfterMs) };
}

/**
 * Plain rows whose RFC 8785 JSON, as fastCanonicalSql writes it for the snapshot digest, is not
 * canonicalize's (at most 5); a row that is not plain must have none.
 */
async function canonicalDifferences(texts: readonly string[]): Promise<unknown[]> {
  const rows = (await duck.connection.runAndReadAll(`WITH ${fastCtes(BOUND_MS)} SELECT ord, plain, ${fastCanonicalSql()} FROM fast_judged ORDER BY ord`)).getRows();
  return rows
    .map(([ord, plain, sql]) => {
      const text = texts[Number(ord)]!;
      const expected = plain ? canonicalize(JSON.parse(text)) : null;
      return sql === expected ? null : { text, canonical: [sql, expected] };
    })
    .filter((difference) => difference !== null)
    .slice(0, 5);
}

/** The fast steps over `items` as CTEs, the last `fast_judged`. */
function fastCtes(bound: number): string {
  const steps = fastSteps((ms) => `${ms} > ${bound}`);
  return steps
    .map((step, i) => {
      const added = Object.entries(step.columns).map(([name, sql]) => `${sql} AS ${name}`);
      return `${step.name} AS (SELECT *, ${added.join(', ')} FROM ${i === 0 ? 'items' : steps[i - 1]!.name})`;
    })
    .join(', ');
}

/** How many rows of `items` the fast path takes. */
async function plainCount(bound: number): Promise<number> {
  const result = await duck.connection.runAndReadAll(`WITH ${fastCtes(bound)} SELECT count(*) FILTER (plain) FROM fast_judged`);
  return Number(result.getRows()[0]![0]);
}

// ---- Items. ----

type Item = Record<string, unknown>;

/** JSON text standing for a value as written (`1.0`, `-0`, `1E2`…). */
class Raw {
  constructor(readonly text: string) {}
}
const raw = (text: string) => new Raw(text);

function serialise(value: unknown): string {
  if (value instanceof Raw) return value.text;
  if (Array.isArray(value)) return `[${value.map(serialise).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    return `{${Object.entries(value)
      .map(([key, member]) => `${JSON.stringify(key)}:${serialise(member)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** A valid item with any of its optional members, its members in any order. */
const plainItem: fc.Arbitrary<Item> = fc
  .record({
    region: fc.boolean(),
    newest: fc.boolean(),
    owner: fc.constantFrom(undefined, 'dpo@example.com', '', 'Jane Doe', 'é🚀'),
    days: fc.constantFrom(undefined, 1, 30, 100_000),
    purposes: fc.constantFrom(undefined, ['billing'], ['a', 'é', '🚀'], Array(64).fill('p')),
    hold: fc.constantFrom(undefined, { reason: 'litigation' }, { reason: 'x', until: '2027-01-01T00:00:00Z' }),
    events: fc.constantFrom(undefined, {}, { accountDeletedAt: '2026-09-22T15:38:19.803Z' }, { consentWithdrawnAt: '2026-01-01T00:00:00Z', accountDeletedAt: '2025-12-31T23:59:59.999Z' }),
    recordCount: fc.constantFrom(0, 1, 981_050, 2 ** 53 - 1),
    captured: fc.constantFrom('2026-11-20T02:00:00.000Z', '2026-11-20T02:00:00Z', '2026-11-20T23:59:59.999Z', '2026-11-21T00:00:00.000Z'),
  })
  .chain((o) => {
    const item: Item = {
      snapshotId: 'bench-snapshot',
      itemId: 'item-9e3779b1-1',
      capturedAt: o.captured,
      tenantId: 'tenant-1426',
      module: 'instant-messaging',
      dataCategory: 'configuration-data',
      store: o.region ? { type: 'mongodb', resource: 'prod-1/store-1', region: 'eu-frankfurt' } : { resource: 'prod-1/store-1', type: 'mongodb' },
      recordCount: o.recordCount,
      bytes: 3_759_333_107,
      oldestRecordAt: '2026-07-24T11:00:49.438Z',
    };
    if (o.newest) item.newestRecordAt = '2026-11-19T10:51:35.999Z';
    if (o.owner !== undefined) item.owner = o.owner;
    if (o.days !== undefined) item.customerRetentionDays = o.days;
    if (o.purposes !== undefined) item.purposes = o.purposes;
    if (o.hold !== undefined) item.legalHold = o.hold;
    if (o.events !== undefined) item.events = o.events;
    return fc.shuffledSubarray(Object.keys(item), { minLength: Object.keys(item).length }).map((keys) => Object.fromEntries(keys.map((k) => [k, item[k]])));
  });

const PATHS = ['snapshotId', 'itemId', 'capturedAt', 'tenantId', 'module', 'dataCategory', 'store', 'store.type', 'store.resource', 'store.region', 'recordCount', 'bytes',
  'oldestRecordAt', 'newestRecordAt', 'events', 'events.accountDeletedAt', 'events.serviceTerminatedAt', 'customerRetentionDays', 'purposes', 'legalHold', 'legalHold.reason', 'legalHold.until', 'owner'];

/** Values of every kind and at every edge the fast path tests. */
const VALUES: unknown[] = [
  null, true, false, 'true', 'false', 'True', 0, 5, -1, 1.5, raw('1.0'), raw('1E2'), raw('1e2'), raw('-0'), raw('100.0'), raw('1E15'), raw('18446744073709551616'),
  2 ** 53, '5', '-x', '0x', '9', '[x', '{x', '', ' ', 'x', 'é', '🚀', 'x'.repeat(256), 'x'.repeat(257), 'é'.repeat(128), 'é'.repeat(129), '🚀'.repeat(256), 'x'.repeat(1024), 'x'.repeat(1025),
  [], ['x'], [1], [null], [['x']], {}, { type: 'a', resource: 'b' }, { reason: 'r' }, { x: 1 }, [{ type: 'a', resource: 'b' }],
  '2026-11-20T02:00:00.000Z', '2026-11-20T02:00:00Z', '2026-11-20t02:00:00.000z', '2026-11-20 02:00:00Z', '2026-11-20T03:00:00+01:00', '2026-02-29T00:00:00.000Z',
  '2024-02-29T00:00:00.000Z', '2026-11-20T24:00:00.000Z', '2026-12-31T23:59:60Z', '0000-01-01T00:00:00.000Z', '9999-12-31T23:59:59.999Z', ' 026-11-20T02:00:00.000Z',
  '2026-11-20T02:00:00.0000Z', '2026-11-21T00:00:00.001Z', '2026-07-24T11:00:49.437Z', '1969-12-31T23:59:59.999Z',
];

const DELETE = Symbol('delete');

/** Sets or deletes a member at a dotted path (a parent that is not an object becomes one). */
function setAt(item: Item, path: string, value: unknown): Item {
  const [head, key] = path.split('.') as [string, string | undefined];
  const copy: Item = { ...item };
  if (key === undefined) {
    if (value === DELETE) delete copy[head];
    else copy[head] = value;
    return copy;
  }
  const parent = copy[head];
  const object: Item = typeof parent === 'object' && parent !== null && !Array.isArray(parent) ? { ...(parent as Item) } : {};
  if (value === DELETE) delete object[key];
  else object[key] = value;
  copy[head] = object;
  return copy;
}

const valueChange = fc.record({ path: fc.constantFrom(...PATHS), value: fc.constantFrom(...VALUES, DELETE) });

/** Changes only the text can make, at the start or end of the item or of a nested object. */
const TEXT_CHANGES: ((text: string) => string)[] = [
  (t) => `${t.slice(0, -1)},"itemId":"item-9e3779b1-1"}`,
  (t) => `${t.slice(0, -1)},"itemId":"other"}`,
  (t) => `{"itemId":5,${t.slice(1)}`,
  (t) => `${t.slice(0, -1)},"bytes":1}`,
  (t) => `${t.slice(0, -1)},"note":"x"}`,
  (t) => `${t.slice(0, -1)},"":0}`,
  (t) => `${t.slice(0, -1)},"owner":null}`,
  (t) => `${t.slice(0, -1)},"__proto__":{"itemId":5}}`,
  (t) => t.replace('"store":{', '"store":{"type":"x",'),
  (t) => t.replace('"store":{', '"store":{"zone":"x",'),
  (t) => t.replace('"events":{', '"events":{"accountDeletedAt":"2026-01-01T00:00:00Z",'),
  (t) => t.replace('"events":{', '"events":{"domainExpiresAt":"2026-01-01T00:00:00Z",'),
  (t) => t.replace('"legalHold":{', '"legalHold":{"reason":"",'),
  (t) => t.replace('"purposes":[', '"purposes":[null,'),
  (t) => ` ${t}`,
  (t) => `${t}\n`,
  (t) => t.replace('":', '": '),
  (t) => t.replace('":', '" :'),
  (t) => t.replace(',"', ', "'),
  (t) => t.replace('"tenantId"', '"tenant\\u0049d"'),
  (t) => t.replace('tenant-', 'tenant\\/'),
  (t) => t.replace('tenant-', 'tenant\\ud800'),
  (t) => t.replace('"recordCount":', '"recordCount":-0').replace(/("recordCount":-0)\d+/, '$1'),
  (t) => t.replace('"bytes":3759333107', '"bytes":3759333107.0'),
  (t) => t.replace('"bytes":3759333107', '"bytes":3.759333107E9'),
  (t) => t.replace('"bytes":3759333107', '"bytes":"3759333107"'),
  (t) => JSON.stringify(JSON.parse(t), null, 1),
];

const itemText: fc.Arbitrary<string> = fc
  .tuple(plainItem, fc.array(valueChange, { maxLength: 2 }), fc.option(fc.constantFrom(...TEXT_CHANGES), { freq: 3 }))
  .map(([item, changes, textChange]) => {
    const text = serialise(changes.reduce((changed, { path, value }) => setAt(changed, path, value), item));
    const changed = textChange ? textChange(text) : text;
    // Stage 1 holds only texts JSON.parse accepts: a change that breaks the JSON is left out.
    return isJson(changed) ? changed : text;
  });

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

describe('validationSql: the fast path gives what the general path gives', () => {
  it('on plain items in any member order (all of them plain)', async () => {
    const texts = fc.sample(plainItem.map(serialise), { numRuns: 500, seed: 7 });
    const { differences, plain } = await compare(texts);
    expect(differences).toEqual([]);
    // Those whose capture is after the bound, or whose oldest record lies after it, are not plain.
    expect(plain).toBeGreaterThan(texts.length / 2);
  });

  it('on plain items with one or two values changed, repeated or unknown keys, whitespace, escapes, spellings', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(itemText, { minLength: 600, maxLength: 600 }), async (texts) => {
        const { differences, plain } = await compare(texts);
        expect(differences).toEqual([]);
        expect(plain).toBeGreaterThan(0);
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
  });

  it("on the bench's synthetic items (every valid one plain)", async () => {
    const items = Array.from({ length: 3000 }, (_, n) => syntheticItem(n));
    const { differences, plain } = await compare(items.map((item) => JSON.stringify(item)));
    expect(differences).toEqual([]);
    expect(plain).toBe(items.filter((item) => validateItem(item, { capturedNotAfterMs: BOUND_MS }).ok).length);
  });
});

describe('validationSql: each test of the fast path is needed (an item it alone refuses)', () => {
  const base = serialise({
    snapshotId: 'snap',
    itemId: 'item-1',
    capturedAt: '2026-11-20T02:00:00.000Z',
    tenantId: 'tenant-a',
    module: 'instant-messaging',
    dataCategory: 'log-data',
    store: { type: 'mysql', resource: 'im/prod' },
    recordCount: 10,
    bytes: 1000,
    oldestRecordAt: '2026-10-01T00:00:00.000Z',
    owner: 'dpo@example.com',
    events: { accountDeletedAt: '2026-09-22T15:38:19.803Z' },
    purposes: ['billing'],
  });
  // Whitespace or a member json_transform does not read makes the text longer than counted; a
  // value of another kind read as a string, or a count respelt, shorter: together they would balance.
  it.each<[string, string]>([
    ['a repeated key (the length test)', `${base.slice(0, -1)},"itemId":5}`],
    ['a number read as a string (its first character)', base.replace('"owner":"dpo@example.com"', '"owner":  5')],
    ['true read as a string', base.replace('"owner":"dpo@example.com"', '"owner":  true')],
    ['false read as a string', base.replace('"owner":"dpo@example.com"', '"owner":  false')],
    ['an array read as a string', base.replace('"owner":"dpo@example.com"', '"owner":  []')],
    ['an object read as a string', base.replace('"owner":"dpo@example.com"', '"owner":  {}')],
    ['a purpose of another kind', base.replace('["billing"]', '[  5]')],
    ['a count respelt longer (digits only)', `${base.replace('"recordCount":10', '"recordCount":1E12').slice(0, -1)},"itemId":5}`],
    ['a repeated event (the events\' own length test)', base.replace('.803Z"}', '.803Z","accountDeletedAt":"x"}')],
    ['events that are not an object', base.replace('{"accountDeletedAt":"2026-09-22T15:38:19.803Z"}', '[]')],
    ['a number read as a string, the same digits as a string elsewhere', `${base.replace('"itemId":"item-1"', '"itemId":12345').slice(0, -1)},"x":{"itemId":"12345"}}`],
    ['a number read as a string, the same digits as a string in a repeat', `${base.replace('"itemId":"item-1"', '"itemId":12345').slice(0, -1)},"itemId":"12345"}`],
    ['an escaped key', base.replace('"owner"', '"\\u006fwner"')],
    ['a lone surrogate', base.replace('dpo@example.com', '\\ud800')],
  ])('%s', async (_name, text) => {
    expect(JSON.parse(text)).toBeTruthy();
    const { differences } = await compare([base, text]);
    expect(differences).toEqual([]);
  });

  it('keeps ids of digits, a UUID, true and [x] as strings on the fast path', async () => {
    const texts = ['12345', '0b5e7c1e-3d4f-4a55-9c1b-2f6f0c8d9e10', 'true', '[x', '{x', '-1', ''].map((id) => base.replace('"owner":"dpo@example.com"', `"owner":${JSON.stringify(id)}`));
    const { differences, plain } = await compare(texts);
    expect(differences).toEqual([]);
    expect(plain).toBe(texts.length);
  });

  const item = JSON.parse(base) as Item;
  const x = (n: number, c = 'x') => c.repeat(n);
  /** A value as the test's title shows it (long strings by their length). */
  const title = (value: unknown): string =>
    JSON.stringify(value, (_key, v: unknown) => (typeof v === 'string' && v.length > 30 ? `${v.length} × ${v[0]}` : v)) ?? 'absent';
  // Each rule at its edge, on both sides: where the fast path may not say "valid", it must leave the item to the general path.
  it.each(([
    ['capturedAt', '2026-11-21T00:00:00.000Z'],
    ['capturedAt', '2026-11-21T00:00:00.001Z'],
    ['oldestRecordAt', DELETE],
    ['oldestRecordAt', '2026-11-20T02:00:00.001Z'],
    ['oldestRecordAt', '2026-11-20T02:00:00.000Z'],
    ['newestRecordAt', '2026-09-30T23:59:59.999Z'],
    ['newestRecordAt', '2026-10-01T00:00:00.000Z'],
    ['itemId', ''],
    ['itemId', x(256)],
    ['itemId', x(257)],
    ['tenantId', x(128, 'é')],
    ['tenantId', x(129, 'é')],
    ['store.resource', x(1024)],
    ['store.resource', x(1025)],
    ['store.region', ''],
    ['store.region', x(257)],
    ['owner', ''],
    ['owner', x(1025)],
    ['bytes', 2 ** 53 - 1],
    ['bytes', 2 ** 53],
    ['recordCount', -1],
    ['customerRetentionDays', 0],
    ['customerRetentionDays', 100_000],
    ['customerRetentionDays', 100_001],
    ['purposes', []],
    ['purposes', Array(64).fill('p')],
    ['purposes', Array(65).fill('p')],
    ['purposes', [x(256)]],
    ['purposes', [x(257)]],
    ['legalHold', {}],
    ['legalHold', { reason: '' }],
    ['legalHold', { reason: 'r', until: '2027-02-29T00:00:00Z' }],
    ['legalHold', { reason: x(1025) }],
  ] as [string, unknown][]).map(([path, value]) => [path, title(value === DELETE ? undefined : value), value] as const))('%s = %s', async (path, _title, value) => {
    const text = serialise(setAt(item, path, value));
    const { differences } = await compare([base, text, serialise(setAt(setAt(item, 'recordCount', 0), path, value))]);
    expect(differences).toEqual([]);
  });
});

describe('plainTimestampMs', () => {
  /** The texts, then rows where plainTimestampMs gives an instant other than timestampMs's, and how many it reads. */
  async function check(texts: string): Promise<{ wrong: unknown[]; read: number; missed: number }> {
    await duck.connection.run(`CREATE OR REPLACE TEMP TABLE stamps AS SELECT DISTINCT t FROM (${texts})`);
    const result = await duck.connection.runAndReadAll(`
      SELECT coalesce(list(t) FILTER (fast IS DISTINCT FROM general AND fast IS NOT NULL), [])[1:5] AS wrong, count(fast) AS read,
        count(*) FILTER (general IS NOT NULL AND fast IS NULL AND t GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]*Z'
          AND strlen(t) IN (20, 24)) AS missed
      FROM (SELECT t, ${plainTimestampMs('t')} AS fast, ${timestampMs('t')} AS general FROM stamps)`);
    const [wrong, read, missed] = result.getRowsJS()[0]!;
    return { wrong: wrong as unknown[], read: Number(read), missed: Number(missed) };
  }

  const pad = (column: string, width: number) => `lpad(CAST(${column} AS VARCHAR), ${width}, '0')`;

  it('reads every day of every month (and none that is not) of leap and common years as timestampMs does', async () => {
    const years = '(VALUES (0), (4), (100), (400), (1900), (1969), (1970), (2000), (2023), (2024), (2026), (2100), (9999)) y(y)';
    const times = "(VALUES ('12:34:56.789'), ('00:00:00'), ('23:59:59.999'), ('00:00:00.000')) c(c)";
    const { wrong, read, missed } = await check(
      `SELECT ${pad('y', 4)} || '-' || ${pad('m', 2)} || '-' || ${pad('d', 2)} || 'T' || c || 'Z' AS t
       FROM ${years}, (SELECT range AS m FROM range(0, 20)), (SELECT range AS d FROM range(0, 40)), ${times}`,
    );
    expect(wrong).toEqual([]);
    expect(missed).toBe(0);
    expect(read).toBeGreaterThan(13 * 365 * 4);
  });

  it('reads every hour, minute, second and fraction as timestampMs does', async () => {
    const { wrong, missed } = await check(
      `SELECT d || 'T' || ${pad('h', 2)} || ':' || ${pad('mi', 2)} || ':' || ${pad('s', 2)} || f || 'Z' AS t
       FROM (VALUES ('2026-11-20'), ('2024-02-29'), ('0000-01-01'), ('9999-12-31')) d(d), (SELECT range AS h FROM range(0, 30)),
         (VALUES (0), (1), (30), (59), (60), (99)) mi(mi), (VALUES (0), (59), (60), (99)) s(s), (VALUES (''), ('.000'), ('.5'), ('.999'), ('.1234')) f(f)`,
    );
    expect(wrong).toEqual([]);
    expect(missed).toBe(0);
  });

  it('reads no text with a character out of place', async () => {
    const chars = [' ', '\t', '+', '-', '0', '9', 'a', 'T', 't', 'Z', 'z', ':', '.', '/', 'é', '２'];
    const bases = ['2026-11-20T12:34:56.789Z', '2026-11-20T12:34:56Z', '0000-02-29T00:00:00.000Z'];
    const texts = bases.flatMap((base) => [
      base,
      base.toLowerCase(),
      ...[...base].flatMap((_, i) => chars.map((c) => base.slice(0, i) + c + base.slice(i + 1))),
      ...[...base].flatMap((_, i) => ['  ', ' 1', '+1', '-1', '00', '99', '1 '].map((c) => base.slice(0, i) + c + base.slice(i + 2))),
      ...[...base].map((_, i) => base.slice(0, i) + base.slice(i + 1)),
    ]);
    const { wrong } = await check(`SELECT unnest(${`[${texts.map((t) => `'${t.replaceAll("'", "''")}'`).join(', ')}]`}) AS t`);
    expect(wrong).toEqual([]);
  });
});

