/**
 * The catalog compiled to SQL gives, item by item, the finding the TypeScript
 * engine gives (lib/engine/evaluate.ts is the specification): the same JSON report
 * line, byte for byte. Items are generated (fast-check) to cover every verdict and
 * every rule kind of policies/*.json, with instants on and 1 ms around every
 * deadline and warning window, month ends, recordCount 0, customer periods,
 * purposes, legal holds, waivers, events listed or not, and dates beyond 9999.
 *
 * Set SQL_DIFF_SEED to replay a run; SQL_DIFF_ITEMS to compare more items.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { loadCatalog, type Catalog } from '../../../lib/catalog/loadCatalog';
import type { EngineOptions } from '../../../lib/engine/evaluate';
import type { Duck } from '../../../lib/sql/duck';
import { hostileItems } from '../../helpers/hostileItems';
import { CAPTURED_MS, catalog, DAY } from '../../helpers/items';
import {
  boundaryItems,
  compareEngines,
  compiledTestWaivers,
  describeMismatches,
  openSqlDuck,
  sqlItem,
  validationStage,
  type Comparison,
} from '../../helpers/sqlItems';

const SEED = process.env.SQL_DIFF_SEED ? Number(process.env.SQL_DIFF_SEED) : Date.now() % 2 ** 31;
const ITEMS = process.env.SQL_DIFF_ITEMS ? Number(process.env.SQL_DIFF_ITEMS) : 12_000;

let duck: Duck;
let compared = 0;

beforeAll(async () => {
  duck = await openSqlDuck();
});

afterAll(() => {
  duck?.close();
  // eslint-disable-next-line no-console
  console.log(`evaluationSql differential: ${compared} items compared (seed ${SEED}, stage 2: ${validationStage() ? 'validationSql' : 'stand-in'})`);
});

async function expectSame(items: readonly unknown[], cat: Catalog, options: EngineOptions): Promise<Comparison> {
  const comparison = await compareEngines(
    duck,
    items.map((item) => (typeof item === 'string' ? item : JSON.stringify(item))),
    cat,
    options,
  );
  compared += comparison.compared;
  if (comparison.mismatches.length > 0) throw new Error(describeMismatches(comparison, SEED));
  return comparison;
}

const withWaivers: EngineOptions = { graceDays: 30, waivers: compiledTestWaivers() };

describe('evaluationSql against evaluate()', () => {
  it('gives the same finding for every generated item, every verdict among them', async () => {
    const items = fc.sample(sqlItem(catalog(), 30), { numRuns: ITEMS, seed: SEED });
    const { verdicts } = await expectSame(items, catalog(), withWaivers);
    for (const verdict of ['invalid', 'unmapped', 'exempt', 'waived', 'violation', 'due-soon', 'review', 'compliant']) {
      expect(verdicts[verdict] ?? 0).toBeGreaterThan(0);
    }
  });

  it.each([1, 7, 365, 100_000_000, 2 ** 40])('gives the same findings with a grace period of %d days (NaN deadlines included)', async (graceDays) => {
    const items = fc.sample(sqlItem(catalog(), graceDays), { numRuns: 2_000, seed: SEED + graceDays });
    await expectSame(items, catalog(), { graceDays, waivers: [] });
  });

  it('agrees on and 1 ms around every deadline and warning window of every clause', async () => {
    for (const capturedMs of [CAPTURED_MS, Date.parse('2026-03-31T10:00:00Z'), Date.parse('2024-02-29T12:00:00Z')]) {
      const { verdicts } = await expectSame(boundaryItems(catalog(), 30, capturedMs), catalog(), withWaivers);
      expect(verdicts['due-soon']).toBeGreaterThan(0);
      expect(verdicts.violation).toBeGreaterThan(0);
    }
  });

  it('agrees on month ends, leap days and the years 0000 and 9999', async () => {
    const item = (over: Record<string, unknown>) => ({
      snapshotId: 's',
      itemId: `m-${JSON.stringify(over)}`,
      tenantId: 't',
      module: 'edge',
      dataCategory: 'one-month',
      store: { type: 'mysql', resource: 'r' },
      recordCount: 3,
      bytes: 10,
      ...over,
    });
    const around = (text: string) => [-1, 0, 1].map((d) => new Date(Date.parse(text) + d).toISOString());
    const items = [
      ...around('2026-02-28T10:00:00Z').map((capturedAt) => item({ oldestRecordAt: '2026-01-31T10:00:00Z', capturedAt })),
      ...around('2024-02-29T10:00:00Z').map((capturedAt) => item({ oldestRecordAt: '2024-01-31T10:00:00Z', capturedAt })),
      ...around('2024-03-29T00:00:00Z').map((capturedAt) => item({ oldestRecordAt: '2024-02-29T00:00:00Z', capturedAt })),
      ...around('2026-03-31T10:00:00Z').map((capturedAt) => item({ oldestRecordAt: '2026-02-28T10:00:00Z', capturedAt })),
      ...around('2026-03-28T10:00:00Z').map((capturedAt) => item({ oldestRecordAt: '2026-02-28T10:00:00Z', capturedAt })),
      ...around('0000-03-29T00:00:00Z').map((capturedAt) => item({ oldestRecordAt: '0000-02-29T00:00:00Z', capturedAt })),
      ...around('2026-02-28T23:00:00Z').map((capturedAt) =>
        item({ dataCategory: 'event-month', oldestRecordAt: '2025-01-01T00:00:00Z', capturedAt, events: { accountDeletedAt: '2026-01-31T23:00:00Z' } }),
      ),
      item({ oldestRecordAt: '9999-12-01T00:00:00Z', capturedAt: '9999-12-02T00:00:00Z' }),
      item({ oldestRecordAt: '9999-11-30T23:59:59.999Z', capturedAt: '9999-12-02T00:00:00Z' }),
      item({ oldestRecordAt: '0000-01-01T00:30:00+01:00', capturedAt: '2026-01-01T00:00:00Z' }),
      item({ dataCategory: 'long-months', oldestRecordAt: '2026-01-01T00:00:00Z', capturedAt: '2026-01-02T00:00:00Z' }),
      item({ dataCategory: 'huge-days', oldestRecordAt: '2026-01-01T00:00:00Z', capturedAt: '2026-01-02T00:00:00Z' }),
      item({ dataCategory: 'huge-days', recordCount: 0, capturedAt: '2026-01-02T00:00:00Z' }),
      item({ dataCategory: 'event-month', recordCount: 0, capturedAt: '2026-01-02T00:00:00Z', events: { accountDeletedAt: '9999-12-31T23:59:59Z' } }),
      item({ dataCategory: 'event-month', capturedAt: '2026-01-02T00:00:00Z', oldestRecordAt: '2026-01-01T00:00:00Z', events: { deletionRequestedAt: '9999-12-31T23:59:59-23:59' } }),
    ];
    await expectSame(items, edgeCatalog(), withWaivers);
    await expectSame(items.map((i) => ({ ...i, module: 'instant-messaging', dataCategory: 'configuration-data' })), catalog(), withWaivers);
  });

  it('agrees on a catalog of unusual clauses: supersedes chains, ties, huge periods, several kinds in one category', async () => {
    const edge = edgeCatalog();
    for (const graceDays of [30, 100_000_000]) {
      const items = fc.sample(sqlItem(edge, graceDays), { numRuns: 3_000, seed: SEED + 7 });
      await expectSame(items, edge, { graceDays, waivers: compiledTestWaivers() });
    }
  });

  it('agrees on hostile items (what validation refuses is invalid in both)', async () => {
    const batches = fc.sample(hostileItems(40), { numRuns: 50, seed: SEED });
    await expectSame(batches.flat().map((item) => item.text), catalog(), withWaivers);
  });

  it('agrees on an item captured later than the audit allows', async () => {
    const items = fc.sample(sqlItem(catalog(), 30), { numRuns: 300, seed: SEED + 1 });
    await expectSame(items, catalog(), { ...withWaivers, capturedNotAfterMs: CAPTURED_MS - 30 * DAY });
  });
});

let edgeCached: Catalog | undefined;

/** A rule folder of clauses the bundled policies do not have (written once to a temporary folder). */
function edgeCatalog(): Catalog {
  if (edgeCached) return edgeCached;
  const dir = mkdtempSync(join(tmpdir(), 'edge-policies-'));
  const clause = (id: string, kind: string, categories: string[], extra: object = {}) => ({
    id,
    kind,
    categories,
    section: '9. EDGE',
    text: `Clause “${id}” in the document’s words.`,
    ...extra,
  });
  const file = {
    module: 'edge',
    name: 'Edge cases',
    source: 'test/lib/sql/evaluationSql.test.ts',
    categories: {
      'one-month': { name: 'One month', sensitivity: 'personal' },
      'event-month': { name: 'Event month', sensitivity: 'special', specialCategory: 'biometric' },
      'long-months': { name: 'Long months', sensitivity: 'personal' },
      'huge-days': { name: 'Huge days', sensitivity: 'personal' },
      mixed: { name: "Mixed 'quoted' data", sensitivity: 'special', specialCategory: 'health' },
      ties: { name: 'Ties', sensitivity: 'personal' },
      chain: { name: 'Chain', sensitivity: 'personal' },
      immediate: { name: 'Immediate', sensitivity: 'special', specialCategory: 'biometric' },
    },
    clauses: [
      clause('month', 'fixed-period', ['one-month', 'chain'], { period: { months: 1 } }),
      clause('event-month', 'event-bound', ['event-month', 'mixed'], { events: ['accountDeletedAt', 'deletionRequestedAt'], period: { months: 1 } }),
      clause('long-months', 'fixed-period', ['long-months'], { period: { months: 1_200_000 } }),
      clause('longer-months', 'fixed-period', ['long-months'], { period: { months: 4_000_000 } }),
      clause('huge-days', 'until-event', ['huge-days'], { events: ['serviceTerminatedAt'] }),
      clause('more-days', 'fixed-period', ['huge-days'], { period: { days: 3_000_000 } }),
      clause('most-days', 'fixed-period', ['huge-days'], { period: { days: 200_000_000 } }),
      clause('cap', 'size-cap', ['mixed'], { maxBytes: 1536 }),
      clause('person', 'review', ['mixed', 'ties']),
      clause('customer', 'customer-defined', ['mixed', 'ties']),
      clause('tie-a', 'fixed-period', ['ties'], { period: { days: 7 } }),
      clause('tie-b', 'fixed-period', ['ties'], { period: { days: 7 } }),
      clause('tie-c', 'event-bound', ['ties'], { events: ['consentWithdrawnAt'], period: { days: 7 } }),
      // "Deleted immediately upon withdrawal of consent": a zero period, the deadline at the event's instant.
      clause('immediately', 'event-bound', ['immediate', 'ties'], { events: ['consentWithdrawnAt', 'accountDeletedAt'], period: { days: 0 } }),
      clause('billing', 'purpose-extension', ['chain', 'mixed'], { purpose: 'billing', events: ['serviceTerminatedAt'], supersedes: ['month', 'cap'] }),
      clause('support', 'purpose-extension', ['chain'], { purpose: 'support', events: ['accountDeletedAt'], supersedes: ['billing'] }),
      clause('self', 'purpose-extension', ['ties'], { purpose: 'billing', events: ['accountDeletedAt'], supersedes: ['self', 'tie-a'] }),
    ],
  };
  writeFileSync(join(dir, 'edge.json'), JSON.stringify(file));
  writeFileSync(join(dir, 'instant-messaging.json'), JSON.stringify(require('../../../policies/instant-messaging.json')));
  edgeCached = loadCatalog(dir);
  return edgeCached;
}
