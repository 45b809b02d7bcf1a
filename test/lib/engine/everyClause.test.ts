/**
 * For every clause of every module: the deadline instant, one millisecond past
 * it, inside the warning window and well before it. The cases are built from
 * the catalog itself, so a clause added to a rule file is tested too.
 */
import type { CatalogRule } from '../../../lib/catalog/loadCatalog';
import type { EventName, InventoryItem } from '../../../lib/model';
import { addPeriod, type Period } from '../../../lib/time';
import { before, CAPTURED, CAPTURED_MS, catalog, DAY, judge, makeItem } from '../../helpers/items';

const GRACE: Period = { days: 30 };

interface Case {
  label: string;
  module: string;
  category: string;
  rule: CatalogRule;
  /** Builds an item whose deadline falls `offsetMs` after the capture time (negative: already past). */
  at: (offsetMs: number) => InventoryItem;
  /** Length of the clause's period measured back from the capture time. */
  windowMs: number;
}

const windowOf = (periodMs: number) => Math.min(7 * DAY, periodMs / 5);

/** The instant T such that T + period = deadline (periods in months are not symmetric, so solve exactly). */
function startFor(deadlineMs: number, period: Period): number {
  if ('days' in period) return deadlineMs - period.days * DAY;
  let start = addPeriod(deadlineMs, period, -1);
  while (addPeriod(start, period) > deadlineMs) start -= 1;
  while (addPeriod(start + 1, period) <= deadlineMs) start += 1;
  return start;
}

function casesFor(module: string, category: string, rule: CatalogRule): Case[] {
  const clause = rule.clause;
  const base = { module, category, rule, label: `${rule.ruleId} (${category})` };
  const item = (overrides: Partial<InventoryItem>) =>
    makeItem({ module, dataCategory: category, recordCount: 5, bytes: 500, oldestRecordAt: before(2 * DAY), ...overrides });
  const eventItems = (events: EventName[], period: Period, extra: Partial<InventoryItem> = {}) =>
    events.map((event) => ({
      ...base,
      label: `${base.label} after ${event}`,
      at: (offset: number) => {
        const eventMs = startFor(CAPTURED_MS + offset, period);
        return item({ oldestRecordAt: new Date(Math.min(eventMs, CAPTURED_MS) - 400 * DAY).toISOString(), events: { [event]: new Date(eventMs).toISOString() }, ...extra });
      },
      windowMs: windowOf(CAPTURED_MS - startFor(CAPTURED_MS, period)),
    }));
  switch (clause.kind) {
    case 'fixed-period':
      return [{ ...base, at: (offset) => item({ oldestRecordAt: new Date(startFor(CAPTURED_MS + offset, clause.period)).toISOString() }), windowMs: windowOf(CAPTURED_MS - startFor(CAPTURED_MS, clause.period)) }];
    case 'customer-defined':
      return [{ ...base, at: (offset) => item({ customerRetentionDays: 45, oldestRecordAt: new Date(CAPTURED_MS + offset - 45 * DAY).toISOString() }), windowMs: windowOf(45 * DAY) }];
    case 'event-bound':
      return eventItems(clause.events, clause.period);
    case 'until-event':
      return eventItems(clause.events, GRACE);
    case 'purpose-extension':
      return eventItems(clause.events, GRACE, { purposes: [clause.purpose] });
    default:
      return [];
  }
}

const all: Case[] = [];
for (const [moduleId, module] of catalog().modules) {
  for (const [categoryId, category] of module.categories) {
    for (const rule of category.rules) all.push(...casesFor(moduleId, categoryId, rule));
  }
}

describe.each(all.map((c) => [c.label, c] as const))('%s', (_label, c) => {
  it('is due soon at the deadline instant itself', () => {
    const finding = judge(c.at(0));
    expect(finding).toMatchObject({ verdict: 'due-soon', ruleId: c.rule.ruleId, deadline: CAPTURED });
  });

  it('is a violation one millisecond past the deadline, citing the clause', () => {
    const finding = judge(c.at(-1));
    expect(finding.verdict).toBe('violation');
    expect(finding.ruleId).toBe(c.rule.ruleId);
    expect(finding.clause).toEqual(c.rule.citation);
    expect(finding.overdueDays).toBe(0);
    expect(finding.deadline).toBe(new Date(CAPTURED_MS - 1).toISOString());
  });

  it('is due soon at the far edge of the warning window, and compliant 1 ms beyond it', () => {
    expect(judge(c.at(Math.floor(c.windowMs))).verdict).toBe('due-soon');
    expect(judge(c.at(Math.floor(c.windowMs) + 1)).verdict).toBe('compliant');
  });

  it('counts overdue days from the deadline', () => {
    expect(judge(c.at(-12.5 * DAY)).overdueDays).toBe(12.5);
  });

  it('holds nothing to delete when no records are held', () => {
    const item = c.at(-40 * DAY);
    expect(judge({ ...item, recordCount: 0, oldestRecordAt: undefined }).verdict).toBe('compliant');
  });

  it('is not due soon when no records are held, even with its deadline inside the window', () => {
    const empty = { ...c.at(0), recordCount: 0, bytes: 0, oldestRecordAt: undefined };
    expect(judge(empty)).toMatchObject({ verdict: 'compliant', severity: 'info' });
    expect(judge({ ...empty, ...c.at(Math.floor(c.windowMs)), recordCount: 0, oldestRecordAt: undefined }).verdict).toBe('compliant');
  });
});

describe('clauses without a deadline', () => {
  it('error logs: 2 GiB is allowed, one byte more is a violation; size caps have no warning window', () => {
    const item = makeItem({ module: 'facial-recognition', dataCategory: 'error-log', oldestRecordAt: before(400 * DAY) });
    expect(judge({ ...item, bytes: 2 ** 31 }).verdict).toBe('compliant');
    expect(judge({ ...item, bytes: 2 ** 31 - 1 }).verdict).toBe('compliant');
    const over = judge({ ...item, bytes: 2 ** 31 + 1 });
    expect(over).toMatchObject({ verdict: 'violation', ruleId: 'facial-recognition/deleted-at-2gb', deadline: null, overdueDays: null });
  });

  it.each(['intelligent-guidance', 'intelligent-pre-consultation'])('%s contract staff information needs review', (module) => {
    const finding = judge(makeItem({ module, dataCategory: 'contract-staff-information', oldestRecordAt: before(900 * DAY) }));
    expect(finding).toMatchObject({ verdict: 'review', ruleId: `${module}/no-period-stated`, severity: 'low' });
    expect(finding.reason).toContain('Contract Staff Information');
  });

  it('data whose ending event has not happened is compliant however old', () => {
    const finding = judge(makeItem({ module: 'facial-recognition', dataCategory: 'face-features', oldestRecordAt: before(3000 * DAY) }));
    expect(finding.verdict).toBe('compliant');
  });
});

describe('the awkward clauses', () => {
  const tokenhub = (overrides: Partial<InventoryItem>) =>
    makeItem({ module: 'tokenhub', dataCategory: 'diagnostic-and-usage-data', oldestRecordAt: before(200 * DAY), ...overrides });

  it('billing purpose: data kept for billing follows the longer rule instead of the 7 days', () => {
    expect(judge(tokenhub({})).verdict).toBe('violation');
    expect(judge(tokenhub({ purposes: ['billing'] }))).toMatchObject({ verdict: 'compliant', ruleId: 'tokenhub/billing-purpose-extension' });
    expect(judge(tokenhub({ purposes: ['analytics'] })).ruleId).toBe('tokenhub/7-days-after-task-request');
  });

  it('billing purpose: once the service ends, the 30-day grace period runs', () => {
    const finding = judge(tokenhub({ purposes: ['billing'], events: { serviceTerminatedAt: before(31 * DAY) } }));
    expect(finding).toMatchObject({ verdict: 'violation', overdueDays: 1, ruleId: 'tokenhub/billing-purpose-extension' });
  });

  it('the grace period is configurable', () => {
    const item = makeItem({ module: 'facial-recognition', dataCategory: 'running-log', events: { deletionRequestedAt: before(20 * DAY) } });
    expect(judge(item).verdict).toBe('compliant');
    expect(judge(item, { graceDays: 14 })).toMatchObject({ verdict: 'violation', overdueDays: 6 });
  });

  it('consent withdrawal ends retention of patient data, like account deletion, 30 days later', () => {
    const item = makeItem({ module: 'intelligent-guidance', dataCategory: 'patient-data', events: { consentWithdrawnAt: before(45 * DAY) } });
    const finding = judge(item);
    expect(finding).toMatchObject({ verdict: 'violation', ruleId: 'intelligent-guidance/consent-withdrawal', overdueDays: 15, specialCategory: 'health' });
    expect(finding.clause?.context).toBe('For health data, we rely on consent.');
  });

  it('consent withdrawal does not end retention of categories not based on consent', () => {
    const item = makeItem({ module: 'intelligent-guidance', dataCategory: 'request-data', events: { consentWithdrawnAt: before(45 * DAY) } });
    expect(judge(item).verdict).toBe('compliant');
  });

  it('the earliest listed event sets the deadline', () => {
    const item = makeItem({
      module: 'healthcare-omics',
      dataCategory: 'account-information',
      events: { accountDeletedAt: before(31 * DAY), serviceTerminatedAt: before(90 * DAY) },
    });
    expect(judge(item).overdueDays).toBe(1);
    const im = makeItem({ module: 'instant-messaging', dataCategory: 'configuration-data', events: { accountDeletedAt: before(70 * DAY), serviceTerminatedAt: before(10 * DAY) } });
    expect(judge(im).verdict).toBe('violation');
  });

  it('customer-defined periods apply on top of the module clauses', () => {
    const item = makeItem({ module: 'intelligent-guidance', dataCategory: 'request-data', customerRetentionDays: 10, oldestRecordAt: before(11 * DAY) });
    expect(judge(item)).toMatchObject({ verdict: 'violation', ruleId: 'intelligent-guidance/duration-determined-by-customer', overdueDays: 1 });
    const both = { ...item, events: { accountDeletedAt: before(60 * DAY) } };
    expect(judge(both)).toMatchObject({ verdict: 'violation', ruleId: 'intelligent-guidance/otherwise-30-days-after-account-deletion', overdueDays: 30 });
  });

  it('customer-defined periods do not apply where the document does not let the customer decide', () => {
    const item = makeItem({ module: 'instant-messaging', dataCategory: 'log-data', customerRetentionDays: 90, oldestRecordAt: before(8 * DAY) });
    expect(judge(item).verdict).toBe('violation');
  });
});

describe('calendar arithmetic in UTC', () => {
  const im = (terminated: string, capturedAt: string) =>
    makeItem({ module: 'instant-messaging', dataCategory: 'configuration-data', capturedAt, oldestRecordAt: '2025-01-01T00:00:00Z', events: { serviceTerminatedAt: terminated } });

  it('2 months after 31 Dec is the end of February', () => {
    expect(judge(im('2025-12-31T00:00:00Z', '2026-02-28T00:00:00Z'))).toMatchObject({ verdict: 'due-soon', deadline: '2026-02-28T00:00:00.000Z' });
    expect(judge(im('2025-12-31T00:00:00Z', '2026-02-28T00:00:00.001Z')).verdict).toBe('violation');
  });

  it('in a leap year it is 29 February', () => {
    expect(judge(im('2027-12-31T00:00:00Z', '2028-02-29T00:00:00Z')).deadline).toBe('2028-02-29T00:00:00.000Z');
  });

  it('31 Jan + 1 month = 28 Feb (a one-month clause)', () => {
    expect(addPeriod(Date.parse('2026-01-31T10:00:00Z'), { months: 1 })).toBe(Date.parse('2026-02-28T10:00:00Z'));
    expect(addPeriod(Date.parse('2028-01-31T10:00:00Z'), { months: 1 })).toBe(Date.parse('2028-02-29T10:00:00Z'));
  });

  it('timestamps with offsets are compared as instants', () => {
    // 7 days after 2026-11-13T10:00+08:00 (= 02:00Z) is exactly the capture time 2026-11-20T02:00Z.
    const item = makeItem({ oldestRecordAt: '2026-11-13T10:00:00+08:00', capturedAt: '2026-11-20T10:00:00+08:00' });
    expect(judge(item)).toMatchObject({ verdict: 'due-soon', deadline: '2026-11-20T02:00:00.000Z' });
    expect(judge({ ...item, oldestRecordAt: '2026-11-13T09:59:59.999+08:00' }).verdict).toBe('violation');
    expect(judge({ ...item, capturedAt: '2026-11-19T21:00:00-05:00' }).verdict).toBe('due-soon');
  });

  it('days are 24-hour days, not calendar days', () => {
    // Whatever the local time zone of the machine, 7 days is 168 hours.
    expect(judge(makeItem({ oldestRecordAt: before(7 * DAY) })).deadline).toBe(CAPTURED);
  });
});
