import { runAudit } from '../../../lib/audit/runAudit';
import { DEFAULT_ENGINE_OPTIONS } from '../../../lib/engine/evaluate';
import { staleness } from '../../../lib/engine/insights';
import { SnapshotDigest } from '../../../lib/engine/snapshotDigest';
import { compileWaivers, type Waiver } from '../../../lib/engine/waivers';
import { FileHistoryStore } from '../../../lib/history/FileHistoryStore';
import { FileInventorySource } from '../../../lib/inventory/FileInventorySource';
import type { InventoryItem } from '../../../lib/model';
import { ndjson, readReport, tempDir, writeTemp } from '../../helpers/files';
import { before, CAPTURED, CAPTURED_MS, catalog, DAY, makeItem } from '../../helpers/items';

async function report(items: InventoryItem[], options: { waivers?: Waiver[]; at?: string; staleAfterHours?: number; forecastDays?: number } = {}) {
  const result = await runAudit({
    source: new FileInventorySource(writeTemp('i.ndjson', ndjson(items))),
    catalog: catalog(),
    engine: { ...DEFAULT_ENGINE_OPTIONS, waivers: compileWaivers(options.waivers ?? []) },
    formats: ['json'],
    outDir: tempDir(),
    trigger: 'cli',
    staleAfterHours: options.staleAfterHours,
    forecastDays: options.forecastDays,
    now: () => new Date(options.at ?? CAPTURED),
  });
  return readReport(result.reports.json!);
}

const overdue = (i: number) => makeItem({ itemId: `o-${i}`, tenantId: 'tenant-w', oldestRecordAt: before(30 * DAY) });
const waiver = (expiresAt: string, scope: Waiver['scope'] = { tenantId: 'tenant-w' }): Waiver => ({ id: 'W-7', scope, reason: 'migration', approver: 'dpo@example.com', expiresAt });

describe('waivers in the report', () => {
  it('a waiver valid 1 ms past the capture covers its findings', async () => {
    const r = await report([overdue(1), overdue(2)], { waivers: [waiver(new Date(CAPTURED_MS + 1).toISOString())] });
    expect(r.summary.byVerdict.waived).toBe(2);
    expect(r.waivers).toEqual([
      { id: 'W-7', scope: { tenantId: 'tenant-w' }, reason: 'migration', approver: 'dpo@example.com', expiresAt: expect.any(String), status: 'active', covered: 2, activeAgain: 0 },
    ]);
  });

  it('a waiver expiring at the capture instant covers nothing, and says how many findings are active again', async () => {
    const r = await report([overdue(1), overdue(2), makeItem({ itemId: 'ok', tenantId: 'tenant-w' })], { waivers: [waiver(CAPTURED)] });
    expect(r.summary.byVerdict.waived).toBe(0);
    expect(r.summary.byVerdict.violation).toBe(2);
    expect(r.waivers[0]).toMatchObject({ status: 'expired', covered: 0, activeAgain: 2 });
  });

  it('names each waiver with its scope and approval date, so readers see who waived what', async () => {
    const approved = { ...waiver('2027-01-01T00:00:00Z', { tenantId: 'tenant-w', module: 'instant-messaging' }), createdAt: '2026-11-01T00:00:00Z' };
    const r = await report([overdue(1)], { waivers: [approved] });
    expect(r.waivers[0]).toMatchObject({ scope: { tenantId: 'tenant-w', module: 'instant-messaging' }, createdAt: '2026-11-01T00:00:00Z', status: 'active', covered: 1 });
  });

  it('a waiver that matches nothing is stale', async () => {
    const r = await report([overdue(1)], { waivers: [waiver('2027-01-01T00:00:00Z', { tenantId: 'tenant-gone' })] });
    expect(r.waivers[0]).toMatchObject({ status: 'stale', covered: 0 });
  });
});

describe('a stale inventory', () => {
  it.each([
    [48 * 3_600_000, false],
    [48 * 3_600_000 + 1, true],
  ])('captured %i ms before the audit: stale %s', async (ageMs, stale) => {
    const r = await report([makeItem()], { at: new Date(CAPTURED_MS + ageMs).toISOString() });
    expect(r.stale).toMatchObject({ stale, capturedAt: CAPTURED, thresholdHours: 48 });
    expect(r.summary.warnings.some((w: string) => /cannot prove today's state/.test(w))).toBe(stale);
  });

  it('the threshold is configurable, and a snapshot with no capture time is stale', () => {
    expect(staleness(CAPTURED, new Date(CAPTURED_MS + 5 * 3_600_000).toISOString(), 4).stale).toBe(true);
    expect(staleness(null, CAPTURED, 48)).toEqual({ stale: true, capturedAt: null, ageHours: null, thresholdHours: 48 });
  });
});

describe('the deletion forecast', () => {
  it('lists data whose deadline falls within the window, per module and tenant, soonest first', async () => {
    const r = await report(
      [
        makeItem({ itemId: 'a', tenantId: 't1', oldestRecordAt: before(5 * DAY), recordCount: 10 }), // IM logs: due in 2 days
        makeItem({ itemId: 'b', tenantId: 't1', oldestRecordAt: before(6 * DAY), recordCount: 5 }), // due in 1 day
        makeItem({ itemId: 'c', tenantId: 't2', module: 'healthcare-omics', dataCategory: 'troubleshooting-data', oldestRecordAt: before(160 * DAY) }), // due in 20 days
        makeItem({ itemId: 'd', tenantId: 't3', module: 'healthcare-omics', dataCategory: 'troubleshooting-data', oldestRecordAt: before(100 * DAY) }), // 80 days: outside
        makeItem({ itemId: 'e', tenantId: 't4', oldestRecordAt: before(30 * DAY) }), // already a violation: not forecast
      ],
      { forecastDays: 30 },
    );
    expect(r.forecast).toMatchObject({ days: 30, items: 3, records: 25, until: new Date(CAPTURED_MS + 30 * DAY).toISOString(), totalGroups: 2 });
    expect(r.forecast.byModuleTenant).toEqual([
      { module: 'instant-messaging', tenantId: 't1', items: 2, records: 15, bytes: 2000, firstDeadline: new Date(CAPTURED_MS + DAY).toISOString() },
      { module: 'healthcare-omics', tenantId: 't2', items: 1, records: 10, bytes: 1000, firstDeadline: new Date(CAPTURED_MS + 20 * DAY).toISOString() },
    ]);
  });
});

describe('the snapshot digest', () => {
  it('does not depend on the order of the items, and changes with any byte of them', () => {
    const items = [makeItem({ itemId: 'a' }), makeItem({ itemId: 'b', events: { accountDeletedAt: CAPTURED } }), makeItem({ itemId: 'c' })];
    const digest = (list: unknown[]) => {
      const d = new SnapshotDigest();
      for (const item of list) d.add(item);
      return d.hex();
    };
    expect(digest(items)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(digest([items[2], items[0], items[1]])).toBe(digest(items));
    // Key order inside an item does not matter either (canonical JSON).
    const reordered = Object.fromEntries(Object.entries(items[0]!).reverse());
    expect(digest([reordered, items[1], items[2]])).toBe(digest(items));
    expect(digest([{ ...items[0], recordCount: 11 }, items[1], items[2]])).not.toBe(digest(items));
    expect(digest([items[0], items[1]])).not.toBe(digest(items));
  });

  it('is in the report of a run that keeps history, the same from a file in any order', async () => {
    const store = new FileHistoryStore(tempDir());
    const digestOf = async (items: InventoryItem[]) =>
      readReport(
        (
          await runAudit({
            source: new FileInventorySource(writeTemp('d.ndjson', ndjson(items))),
            catalog: catalog(),
            engine: DEFAULT_ENGINE_OPTIONS,
            formats: ['json'],
            outDir: tempDir(),
            trigger: 'cli',
            history: { store, scope: 'digest' },
          })
        ).reports.json!,
      ).run.snapshotSha256;
    const items = [makeItem({ itemId: 'a' }), makeItem({ itemId: 'b' })];
    expect(await digestOf(items)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await digestOf([items[1]!, items[0]!])).toBe(await digestOf(items));
  });
});
