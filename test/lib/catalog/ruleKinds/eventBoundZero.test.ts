/**
 * "Deleted immediately upon withdrawal of your consent": an event-bound clause with
 * `days: 0` puts the deadline at the event's instant. The SQL engine's agreement on
 * the same clause is in test/lib/sql/evaluationSql.test.ts (the edge catalog's `immediately`).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCatalog } from '../../../../lib/catalog/loadCatalog';
import { DEFAULT_ENGINE_OPTIONS, evaluate } from '../../../../lib/engine/evaluate';
import { before, CAPTURED, DAY, makeItem } from '../../../helpers/items';

function catalogWith(period: object) {
  const dir = mkdtempSync(join(tmpdir(), 'zero-period-'));
  const file = {
    module: 'voice',
    name: 'Voice',
    source: 'voice.txt',
    categories: { 'voiceprint-data': { name: 'Voiceprint Data', sensitivity: 'special', specialCategory: 'biometric' } },
    clauses: [
      {
        id: 'immediately-after-consent-withdrawal',
        kind: 'event-bound',
        categories: ['voiceprint-data'],
        events: ['consentWithdrawnAt'],
        period,
        section: '5. DATA RETENTION',
        text: 'Deleted immediately upon withdrawal of your consent',
      },
    ],
  };
  writeFileSync(join(dir, 'voice.json'), JSON.stringify(file));
  return loadCatalog(dir);
}

describe('event-bound with a zero period ("immediately")', () => {
  const catalog = catalogWith({ days: 0 });
  const judge = (withdrawnAt: string | undefined, recordCount = 3) =>
    evaluate(
      makeItem({ module: 'voice', dataCategory: 'voiceprint-data', recordCount, oldestRecordAt: before(400 * DAY), ...(withdrawnAt ? { events: { consentWithdrawnAt: withdrawnAt } } : {}) }),
      catalog,
      DEFAULT_ENGINE_OPTIONS,
    );

  it.each([
    ['no withdrawal recorded', undefined, 'compliant', null],
    ['withdrawn 1 ms after the capture', new Date(Date.parse(CAPTURED) + 1).toISOString(), 'compliant', new Date(Date.parse(CAPTURED) + 1).toISOString()],
    ['withdrawn at the capture instant (the deadline itself)', CAPTURED, 'due-soon', CAPTURED],
    ['withdrawn 1 ms before the capture', before(1), 'violation', before(1)],
    ['withdrawn 12.5 days before the capture', before(12.5 * DAY), 'violation', before(12.5 * DAY)],
  ])('%s: %s', (_label, withdrawnAt, verdict, deadline) => {
    expect(judge(withdrawnAt)).toMatchObject({ verdict, deadline });
  });

  it('counts overdue days from the event and says "immediately"', () => {
    const finding = judge(before(12.5 * DAY));
    expect(finding).toMatchObject({ overdueDays: 12.5, ruleId: 'voice/immediately-after-consent-withdrawal' });
    expect(finding.reason).toMatch(/within 0 days \(immediately\)/);
  });

  it('holds nothing to delete when no records are held', () => {
    expect(judge(before(DAY), 0).verdict).toBe('compliant');
    expect(judge(CAPTURED, 0).verdict).toBe('compliant');
  });

  it('still refuses a negative period and a zero-month period', () => {
    expect(() => catalogWith({ days: -1 })).toThrow();
    expect(() => catalogWith({ months: 0 })).toThrow();
  });
});
