import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { DEFAULT_ENGINE_OPTIONS, evaluate } from '../../../lib/engine/evaluate';
import { validateItem, type ItemBounds } from '../../../lib/engine/validateItem';
import { ItemsTable, openDuck, type Duck } from '../../../lib/sql/duck';
import { CHECKED_COLUMNS, type CheckedColumn } from '../../../lib/sql/relations';
import { validationSql } from '../../../lib/sql/validationSql';
import { parseTimestamp } from '../../../lib/time';
import { FUZZ_NOW, hostileItems } from '../../helpers/hostileItems';
import { catalog, makeItem } from '../../helpers/items';
import { BOUNDARY_NOT_AFTER_MS, sqlBoundaryItems } from '../../helpers/sqlBoundaryItems';

/** One row of stage 1: an item's text, or a source's parse error. */
interface Entry {
  location: string | null;
  text: string | null;
  parseError?: string;
  /** What the generator did, for failure messages. */
  note?: string;
}

type Row = Record<CheckedColumn, unknown>;

let duck: Duck;
beforeAll(async () => {
  duck = await openDuck({ threads: 2 });
});
afterAll(() => duck.close());

/** Runs the validation SELECT over the entries, batched in one `items` table; a failing query names the entry that fails it. */
async function validateInSql(entries: readonly Entry[], bounds: ItemBounds): Promise<Row[]> {
  try {
    return await runValidation(entries, bounds);
  } catch (error) {
    for (const entry of entries.length > 1 ? entries : []) {
      await runValidation([entry], bounds).catch((single: unknown) => {
        throw new Error(`${String(single)}\nfor ${JSON.stringify(entry)}`);
      });
    }
    throw error;
  }
}

async function runValidation(entries: readonly Entry[], bounds: ItemBounds): Promise<Row[]> {
  await duck.connection.run('DROP TABLE IF EXISTS items');
  const items = await ItemsTable.create(duck.connection);
  for (const entry of entries) items.append({ location: entry.location, raw: entry.text, parseError: entry.parseError ?? null });
  items.close();
  const result = await duck.connection.runAndReadAll(`SELECT * FROM (${validationSql(bounds)}) ORDER BY ord`);
  return result.getRowObjectsJS() as Row[];
}

/**
 * Lone surrogates cannot be stored in DuckDB's UTF-8 text: SQL reads each one as
 * U+FFFD (the one known difference, in text only, never in a verdict).
 */
function wellFormed(value: unknown): unknown {
  if (typeof value === 'string') return (value as string & { toWellFormed(): string }).toWellFormed();
  if (Array.isArray(value)) return value.map(wellFormed);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [wellFormed(k), wellFormed(v)]));
  return value;
}

const big = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : BigInt(ms));

/** What the TypeScript engine says of an entry, in the columns of CHECKED_COLUMNS (stage 2). */
function expectedRow(entry: Entry, ord: number, bounds: ItemBounds): Row {
  const raw = entry.text === null ? null : (JSON.parse(entry.text) as unknown);
  const finding = evaluate(raw, catalog(), { ...DEFAULT_ENGINE_OPTIONS, ...bounds });
  const check = validateItem(raw, bounds);
  let reason = check.ok ? null : check.reason;
  // lib/audit/runAudit.ts: a parse error's reason is the source's; an invalid item without an itemId gets its location.
  if (entry.text === null) reason = entry.parseError ?? reason;
  else if (reason !== null && finding.itemId === null && entry.location) reason = `${reason.replace(/\.$/, '')} (${entry.location}).`;
  const item = check.ok ? check.item : null;
  const row: Row = {
    ord: BigInt(ord),
    location: entry.location,
    invalid_reason: reason,
    item_id: finding.itemId,
    snapshot_id: finding.snapshotId,
    tenant_id: finding.tenantId,
    module: finding.module,
    data_category: finding.dataCategory,
    store_type: finding.store?.type ?? null,
    store_resource: finding.store?.resource ?? null,
    store_region: finding.store?.region ?? null,
    owner: finding.owner,
    record_count: finding.recordCount,
    bytes: finding.bytes,
    oldest_record_at: finding.oldestRecordAt,
    captured_at: finding.capturedAt,
    captured_ms: big(item && parseTimestamp(item.capturedAt)),
    oldest_ms: big(item?.oldestRecordAt === undefined ? null : parseTimestamp(item.oldestRecordAt)),
    customer_retention_days: big(item?.customerRetentionDays),
    purposes: item?.purposes ?? null,
    hold_reason: item?.legalHold?.reason ?? null,
    hold_until: item?.legalHold?.until ?? null,
    hold_until_ms: big(item?.legalHold?.until === undefined ? null : parseTimestamp(item.legalHold.until)),
    events: item?.events ?? null,
  };
  return wellFormed(row) as Row;
}

/** The SQL row as comparable values: the events text parsed (its spelling is free, its reading is not). */
function comparable(row: Row): Row {
  return { ...row, events: typeof row.events === 'string' ? JSON.parse(row.events) : row.events };
}

/** Runs both engines over the entries; fails naming every column that differs (at most 5 entries). */
async function expectSameAsTypeScript(entries: readonly Entry[], bounds: ItemBounds): Promise<void> {
  const rows = await validateInSql(entries, bounds);
  expect(rows).toHaveLength(entries.length);
  const differences: unknown[] = [];
  entries.forEach((entry, ord) => {
    const expected = expectedRow(entry, ord, bounds);
    const actual = comparable(rows[ord]!);
    const columns = (Object.keys(CHECKED_COLUMNS) as CheckedColumn[]).filter((column) => !same(actual[column], expected[column]));
    if (columns.length > 0 && differences.length < 5) {
      differences.push({
        note: entry.note,
        text: entry.text?.slice(0, 400),
        location: entry.location,
        bounds,
        columns: Object.fromEntries(columns.map((column) => [column, { sql: actual[column], ts: expected[column] }])),
      });
    }
  });
  expect(differences).toEqual([]);
}

/**
 * Equal values; a JSON `-0` may read 0 in SQL (DuckDB reads `-0` as the integer 0):
 * the same number once a finding is serialised (JSON.stringify(-0) is '0').
 */
function same(a: unknown, b: unknown): boolean {
  return (a === 0 && b === 0) || isDeepStrictEqual(a, b);
}

/** fast-check's report without the counterexample (thousands of items): the seed to replay and what differed. */
function briefly<Ts>(details: fc.RunDetails<Ts>): void {
  if (!details.failed) return;
  const cause = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  throw new Error(`Property failed (seed ${details.seed}, path "${details.counterexamplePath}"):\n${cause}`);
}

/** Property runs per test (10; VALIDATION_SQL_RUNS=200 for a long hunt). */
const RUNS = Number(process.env.VALIDATION_SQL_RUNS ?? 10);

const locations = fc.constantFrom<string | null>('line 7', 'element 3', null, '');
const BOUNDS = fc.constantFrom<ItemBounds>({}, { capturedNotAfterMs: BOUNDARY_NOT_AFTER_MS });

describe('validationSql: the SQL says what validateItem says', () => {
  it('on items at the edges of every rule (4000 items)', async () => {
    const entry: fc.Arbitrary<Entry> = fc.oneof(
      { weight: 50, arbitrary: fc.record({ item: sqlBoundaryItems(), location: locations }).map(({ item, location }) => ({ location, text: item.text, note: item.note })) },
      { weight: 1, arbitrary: fc.constant<Entry>({ location: 'line 9', text: null, parseError: 'Line 9 is not valid JSON.' }) },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(entry, { minLength: 400, maxLength: 400 }), BOUNDS, (entries, bounds) => expectSameAsTypeScript(entries, bounds)),
      { numRuns: RUNS, endOnFailure: true, reporter: briefly },
    );
  });

  it('on hostile items (up to 3000 items)', async () => {
    const bounds = { capturedNotAfterMs: FUZZ_NOW.getTime() + 10 * 60_000 };
    await fc.assert(
      fc.asyncProperty(hostileItems(300), fc.array(locations, { minLength: 300, maxLength: 300 }), (items, where) =>
        expectSameAsTypeScript(
          items.map((item, i) => ({ location: where[i]!, text: item.text, note: item.expectation })),
          bounds,
        ),
      ),
      { numRuns: RUNS, endOnFailure: true, reporter: briefly },
    );
  });
});

describe('validationSql: named cases', () => {
  const valid = makeItem({ oldestRecordAt: '2026-10-01T00:00:00Z' });
  const text = (overrides: Record<string, unknown> = {}) => JSON.stringify({ ...valid, ...overrides });
  const reasonOf = async (raw: string, location: string | null = null, bounds: ItemBounds = {}) =>
    (await validateInSql([{ location, text: raw }], bounds))[0]!.invalid_reason;

  it.each<[string, string, string | null]>([
    ['a valid item', text(), null],
    ['the if/then rule before any required field', '{"recordCount":"5"}', 'Field oldestRecordAt is missing but is required when recordCount is above 0.'],
    ['no oldestRecordAt needed when recordCount is 1e-400 (0)', text({ oldestRecordAt: undefined }).replace('"recordCount":10', '"recordCount":1e-400'), null],
    ['required fields in the listed order', '{"snapshotId":5}', 'Required field itemId is missing.'],
    ['a wrong type before a later missing one', JSON.stringify({ ...valid, snapshotId: 5, store: {} }), 'Field snapshotId has the wrong type (expected string).'],
    ['maxLength before format', text({ capturedAt: 'x'.repeat(41) }), 'Field capturedAt is longer than 40 characters.'],
    ['256 emoji: 256 code points', text({ tenantId: '🚀'.repeat(256) }), null],
    ['257 emoji', text({ tenantId: '🚀'.repeat(257) }), 'Field tenantId is longer than 256 characters.'],
    ['256 lone surrogates', text({ tenantId: '\ud800'.repeat(256) }), null],
    ['2^53 − 1', text({ bytes: 2 ** 53 - 1 }), null],
    ['2^53', text({ bytes: 2 ** 53 }), 'Field bytes is larger than 9007199254740991.'],
    ['1e999', text().replace('"bytes":1000', '"bytes":1e999'), 'Field bytes is larger than 9007199254740991.'],
    ['1.0 is whole', text().replace('"bytes":1000', '"bytes":1.0'), null],
    ['-0 is not negative', text().replace('"bytes":1000', '"bytes":-0'), null],
    ['customerRetentionDays 0', text({ customerRetentionDays: 0 }), 'Field customerRetentionDays is negative or too small.'],
    ['maxItems before the entries', text({ purposes: [1, ...Array(64).fill('p')] }), 'Field purposes has more than 64 entries.'],
    ['the first bad purpose', text({ purposes: ['a', 'x'.repeat(257), 1] }), 'Field purposes.1 is longer than 256 characters.'],
    ['29 February of a leap year', text({ oldestRecordAt: '2024-02-29T00:00:00Z' }), null],
    ['29 February of a common year', text({ oldestRecordAt: '2026-02-29T00:00:00Z' }), 'Field oldestRecordAt is not an ISO-8601 timestamp with a time zone.'],
    ['29 February 1900', text({ oldestRecordAt: '1900-02-29T00:00:00Z' }), 'Field oldestRecordAt is not an ISO-8601 timestamp with a time zone.'],
    ['a leap second', text({ capturedAt: '2026-12-31T23:59:60Z' }), 'Field capturedAt is not an ISO-8601 timestamp with a time zone.'],
    ['lower-case t and z, a space', text({ oldestRecordAt: '2026-10-01t00:00:00.5z', newestRecordAt: '2026-10-02 00:00:00-23:59' }), null],
    ['an offset of 24 hours', text({ oldestRecordAt: '2026-10-01T00:00:00+24:00' }), 'Field oldestRecordAt is not an ISO-8601 timestamp with a time zone.'],
    ['ten fraction digits', text({ oldestRecordAt: '2026-10-01T00:00:00.1234567890Z' }), 'Field oldestRecordAt is not an ISO-8601 timestamp with a time zone.'],
    ['a store without resource', text({ store: { type: 'mysql' } }), 'Required field store.resource is missing.'],
    ['a legal hold without reason', text({ legalHold: { until: 'x' } }), 'Required field legalHold.reason is missing.'],
    ['oldest later than captured', text({ oldestRecordAt: '2026-11-20T02:00:00.001Z' }), 'Field oldestRecordAt is later than capturedAt.'],
    ['newest earlier than oldest', text({ newestRecordAt: '2026-09-30T23:59:59.999Z' }), 'Field newestRecordAt is earlier than oldestRecordAt.'],
    ['not an object', '[1]', 'The item is not a JSON object.'],
  ])('%s', async (_name, raw, reason) => {
    expect(await reasonOf(raw)).toBe(reason);
    expect(validateItem(JSON.parse(raw)).ok ? null : (validateItem(JSON.parse(raw)) as { reason: string }).reason).toBe(reason);
  });

  it('reads a repeated key as JSON.parse does: the last value', async () => {
    expect(await reasonOf(`{"itemId":5,${text().slice(1)}`)).toBeNull();
    expect(await reasonOf(`${text().slice(0, -1)},"itemId":5}`)).toBe('Field itemId has the wrong type (expected string).');
    expect(await reasonOf(text().replace('"store":{', '"store":{"type":"",'))).toBeNull();
    expect(await reasonOf(text().replace('"store":{"type":"mysql"', '"store":{"type":"mysql","type":""'))).toBe('Field store.type is empty.');
  });

  it('reads escaped keys and values, and a __proto__ member as an own member', async () => {
    const [row] = await validateInSql([{ location: null, text: text().replace('"itemId"', '"item\\u0049d"').replace('"tenant-a"', '"t\\u00e9\\n\\/"') }], {});
    expect(row).toMatchObject({ invalid_reason: null, item_id: 'item-1', tenant_id: 'té\n/' });
    expect(await reasonOf(`{"__proto__":{"snapshotId":"s"},${text().slice(1).replace('"snapshotId":"snap-test",', '')}`)).toBe('Required field snapshotId is missing.');
  });

  it('adds the location to the reason of an invalid item without an itemId, not to a parse error', async () => {
    const rows = await validateInSql(
      [
        { location: 'line 7', text: text({ itemId: 5 }) },
        { location: 'line 8', text: text({ itemId: '', tenantId: 5 }) },
        { location: '', text: text({ itemId: 5 }) },
        { location: 'line 9', text: null, parseError: 'Line 9 is not valid JSON.' },
      ],
      {},
    );
    expect(rows.map((row) => row.invalid_reason)).toEqual([
      'Field itemId has the wrong type (expected string) (line 7).',
      'Field itemId is empty.',
      'Field itemId has the wrong type (expected string).',
      'Line 9 is not valid JSON.',
    ]);
  });

  it('refuses a capture time after the bound, not at it', async () => {
    const bound = Date.parse('2026-11-20T02:00:00Z');
    expect(await reasonOf(text({ capturedAt: '2026-11-20T07:30:00+05:30' }), null, { capturedNotAfterMs: bound })).toBeNull();
    expect(await reasonOf(text({ capturedAt: '2026-11-20T07:30:00.0019+05:30' }), null, { capturedNotAfterMs: bound })).toBe(
      "Field capturedAt lies in the future: it is later than 2026-11-20T02:00:00.000Z, the audit's start plus the clock skew allowed.",
    );
  });

  it('gives the typed columns of a valid item: milliseconds as Date.parse reads them', async () => {
    const item = {
      ...valid,
      capturedAt: '2026-11-20T07:30:00.123456789+05:30',
      oldestRecordAt: '1969-12-31T23:59:59.9999Z',
      customerRetentionDays: 30,
      purposes: ['billing', 'é🚀'],
      legalHold: { reason: 'litigation', until: '0000-01-01t00:00:00-23:59' },
      events: { accountDeletedAt: '2026-01-01T00:00:00Z' },
    };
    const [row] = await validateInSql([{ location: null, text: JSON.stringify(item) }], {});
    expect(row).toMatchObject({
      invalid_reason: null,
      captured_ms: BigInt(Date.parse('2026-11-20T02:00:00.123Z')),
      oldest_ms: -1n,
      customer_retention_days: 30n,
      purposes: ['billing', 'é🚀'],
      hold_reason: 'litigation',
      hold_until: '0000-01-01t00:00:00-23:59',
      hold_until_ms: BigInt(Date.parse('0000-01-01T23:59:00Z')),
    });
    expect(JSON.parse(row!.events as string)).toEqual(item.events);
  });

  it('repeats an invalid item\'s facts as a finding does: text cut at 1024 UTF-16 units, finite numbers only', async () => {
    const long = `${'x'.repeat(1022)}🚀🚀`; // 1026 UTF-16 units: the cut leaves half an emoji
    const [row] = await validateInSql([{ location: null, text: text({ owner: long, tenantId: 'y'.repeat(2000) }).replace('"bytes":1000', '"bytes":1e999') }], {});
    expect(row).toMatchObject({
      invalid_reason: 'Field tenantId is longer than 256 characters.',
      tenant_id: `${'y'.repeat(1023)}…`,
      // JavaScript keeps the lone high surrogate; UTF-8 cannot: U+FFFD.
      owner: `${'x'.repeat(1022)}\ufffd…`,
      bytes: null,
    });
  });
});
