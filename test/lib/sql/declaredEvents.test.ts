/**
 * Events a rule file declares (its top-level `events`) behave like the built-in ones
 * in both engines: items of any module may carry any event the catalog declares,
 * validated as a timestamp (a bad one makes the item `invalid`, the reason naming
 * it); clauses listing them set deadlines, in the declared words; names nobody
 * declares are kept and ignored. The SQL engine gives the TypeScript engine's
 * findings byte for byte (test/helpers/sqlItems.ts compareEngines).
 */
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { DEFAULT_POLICIES_DIR, loadCatalog, type Catalog } from '../../../lib/catalog/loadCatalog';
import { evaluate, type EngineOptions } from '../../../lib/engine/evaluate';
import { validateItem } from '../../../lib/engine/validateItem';
import { ItemsTable, type Duck } from '../../../lib/sql/duck';
import canonicalize from 'canonicalize';
import { fastCanonicalSql, fastSteps } from '../../../lib/sql/validationFast';
import { validationSql } from '../../../lib/sql/validationSql';
import { CAPTURED_MS, DAY } from '../../helpers/items';
import { boundaryItems, compareEngines, describeMismatches, openSqlDuck, sqlItem } from '../../helpers/sqlItems';

const SEED = process.env.SQL_DIFF_SEED ? Number(process.env.SQL_DIFF_SEED) : Date.now() % 2 ** 31;
const OPTIONS: EngineOptions = { graceDays: 30, waivers: [] };
const iso = (ms: number) => new Date(ms).toISOString();

/** The shipped policies plus two modules that declare events (one name declared by both, in other words). */
function declaringCatalog(): Catalog {
  const dir = mkdtempSync(join(tmpdir(), 'declared-events-'));
  cpSync(DEFAULT_POLICIES_DIR, dir, { recursive: true });
  const clause = (id: string, kind: string, categories: string[], extra: object) => ({
    id,
    kind,
    categories,
    section: '5. DATA RETENTION',
    text: `Clause ${id}.`,
    ...extra,
  });
  writeFileSync(
    join(dir, 'domains.json'),
    JSON.stringify({
      module: 'domains',
      name: 'Domains',
      source: 'domains.txt',
      events: { domainExpiredAt: { name: 'domain expiry' }, transferOutAt: { name: 'transfer out' } },
      categories: {
        'registrant-data': { name: 'Registrant Data', sensitivity: 'personal' },
        'whois-data': { name: 'WHOIS Data', sensitivity: 'personal' },
      },
      clauses: [
        clause('registrant-60-days', 'event-bound', ['registrant-data'], { events: ['domainExpiredAt', 'accountDeletedAt'], period: { days: 60 } }),
        clause('whois-until-transfer', 'until-event', ['whois-data'], { events: ['transferOutAt'] }),
        clause('whois-billing', 'purpose-extension', ['whois-data'], { purpose: 'billing', events: ['domainExpiredAt'], supersedes: ['whois-until-transfer'] }),
      ],
    }),
  );
  writeFileSync(
    join(dir, 'leases.json'),
    JSON.stringify({
      module: 'leases',
      name: 'Leases',
      source: 'leases.txt',
      events: { domainExpiredAt: { name: 'expiry of the domain' }, leaseEndedAt: { name: 'lease end' } },
      categories: { 'lease-data': { name: 'Lease Data', sensitivity: 'special', specialCategory: 'financial' } },
      clauses: [clause('lease-1-month', 'event-bound', ['lease-data'], { events: ['leaseEndedAt', 'domainExpiredAt'], period: { months: 1 } })],
    }),
  );
  return loadCatalog(dir);
}

const catalog = declaringCatalog();
let duck: Duck;
beforeAll(async () => {
  duck = await openSqlDuck();
});
afterAll(() => duck?.close());

async function expectSame(items: readonly unknown[]): Promise<void> {
  const comparison = await compareEngines(duck, items.map((item) => JSON.stringify(item)), catalog, OPTIONS);
  if (comparison.mismatches.length > 0) throw new Error(describeMismatches(comparison, SEED));
}

const item = (over: Record<string, unknown>) => ({
  snapshotId: 's',
  itemId: `d-${JSON.stringify(over)}`,
  capturedAt: iso(CAPTURED_MS),
  tenantId: 't',
  module: 'domains',
  dataCategory: 'registrant-data',
  store: { type: 'mysql', resource: 'r' },
  recordCount: 3,
  bytes: 10,
  oldestRecordAt: iso(CAPTURED_MS - 400 * DAY),
  ...over,
});

describe('declared events', () => {
  it('are gathered from every rule file', () => {
    expect(catalog.events).toEqual(['domainExpiredAt', 'leaseEndedAt', 'transferOutAt']);
  });

  it('set deadlines in the words of the clause’s own rule file', () => {
    const expired = { events: { domainExpiredAt: iso(CAPTURED_MS - 61 * DAY) } };
    expect(evaluate(item(expired), catalog, OPTIONS).reason).toMatch(/^After domain expiry on .* had to be deleted within 60 days/);
    expect(evaluate(item({ ...expired, module: 'leases', dataCategory: 'lease-data' }), catalog, OPTIONS).reason).toMatch(/^After expiry of the domain on /);
    expect(evaluate(item({}), catalog, OPTIONS).reason).toBe('No domain expiry or account deletion is recorded, so no deletion is due yet.');
  });

  it('are validated as timestamps on an item of any module; undeclared names are ignored', () => {
    const bad = { events: { leaseEndedAt: 'soon' } };
    const reason = 'Field events.leaseEndedAt is not an ISO-8601 timestamp with a time zone.';
    expect(validateItem(item(bad), {}, catalog.events)).toEqual({ ok: false, reason });
    expect(validateItem(item({ ...bad, module: 'instant-messaging', dataCategory: 'log-data' }), {}, catalog.events)).toEqual({ ok: false, reason });
    expect(validateItem(item(bad), {}, []).ok).toBe(true);
    expect(validateItem(item({ events: { somethingElseAt: 'soon' } }), {}, catalog.events).ok).toBe(true);
  });

  it('give the same findings in both engines: generated items', async () => {
    await expectSame(fc.sample(sqlItem(catalog, 30), { numRuns: 3_000, seed: SEED }));
  });

  it('give the same findings in both engines: on and 1 ms around every deadline', async () => {
    await expectSame(boundaryItems(catalog, 30));
  });

  it('give the same findings in both engines: bad, foreign and unknown events', async () => {
    const at = iso(CAPTURED_MS - 70 * DAY);
    await expectSame([
      item({ events: { domainExpiredAt: at } }),
      item({ events: { domainExpiredAt: at, accountDeletedAt: iso(CAPTURED_MS - 80 * DAY) } }),
      item({ events: { leaseEndedAt: at } }),
      item({ module: 'instant-messaging', dataCategory: 'log-data', events: { transferOutAt: at } }),
      item({ events: { domainExpiredAt: 'yesterday' } }),
      item({ events: { domainExpiredAt: 42 } }),
      item({ events: { domainExpiredAt: null } }),
      item({ events: { domainExpiredAt: '' } }),
      item({ events: { domainExpiredAt: 'x'.repeat(41) } }),
      item({ events: { accountDeletedAt: 'no', leaseEndedAt: 'no' } }),
      item({ events: { transferOutAt: 'no', leaseEndedAt: 'no' } }),
      item({ events: { somethingElseAt: 'whenever', domainexpiredat: 'whenever' } }),
      item({ dataCategory: 'whois-data', purposes: ['billing'], events: { domainExpiredAt: at, transferOutAt: iso(CAPTURED_MS) } }),
      item({ dataCategory: 'whois-data', events: { transferOutAt: iso(CAPTURED_MS - 30 * DAY) } }),
      item({ module: 'leases', dataCategory: 'lease-data', recordCount: 0, events: { leaseEndedAt: at } }),
      item({ module: 'leases', dataCategory: 'lease-data', events: { leaseEndedAt: '2026-01-31T10:00:00+02:00' } }),
    ]);
  });

  it('let plain items with declared events take the validation fast path, with the general path’s columns', async () => {
    const texts = [
      item({ events: { domainExpiredAt: iso(CAPTURED_MS - DAY) } }),
      item({ events: { leaseEndedAt: iso(CAPTURED_MS - DAY), accountDeletedAt: iso(CAPTURED_MS) } }),
      item({ events: { leaseEndedAt: 'soon' } }),
    ].map((value, i) => JSON.stringify({ ...value, itemId: `plain-${i}` }));
    await duck.connection.run('DROP TABLE IF EXISTS items');
    const items = await ItemsTable.create(duck.connection);
    texts.forEach((raw) => items.append({ location: '', raw }));
    items.close();
    const steps = fastSteps(null, catalog.events);
    const ctes = steps.map((step, i) => {
      const added = Object.entries(step.columns).map(([name, sql]) => `${sql} AS ${name}`);
      return `${step.name} AS (SELECT *, ${added.join(', ')} FROM ${i === 0 ? 'items' : steps[i - 1]!.name})`;
    });
    const plain = await duck.connection.runAndReadAll(`WITH ${ctes.join(', ')} SELECT plain, ${fastCanonicalSql(catalog.events)} FROM fast_judged ORDER BY ord`);
    expect(plain.getRows().map(([value]) => value)).toEqual([true, true, false]);
    // Their RFC 8785 JSON, for the snapshot digest, declared events in their place among the built-in ones.
    expect(plain.getRows().map(([, canonical]) => canonical)).toEqual([canonicalize(JSON.parse(texts[0]!)), canonicalize(JSON.parse(texts[1]!)), null]);
    const options = { declaredEvents: catalog.events };
    const [fast, general] = await Promise.all(
      [validationSql({}, options), validationSql({}, { ...options, fastPath: false })].map(async (sql) =>
        (await duck.connection.runAndReadAll(`SELECT * FROM (${sql}) ORDER BY ord`)).getRowObjectsJson(),
      ),
    );
    expect(fast).toEqual(general);
    expect(fast!.map((row) => row.invalid_reason)).toEqual([null, null, 'Field events.leaseEndedAt is not an ISO-8601 timestamp with a time zone.']);
  });
});
