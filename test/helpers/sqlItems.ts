/**
 * Items for the differential tests of the SQL engine (test/lib/sql/evaluation*.test.ts):
 * generators that put instants on the boundaries of every clause of the catalog; a
 * stand-in for the validation stage that gives the checked relation
 * (lib/sql/relations.ts CHECKED_COLUMNS) from items in JavaScript; and the harness
 * that runs the same items through the TypeScript engine (the specification) and
 * the SQL program, and compares the JSON report lines they become.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Catalog } from '../../lib/catalog/loadCatalog';
import { evaluate, type EngineOptions } from '../../lib/engine/evaluate';
import { validateItem, type ItemBounds } from '../../lib/engine/validateItem';
import { toJsonLine } from '../../lib/report/FindingSorter';
import { ItemsTable, openDuck, type Duck } from '../../lib/sql/duck';
import { evaluationSql } from '../../lib/sql/evaluationSql';
import { registerGlobFunction } from '../../lib/sql/globFunction';
import { compileWaivers, type CompiledWaiver, type Waiver } from '../../lib/engine/waivers';
import { CHECKED_COLUMNS, type CheckedColumn } from '../../lib/sql/relations';
import { addPeriod, parseTimestamp, type Period } from '../../lib/time';
import { RETENTION_EVENTS } from '../../lib/model';
import { CAPTURED_MS, DAY } from './items';

// ---------------------------------------------------------------------------
// Stand-in for stage 2 (validation).

type CheckedValue = string | number | bigint | string[] | null;
export type CheckedRow = Record<CheckedColumn, CheckedValue>;

const FINDING_TEXT_MAX = 1024;
const str = (value: unknown) =>
  typeof value !== 'string' ? null : value.length > FINDING_TEXT_MAX ? `${value.slice(0, FINDING_TEXT_MAX - 1)}…` : value;
const num = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : null);
const ms = (value: unknown) => {
  const parsed = parseTimestamp(value);
  return parsed === null ? null : BigInt(parsed);
};

/**
 * The row the validation stage gives for one item, computed with the TypeScript
 * engine's own validateItem and evaluate.ts findingOf rules: a stand-in until
 * lib/sql/validationSql.ts exists, so that stage 3 can be tested alone.
 */
export function checkedRowOf(raw: unknown, ord: number, bounds: ItemBounds = {}, declaredEvents: readonly string[] = []): CheckedRow {
  const check = validateItem(raw, bounds, declaredEvents);
  const item = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const store = item.store as Record<string, unknown> | null | undefined;
  const storeOk = typeof store === 'object' && store !== null && typeof store.type === 'string' && typeof store.resource === 'string';
  const valid = check.ok ? check.item : null;
  return {
    ord: BigInt(ord),
    location: null,
    invalid_reason: check.ok ? null : check.reason,
    item_id: str(item.itemId),
    snapshot_id: str(item.snapshotId),
    tenant_id: str(item.tenantId),
    module: str(item.module),
    data_category: str(item.dataCategory),
    store_type: storeOk ? str(store.type) : null,
    store_resource: storeOk ? str(store.resource) : null,
    store_region: storeOk ? str(store.region) : null,
    owner: str(item.owner),
    record_count: num(item.recordCount),
    bytes: num(item.bytes),
    oldest_record_at: str(item.oldestRecordAt),
    captured_at: str(item.capturedAt),
    captured_ms: valid ? ms(valid.capturedAt) : null,
    oldest_ms: valid?.oldestRecordAt === undefined ? null : ms(valid.oldestRecordAt),
    customer_retention_days: valid?.customerRetentionDays === undefined ? null : BigInt(valid.customerRetentionDays),
    purposes: valid?.purposes ?? null,
    hold_reason: valid?.legalHold?.reason ?? null,
    hold_until: valid?.legalHold?.until ?? null,
    hold_until_ms: valid?.legalHold?.until === undefined ? null : ms(valid.legalHold.until),
    events: valid?.events === undefined ? null : JSON.stringify(valid.events),
  };
}

/** Creates `table` with the CHECKED_COLUMNS and fills it with the rows. */
export async function loadChecked(connection: DuckDBConnection, table: string, rows: Iterable<CheckedRow>): Promise<void> {
  const names = Object.keys(CHECKED_COLUMNS) as CheckedColumn[];
  // Lists go in as JSON text, turned into VARCHAR[] once loaded.
  const stagingType = (name: CheckedColumn) => (CHECKED_COLUMNS[name] === 'VARCHAR[]' ? 'VARCHAR' : CHECKED_COLUMNS[name]);
  await connection.run(`CREATE TABLE ${table}_staging (${names.map((name) => `${name} ${stagingType(name)}`).join(', ')})`);
  const appender = await connection.createAppender(`${table}_staging`);
  for (const row of rows) {
    for (const name of names) {
      const value = row[name];
      if (value === null) appender.appendNull();
      else if (Array.isArray(value)) appender.appendVarchar(JSON.stringify(value));
      else if (CHECKED_COLUMNS[name] === 'BIGINT') appender.appendBigInt(BigInt(value as number | bigint));
      else if (CHECKED_COLUMNS[name] === 'DOUBLE') appender.appendDouble(value as number);
      else appender.appendVarchar(value as string);
    }
    appender.endRow();
  }
  appender.closeSync();
  const select = names.map((name) => (CHECKED_COLUMNS[name] === 'VARCHAR[]' ? `CAST(${name} AS VARCHAR[]) AS ${name}` : name));
  await connection.run(`CREATE TABLE ${table} AS SELECT ${select.join(', ')} FROM ${table}_staging`);
  await connection.run(`DROP TABLE ${table}_staging`);
}

// ---------------------------------------------------------------------------
// Generators.

const iso = (msValue: number) => new Date(msValue).toISOString();

/**
 * The latest instant T with T + period ≤ deadline (T + period = deadline when some T
 * gives it; months are not symmetric, so search: adding months never goes back).
 */
export function startFor(deadlineMs: number, period: Period): number {
  if ('days' in period) return deadlineMs - period.days * DAY;
  let low = addPeriod(deadlineMs, period, -1) - 4 * DAY; // T + period ≤ deadline
  if (!Number.isFinite(low)) return Number.NaN;
  let high = deadlineMs; // T + period > deadline
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (addPeriod(middle, period) <= deadlineMs) low = middle;
    else high = middle;
  }
  return low;
}

/** Every period the catalog uses, the grace period and a few customer periods. */
export function periodsOf(catalog: Catalog, graceDays: number): Period[] {
  const periods: Period[] = [{ days: graceDays }, { days: 1 }, { days: 45 }, { days: 100_000 }];
  for (const module of catalog.modules.values()) {
    for (const category of module.categories.values()) {
      for (const { clause } of category.rules) if ('period' in clause) periods.push(clause.period);
    }
  }
  // Periods so long that no instant of year 0000 or later ends on the capture time are left to the other tests.
  const usable = periods.filter((period) => startFor(CAPTURED_MS, period) >= YEAR_0_MS);
  return [...new Map(usable.map((p) => [JSON.stringify(p), p])).values()];
}

const YEAR_0_MS = Date.parse('0000-01-01T00:00:00Z');

const windowOf = (periodMs: number) => Math.min(7 * DAY, periodMs / 5);

/** Capture times: the usual one, month ends, a leap day, and the edge of year 9999. */
const CAPTURES = [
  CAPTURED_MS,
  Date.parse('2026-03-31T10:00:00Z'),
  Date.parse('2024-02-29T23:59:59.999Z'),
  Date.parse('2026-03-01T00:00:00Z'),
  Date.parse('2025-12-31T23:00:00Z'),
  Date.parse('9999-12-30T00:00:00Z'),
];

/** An instant that puts a deadline of `period` at `x` ms from the capture: on it, 1 ms either side, on the edges of the warning window. */
function boundaryStart(capturedMs: number, period: Period): fc.Arbitrary<number> {
  const periodMs = capturedMs - startFor(capturedMs, period);
  const w = Math.floor(windowOf(periodMs));
  const offsets = [0, 1, -1, w, w + 1, w - 1, -DAY, -31 * DAY - 1, -91 * DAY, 3 * DAY, 40 * DAY];
  return fc.oneof(fc.constantFrom(...offsets), fc.integer({ min: -400 * DAY, max: 60 * DAY })).map((x) => startFor(capturedMs + x, period));
}

/** Timestamps in every form parseTimestamp accepts, for the same instant. */
function timestampText(msValue: number): fc.Arbitrary<string> {
  const text = iso(msValue);
  const shifted = (hours: number, minutes: number) => {
    const local = new Date(msValue + (hours * 60 + minutes) * 60_000).toISOString().slice(0, 23);
    const sign = hours < 0 || minutes < 0 ? '-' : '+';
    const pad = (n: number) => String(Math.abs(n)).padStart(2, '0');
    return `${local}${sign}${pad(hours)}:${pad(minutes)}`;
  };
  if (msValue < Date.parse('0001-01-02T00:00:00Z') || msValue > Date.parse('9999-12-30T00:00:00Z')) return fc.constant(text);
  return fc.constantFrom(
    text,
    text.replace('.000Z', 'Z'),
    text.replace('T', ' '),
    text.replace('T', 't').replace('Z', 'z'),
    text.replace('Z', '999Z').replace(/\.(\d{3})999Z/, '.$1999Z'),
    shifted(8, 0),
    shifted(-5, -30),
    text.replace('Z', '+00:00'),
  );
}

const EXTREME_EVENTS = ['9999-12-31T23:59:59Z', '9999-12-31T23:59:59.999Z', '9999-12-31T23:59:59-23:59', '0000-01-01T00:00:00+01:00', '0000-02-29T12:00:00Z'];

export const TENANTS = ['tenant-a', 'tenant-b', 'tenant-x1', 'tenant/..', '.tenant', 'données', '🚀 tenant', 'a\nb', "o'brien"];
export const RESOURCES = [
  'im/test',
  'prod-1/store-2',
  'prod-12/logs/x.log',
  'prod/x',
  'prod/.x',
  'prod/.',
  'prod/..',
  'prod/./x',
  'prod/x/y',
  'prod/',
  'x.log',
  '.log',
  '..log',
  '.hidden',
  'prod/\nx',
  '株式会社/テスト',
];

/** Waivers the differential test runs with: exact and glob scopes, expired and open ones. */
export function testWaivers(capturedMs = CAPTURED_MS): Waiver[] {
  const expires = (offset: number) => iso(capturedMs + offset);
  const base = { reason: 'migration pending', approver: 'dpo@example.com', createdAt: iso(capturedMs - 10 * DAY) };
  return [
    { ...base, id: 'W-expired', scope: { tenantId: 'tenant-a' }, expiresAt: expires(-1) },
    { ...base, id: 'W-at-capture', scope: { tenantId: 'tenant-b' }, expiresAt: expires(0) },
    { ...base, id: 'W-prefix', scope: { tenantId: 'tenant-b', resource: 'prod-*/*' }, expiresAt: expires(DAY) },
    { ...base, id: 'W-log', scope: { module: 'instant-messaging', resource: '*.log' }, expiresAt: expires(DAY) },
    { ...base, id: 'W-question', scope: { module: 'tokenhub', tenantId: 'tenant-?1' }, expiresAt: expires(DAY) },
    { ...base, id: 'W-category', scope: { tenantId: 'tenant-a', dataCategory: '{log,monitoring}-data' }, expiresAt: expires(30 * DAY) },
    { ...base, id: 'W-dir', scope: { module: 'facial-recognition', resource: 'prod/*' }, expiresAt: expires(DAY) },
    { ...base, id: 'W-"quoted"', reason: 'it’s approved', scope: { tenantId: "o'brien" }, expiresAt: expires(DAY) },
  ];
}

export function compiledTestWaivers(capturedMs = CAPTURED_MS): CompiledWaiver[] {
  return compileWaivers(testWaivers(capturedMs));
}

/** The value one time in `n`, else null. */
function rarely<T>(arbitrary: fc.Arbitrary<T>, n: number): fc.Arbitrary<T | null> {
  return fc.oneof({ weight: n - 1, arbitrary: fc.constant(null) }, { weight: 1, arbitrary });
}

/**
 * Items of every module and category of the catalog (and unmapped ones), with
 * instants on the boundaries of every period, events listed or not, holds,
 * purposes, customer periods, counts and sizes at their edges, and a few broken items.
 */
export function sqlItem(catalog: Catalog, graceDays: number): fc.Arbitrary<Record<string, unknown>> {
  const pairs: [string, string][] = [];
  for (const module of catalog.modules.values()) for (const category of module.categories.keys()) pairs.push([module.id, category]);
  pairs.push(['instant-messaging', 'no-such-category'], ['video-analytics', 'frame-metadata']);
  const periods = periodsOf(catalog, graceDays);
  const eventNames = [...RETENTION_EVENTS, ...(catalog.events ?? [])];

  return fc
    .record({
      pair: fc.constantFrom(...pairs),
      capturedMs: fc.oneof({ weight: 4, arbitrary: fc.constant(CAPTURED_MS) }, { weight: 3, arbitrary: fc.constantFrom(...CAPTURES) }),
      period: fc.constantFrom(...periods),
      recordCount: fc.oneof(
        { weight: 5, arbitrary: fc.integer({ min: 1, max: 999 }) },
        { weight: 2, arbitrary: fc.constantFrom(0, 1, 2, 999_999, 1_000_000, 2 ** 53 - 1) },
      ),
      bytes: fc.oneof(
        { weight: 3, arbitrary: fc.integer({ min: 0, max: 2 ** 36 }) },
        { weight: 2, arbitrary: fc.constantFrom(0, 1, 1023, 1024, 1536, 1048575, 2 ** 31, 2 ** 31 + 1, 10 * 2 ** 30, 10 * 2 ** 30 - 1, 2 ** 53 - 1, 1125899906842624 * 3 + 5) },
      ),
      oldestKind: fc.constantFrom('boundary', 'boundary', 'random', 'extreme'),
      // The built-in events and those the catalog's rule files declare.
      eventNames: fc.subarray(eventNames),
      eventKind: fc.constantFrom('boundary', 'boundary', 'random', 'extreme', 'same'),
      customerDays: fc.option(fc.constantFrom(1, 2, 45, 365, 100_000), { freq: 2 }),
      purposes: fc.option(fc.constantFrom([], ['billing'], ['support', 'billing'], ['support']), { freq: 2 }),
      hold: rarely(fc.constantFrom('open', 'future', 'ended', 'at-capture', 'beyond-9999'), 3),
      tenant: fc.constantFrom(...TENANTS),
      resource: fc.constantFrom(...RESOURCES),
      region: fc.option(fc.constantFrom('eu-frankfurt', 'ap-東京'), { freq: 2 }),
      owner: fc.option(fc.constantFrom('dpo@example.com', 'Zoë <z@example.com>'), { freq: 2 }),
      broken: rarely(fc.constantFrom('recordCount', 'itemId', 'capturedAt', 'event', 'store'), 20),
      seed: fc.integer({ min: 0, max: 2 ** 30 }),
    })
    .chain((g) =>
      fc
        .record({
          oldestMs:
            g.oldestKind === 'boundary'
              ? boundaryStart(g.capturedMs, g.period)
              : g.oldestKind === 'random'
                ? fc.integer({ min: g.capturedMs - 800 * DAY, max: g.capturedMs })
                : fc.constantFrom(Date.parse('0000-01-01T00:00:00Z'), g.capturedMs, g.capturedMs - 1),
          eventMs: g.eventKind === 'boundary' ? boundaryStart(g.capturedMs, g.period) : fc.integer({ min: g.capturedMs - 400 * DAY, max: g.capturedMs + 30 * DAY }),
          extra: fc.array(fc.integer({ min: -90 * DAY, max: 90 * DAY }), { minLength: eventNames.length, maxLength: eventNames.length }),
          extreme: fc.constantFrom(...EXTREME_EVENTS),
        })
        .chain((instants) => {
          const oldestMs = Math.min(instants.oldestMs, g.capturedMs);
          const eventTexts = g.eventNames.map((name, i) => {
            if (g.eventKind === 'extreme' && i === 0) return fc.constant(instants.extreme);
            const at = g.eventKind === 'same' ? instants.eventMs : i === 0 ? instants.eventMs : instants.eventMs + instants.extra[i]!;
            return timestampText(Math.max(at, Date.parse('0000-01-01T00:00:00Z')));
          });
          return fc.record({
            captured: timestampText(g.capturedMs),
            oldest: oldestMs === Date.parse('0000-01-01T00:00:00Z') ? fc.constantFrom('0000-01-01T00:00:00Z', '0000-01-01T00:30:00+01:00') : timestampText(oldestMs),
            events: fc.tuple(...eventTexts),
          });
        })
        .map(({ captured, oldest, events }) => {
          const [module, dataCategory] = g.pair;
          const item: Record<string, unknown> = {
            snapshotId: 'snap-sql',
            itemId: `item-${g.seed}`,
            capturedAt: captured,
            tenantId: g.tenant,
            module,
            dataCategory,
            store: g.region === null ? { type: 'mysql', resource: g.resource } : { type: 'mysql', resource: g.resource, region: g.region },
            recordCount: g.recordCount,
            bytes: g.bytes,
          };
          if (g.recordCount > 0 || g.seed % 2 === 0) item.oldestRecordAt = oldest;
          if (g.eventNames.length > 0) item.events = Object.fromEntries(g.eventNames.map((name, i) => [name, events[i]]));
          if (g.customerDays !== null) item.customerRetentionDays = g.customerDays;
          if (g.purposes !== null) item.purposes = g.purposes;
          if (g.owner !== null) item.owner = g.owner;
          if (g.hold !== null) {
            const until = {
              open: undefined,
              future: iso(g.capturedMs + 1),
              ended: iso(g.capturedMs - DAY),
              'at-capture': iso(g.capturedMs),
              'beyond-9999': '9999-12-31T23:59:59-23:59',
            }[g.hold];
            item.legalHold = until === undefined ? { reason: 'litigation “A”' } : { reason: 'litigation “A”', until };
          }
          switch (g.broken) {
            case 'recordCount':
              item.recordCount = -1;
              break;
            case 'itemId':
              delete item.itemId;
              break;
            case 'capturedAt':
              item.capturedAt = '2026-02-30T00:00:00Z';
              break;
            case 'event':
              item.events = { accountDeletedAt: '2026-11-20' };
              break;
            case 'store':
              item.store = { type: 'mysql' };
              break;
          }
          return item;
        }),
    );
}

/**
 * For every clause of every category: items whose deadline under that clause falls
 * on the capture instant, 1 ms either side, and on both edges of the warning window
 * (with records held and with none), the other clauses kept quiet where they can be.
 */
export function boundaryItems(catalog: Catalog, graceDays: number, capturedMs = CAPTURED_MS): Record<string, unknown>[] {
  const items: Record<string, unknown>[] = [];
  const grace: Period = { days: graceDays };
  for (const module of catalog.modules.values()) {
    for (const [dataCategory, category] of module.categories) {
      for (const { clause } of category.rules) {
        const base = {
          snapshotId: 'snap-boundary',
          capturedAt: iso(capturedMs),
          tenantId: 'tenant-boundary',
          module: module.id,
          dataCategory,
          store: { type: 'mysql', resource: 'boundary/1' },
          bytes: 500,
        };
        const variants: { period: Period; build: (startMs: number) => Record<string, unknown> }[] = [];
        const recent = iso(capturedMs - DAY);
        switch (clause.kind) {
          case 'fixed-period':
            variants.push({ period: clause.period, build: (start) => ({ oldestRecordAt: iso(start) }) });
            break;
          case 'customer-defined':
            for (const days of [1, 45]) variants.push({ period: { days }, build: (start) => ({ customerRetentionDays: days, oldestRecordAt: iso(start) }) });
            break;
          case 'event-bound':
          case 'until-event':
          case 'purpose-extension': {
            const period = clause.kind === 'event-bound' ? clause.period : grace;
            const extra = clause.kind === 'purpose-extension' ? { purposes: [clause.purpose] } : {};
            for (const event of clause.events) {
              variants.push({ period, build: (start) => ({ ...extra, oldestRecordAt: iso(Math.min(start, capturedMs) - 400 * DAY), events: { [event]: iso(start) } }) });
              variants.push({ period, build: (start) => ({ ...extra, oldestRecordAt: recent, events: { [event]: iso(start), accountDeletedAt: iso(start + 1) } }) });
            }
            break;
          }
          default:
            variants.push({ period: { days: 1 }, build: () => ({ oldestRecordAt: recent }) });
        }
        for (const { period, build } of variants) {
          if (!(startFor(capturedMs - DAY * 2, period) >= YEAR_0_MS)) continue;
          const w = Math.floor(windowOf(capturedMs - startFor(capturedMs, period)));
          for (const x of [-1, 0, 1, w - 1, w, w + 1, -DAY - 1]) {
            for (const recordCount of [5, 0]) {
              items.push({ ...base, itemId: `b-${items.length}`, recordCount, ...build(startFor(capturedMs + x, period)) });
            }
          }
        }
      }
    }
  }
  return items;
}

// ---------------------------------------------------------------------------
// The differential harness.

type ValidationSql = (bounds: { capturedNotAfterMs?: number }, options?: { declaredEvents?: readonly string[] }) => string;

/**
 * Stage 2 when lib/sql/validationSql.ts exists (the test then runs both stages
 * from the raw JSON text); until then, null, and the checked relation comes from
 * the JavaScript stand-in (test/helpers/sqlItems.ts checkedRowOf).
 */
export function validationStage(): ValidationSql | null {
  const file = join(__dirname, '../../lib/sql/validationSql.ts');
  if (process.env.SQL_DIFF_STAND_IN === '1' || !existsSync(file)) return null;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(file) as { validationSql: ValidationSql }).validationSql;
}

export interface Mismatch {
  index: number;
  item: string;
  expected: string;
  actual: string;
}

export interface Comparison {
  compared: number;
  mismatches: Mismatch[];
  /** Findings by verdict, as the TypeScript engine gives them. */
  verdicts: Record<string, number>;
  stage2: 'validationSql' | 'stand-in';
}

/** One DuckDB for a test file, with the picomatch function registered. */
export async function openSqlDuck(): Promise<Duck> {
  const duck = await openDuck({ threads: 2 });
  registerGlobFunction(duck.connection);
  return duck;
}

let run = 0;

/**
 * Evaluates `texts` (each an item's JSON text) with both engines and compares the
 * findings line by line (toJsonLine: the same key order, the same bytes).
 */
export async function compareEngines(duck: Duck, texts: readonly string[], catalog: Catalog, options: EngineOptions): Promise<Comparison> {
  const { connection } = duck;
  const validationSql = validationStage();
  run += 1;
  const checked = `checked_${run}`;
  if (validationSql) {
    await connection.run('DROP TABLE IF EXISTS items');
    const items = await ItemsTable.create(connection);
    for (const text of texts) items.append({ location: null, raw: text });
    items.close();
    await connection.run(`CREATE TABLE ${checked} AS ${validationSql({ capturedNotAfterMs: options.capturedNotAfterMs }, { declaredEvents: catalog.events })}`);
  } else {
    await loadChecked(
      connection,
      checked,
      texts.map((text, i) => checkedRowOf(JSON.parse(text), i, { capturedNotAfterMs: options.capturedNotAfterMs }, catalog.events)),
    );
  }
  const reader = await connection.runAndReadAll(`${evaluationSql(catalog, options, checked)} ORDER BY ord`);
  await connection.run(`DROP TABLE ${checked}`);
  const rows = reader.getRows();
  const comparison: Comparison = { compared: 0, mismatches: [], verdicts: {}, stage2: validationSql ? 'validationSql' : 'stand-in' };
  if (rows.length !== texts.length) throw new Error(`The SQL program gave ${rows.length} findings for ${texts.length} items`);
  rows.forEach(([ord, itemId, finding], index) => {
    if (Number(ord) !== index) throw new Error(`Finding ${index} has ord ${String(ord)}`);
    const expected = evaluate(JSON.parse(texts[index]!), catalog, options);
    comparison.verdicts[expected.verdict] = (comparison.verdicts[expected.verdict] ?? 0) + 1;
    comparison.compared += 1;
    const expectedLine = toJsonLine(expected);
    // The SQL text goes to the reports as it is (lib/sql/jsonLineSql.ts): compared byte for byte.
    const actualLine = finding as string;
    if (expectedLine !== actualLine || (itemId ?? null) !== expected.itemId) {
      comparison.mismatches.push({ index, item: texts[index]!, expected: expectedLine, actual: actualLine });
    }
  });
  return comparison;
}

/** The first mismatches, readable in a test failure. */
export function describeMismatches(comparison: Comparison, seed?: number): string {
  const head = `${comparison.mismatches.length} of ${comparison.compared} findings differ (stage 2: ${comparison.stage2}${seed === undefined ? '' : `, seed ${seed}`})`;
  return [head, ...comparison.mismatches.slice(0, 3).map((m) => `item ${m.item}\n  TS:  ${m.expected}\n  SQL: ${m.actual}`)].join('\n');
}
