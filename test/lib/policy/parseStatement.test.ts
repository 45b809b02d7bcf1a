import { parseStatement } from '../../../lib/policy/import/parseStatement';
import { findPeriods } from '../../../lib/policy/import/periods';

describe('parseStatement', () => {
  it.each([
    ['Stored for 7 days.', { kind: 'fixed-period', period: { days: 7 } }],
    ['Stored for fifteen days.', { kind: 'fixed-period', period: { days: 15 } }],
    ['Kept for 12 months.', { kind: 'fixed-period', period: { months: 12 } }],
    ['Kept for one year.', { kind: 'fixed-period', period: { months: 12 } }],
    ['we retain information for up to 7 days after your task request', { kind: 'fixed-period', period: { days: 7 } }],
    ['within 30 days upon account deletion or the customer’s deletion request', { kind: 'event-bound', period: { days: 30 } }],
    ['we will delete this data within 30 days of such termination of your account', { kind: 'event-bound', period: { days: 30 } }],
    ['Stored for the lifetime of the Service or until you submit a data deletion request', { kind: 'until-event' }],
    ['we retain such data for the duration determined by the customer', { kind: 'customer-defined' }],
    ['Automatically deleted after storage space reaches 2GB', { kind: 'size-cap', maxBytes: 2 * 2 ** 30 }],
    ['may retain such data for a longer period (for example as long as you use the Features) for billing purposes', { kind: 'purpose-extension', purpose: 'billing' }],
  ])('%s', (text, expected) => {
    expect(parseStatement(text)).toMatchObject([expected]);
  });

  it('reads events: account closure, end of the subscription, consent withdrawal, a domain expiry, a contract end', () => {
    const events = (text: string) => (parseStatement(text)[0] as { events?: { name: string }[] }).events?.map((event) => event.name);
    expect(events('deleted within 10 days after account closure')).toEqual(['accountDeletedAt']);
    expect(events('deleted within 14 days of the end of your subscription')).toEqual(['serviceTerminatedAt', 'accountDeletedAt']);
    expect(events('deleted within 30 days after you withdraw your consent')).toEqual(['consentWithdrawnAt']);
    expect(events("deleted within sixty days after the domain's expiry")).toEqual(['domainExpiredAt']);
    expect(events('deleted within 90 days after the end of the contract or your deletion request, whichever happens first')).toEqual([
      'contractEndedAt',
      'deletionRequestedAt',
    ]);
  });

  // Unreadable wording must end in review with what to decide, never in a period.
  it.each([
    ['Generally saved for several days.', /several days/],
    ['Generally saved for a few days.', /a few days/],
    ['Kept for between 30 and 90 days.', /range/],
    ['Kept for at least 400 days.', /minimum/],
    ['Deleted within 10 business days.', /24 hours/],
    ['Kept for 30 days or until account deletion, whichever is later.', /later/],
    ['Kept for 30 days of inactivity.', /counted from "inactivity"/],
    ['Deleted at once.', /immediately|period/],
    ['We keep this data as long as necessary.', /decide/],
    ['Kept for 7 days, or 30 days for premium tenants.', /several periods/],
  ])('%s → review', (text, check) => {
    const rules = parseStatement(text);
    expect(rules).toHaveLength(1);
    const rule = rules[0]!;
    expect(rule.kind).toBe('review');
    expect(rule.check).toMatch(check);
    expect(rule).not.toHaveProperty('period');
  });

  it('never reads a period from text that names none', () => {
    expect(parseStatement('Our Ticket is 7x24 available.')).toMatchObject([{ kind: 'review' }]);
    expect(findPeriods('Our Ticket is 7x24 available.')).toEqual([]);
  });
});
