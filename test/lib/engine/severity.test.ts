import { atLeast, severityOf, type SeverityInput } from '../../../lib/engine/severity';

const violation: SeverityInput = { verdict: 'violation', special: false, overdueDays: 10, recordCount: 100, bytes: 1000 };

describe('severity model', () => {
  it.each<[string, Partial<SeverityInput>, string]>([
    ['personal data, days overdue', {}, 'medium'],
    ['personal data, under a day overdue', { overdueDays: 0.5 }, 'low'],
    ['personal data, over 30 days overdue', { overdueDays: 31 }, 'high'],
    ['personal data, over 90 days overdue', { overdueDays: 91 }, 'critical'],
    ['special-category data, just overdue', { special: true, overdueDays: 0.1 }, 'high'],
    ['special-category data, over 30 days', { special: true, overdueDays: 31 }, 'critical'],
    ['a large volume of personal data', { recordCount: 1_000_000 }, 'high'],
    ['a large volume in bytes', { bytes: 10 * 2 ** 30 }, 'high'],
    ['a size cap (no deadline)', { overdueDays: null }, 'medium'],
  ])('a violation of %s is %s', (_name, overrides, expected) => {
    expect(severityOf({ ...violation, ...overrides })).toBe(expected);
  });

  it.each<[string, string]>([
    ['due-soon', 'low'],
    ['invalid', 'medium'],
    ['unmapped', 'medium'],
    ['review', 'low'],
    ['exempt', 'info'],
    ['waived', 'info'],
    ['compliant', 'info'],
  ])('%s is %s', (verdict, expected) => {
    expect(severityOf({ ...violation, verdict: verdict as never })).toBe(expected);
  });

  it('special-category data due soon is medium', () => {
    expect(severityOf({ ...violation, verdict: 'due-soon', special: true })).toBe('medium');
  });

  it('orders severities for --fail-on', () => {
    expect(atLeast('critical', 'high')).toBe(true);
    expect(atLeast('high', 'high')).toBe(true);
    expect(atLeast('medium', 'high')).toBe(false);
  });
});
