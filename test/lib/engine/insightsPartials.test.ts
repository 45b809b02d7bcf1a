/**
 * The forecast's and the waivers' tallies as plain counts and back
 * (lib/engine/insights.ts toCounts, absorb): what a partition hands the reduce.
 * Absorbed in order, the parts' counts give the whole's: exact sums, the earlier
 * first deadline, and groups in the order first added, which breaks ties in the
 * forecast's sort.
 */
import { ForecastTally, WaiverTally } from '../../../lib/engine/insights';
import { compileWaivers } from '../../../lib/engine/waivers';
import type { Finding } from '../../../lib/model';
import { before, CAPTURED_MS, DAY, judge, makeItem } from '../../helpers/items';

const MAX = Number.MAX_SAFE_INTEGER;
/** Due in 1 day (instant-messaging log data, 7 days), or as old as `ageDays`. */
const due = (tenantId: string, recordCount: number, ageDays = 6) => judge(makeItem({ itemId: `${tenantId}-${recordCount}`, tenantId, oldestRecordAt: before(ageDays * DAY), recordCount, bytes: recordCount }));

function forecastOf(findings: readonly Finding[]): ForecastTally {
  const forecast = new ForecastTally(30);
  for (const finding of findings) forecast.add(finding);
  return forecast;
}

describe('ForecastTally counts', () => {
  it('absorbed in order, the parts give the whole: exact sums, earlier deadlines, ties in the order first added', () => {
    // Tenants b and a tie (same first deadline, same records): b was added first, so it comes first.
    const findings = [due('b', 5, 5), due('c', MAX), due('a', 5, 5), due('c', 1), due('c', 1, 3), due('c', MAX)];
    const whole = forecastOf(findings);
    for (const cut of [0, 1, 2, 3, 5, 6]) {
      const merged = new ForecastTally(30);
      for (const part of [findings.slice(0, cut), findings.slice(cut)]) merged.absorb(JSON.parse(JSON.stringify(forecastOf(part).toCounts())));
      expect(merged.toCounts()).toEqual(whole.toCounts());
      expect(merged.result(CAPTURED_MS)).toEqual(whole.result(CAPTURED_MS));
    }
    const { byModuleTenant, records } = whole.result(CAPTURED_MS);
    expect(byModuleTenant.map((row) => row.tenantId)).toEqual(['c', 'b', 'a']);
    expect(records).toBe(Number(2n * BigInt(MAX) + 12n));
    expect(whole.toCounts().groups[0]).toEqual({ module: 'instant-messaging', tenantId: 'b', items: 1, records: '5', bytes: '5', firstDeadline: expect.any(String) });
    expect(whole.toCounts().groups[1]).toMatchObject({ tenantId: 'c', items: 4, records: (2n * BigInt(MAX) + 2n).toString() });
  });

  it('gives rows the caller may change without changing the tally', () => {
    const forecast = forecastOf([due('a', 5)]);
    forecast.result(CAPTURED_MS).byModuleTenant[0]!.records = 99;
    expect(forecast.result(CAPTURED_MS).byModuleTenant[0]!.records).toBe(5);
  });

  it('is what ForecastTally.of gives from counts made elsewhere', () => {
    const counts = forecastOf([due('a', MAX), due('a', 2)]).toCounts();
    expect(ForecastTally.of(30, counts).toCounts()).toEqual(counts);
  });
});

describe('WaiverTally counts', () => {
  const waivers = compileWaivers([
    { id: 'W1', scope: { tenantId: 'a' }, reason: 'r', approver: 'p', expiresAt: '2027-01-01T00:00:00Z' },
    { id: 'W2', scope: { tenantId: 'b' }, reason: 'r', approver: 'p', expiresAt: new Date(CAPTURED_MS).toISOString() },
  ]);
  const overdue = (tenantId: string, i: number) => judge(makeItem({ itemId: `o${i}`, tenantId, oldestRecordAt: before(40 * DAY) }), { waivers });

  it('absorbed, the parts give the whole', () => {
    const findings = [overdue('a', 1), overdue('b', 2), overdue('b', 3), overdue('x', 4)];
    const tallyOf = (part: readonly Finding[]) => {
      const tally = new WaiverTally(waivers);
      for (const finding of part) tally.add(finding as never, finding);
      return tally;
    };
    const whole = tallyOf(findings);
    expect(whole.toCounts()).toEqual([{ matched: 1, covered: 1, activeAgain: 0 }, { matched: 2, covered: 0, activeAgain: 2 }]);
    const merged = new WaiverTally(waivers);
    merged.absorb(tallyOf(findings.slice(0, 2)).toCounts());
    merged.absorb(tallyOf(findings.slice(2)).toCounts());
    expect(merged.usage(CAPTURED_MS)).toEqual(whole.usage(CAPTURED_MS));
    expect(new WaiverTally(waivers, whole.toCounts()).toCounts()).toEqual(whole.toCounts());
  });

  it('refuses counts of other waivers', () => {
    expect(() => new WaiverTally(waivers).absorb([])).toThrow('Waiver counts for 0 waivers cannot be added to a tally of 2: the runs used different waivers.');
  });
});
