import { parseStatement } from '../../../lib/policy/import/parseStatement';

/**
 * Wording the importer was never tuned on. Each statement must end in the exact
 * rules it states, or in `review` with what to decide: never a wrong period.
 */
const rulesOf = (text: string) =>
  parseStatement(text).map((rule) => ({
    kind: rule.kind,
    ...('period' in rule ? { period: rule.period } : {}),
    ...('events' in rule ? { events: rule.events.map((event) => event.name) } : {}),
    ...(rule.supersedesSiblings ? { supersedesSiblings: true } : {}),
  }));

describe('parseStatement on unseen wording: the exact rules', () => {
  it.each([
    [
      'Call recordings are kept for ninety days and then deleted automatically, unless you configure a different storage period in the console.',
      [{ kind: 'fixed-period', period: { days: 90 } }, { kind: 'customer-defined', supersedesSiblings: true }],
    ],
    [
      'Deleted immediately upon withdrawal of your consent, and in any case within 30 days after you terminate the Feature, whichever happens first.',
      [
        { kind: 'event-bound', period: { days: 0 }, events: ['consentWithdrawnAt'] },
        { kind: 'event-bound', period: { days: 30 }, events: ['serviceTerminatedAt', 'accountDeletedAt'] },
      ],
    ],
    ['Chat messages are retained for no longer than 2 years.', [{ kind: 'fixed-period', period: { months: 24 } }]],
    ['Invoices are kept for a period of two (2) years.', [{ kind: 'fixed-period', period: { months: 24 } }]],
    ['Retained for at most 90 days.', [{ kind: 'fixed-period', period: { days: 90 } }]],
    ['Kept for 12 months from the date of collection.', [{ kind: 'fixed-period', period: { months: 12 } }]],
    [
      'We keep contract records for the duration of the contract and three years thereafter.',
      [{ kind: 'event-bound', period: { months: 36 }, events: ['contractEndedAt'] }],
    ],
    ['Uploaded documents are deleted upon request.', [{ kind: 'until-event', events: ['deletionRequestedAt'] }]],
    [
      'Stored for 30 days after account closure, and in any case no longer than 2 years.',
      [{ kind: 'event-bound', period: { days: 30 }, events: ['accountDeletedAt'] }, { kind: 'fixed-period', period: { months: 24 } }],
    ],
    [
      'Deleted within 7 days after your deletion request and within 30 days after account closure.',
      [{ kind: 'event-bound', period: { days: 7 }, events: ['deletionRequestedAt'] }, { kind: 'event-bound', period: { days: 30 }, events: ['accountDeletedAt'] }],
    ],
    [
      'Deleted within 30 days after account closure or upon request.',
      [{ kind: 'event-bound', period: { days: 30 }, events: ['accountDeletedAt'] }, { kind: 'until-event', events: ['deletionRequestedAt'] }],
    ],
    [
      'Messages are stored for 30 days unless you set a custom retention period.',
      [{ kind: 'fixed-period', period: { days: 30 } }, { kind: 'customer-defined', supersedesSiblings: true }],
    ],
    ['Deleted immediately upon account closure.', [{ kind: 'event-bound', period: { days: 0 }, events: ['accountDeletedAt'] }]],
  ])('%s', (text, expected) => {
    expect(rulesOf(text)).toEqual(expected);
  });

  it('drafts a hedged period ("generally") at medium confidence with a check', () => {
    expect(parseStatement('Logs are generally kept for 14 days.')).toMatchObject([{ kind: 'fixed-period', period: { days: 14 }, confidence: 'medium', check: expect.stringMatching(/generally/) }]);
  });
});

describe('parseStatement on unseen wording: review, saying what to decide', () => {
  it.each([
    ['Where required for billing purposes, we retain call detail records for up to 12 months.', /12 months for billing purposes.*purpose-extension.*decide/],
    ['We delete agent information within fourteen days after the agent account is deleted.', /agent account.*decide/],
    ['Session data is kept until the end of the calendar year.', /end of the calendar year.*decide/],
    ['Inactive profiles are deleted 30 days after the last login.', /counted from "last login"/],
    ['Payment data is retained as required by law.', /legal.*"as required by law".*decide/],
    ['Usage statistics are anonymised after 12 months.', /anonymisation.*decide/],
    ['We keep backups for 35 days.', /backup.*decide/],
    ['Kept for 90 days or longer if needed for investigations.', /longer.*decide/],
    ['Retained for 3 months, except where a legal hold applies.', /exception.*decide/],
    ['Retained for 1 to 3 years.', /range/],
    ['Retained for 6 months if you enable extended logging.', /condition.*decide/],
    ['Deleted without undue delay after account closure.', /vague.*decide/],
    ['Retained for 5 years for tax purposes only.', /5 years for tax purposes.*decide/],
    ['Stored for 30 days, or longer where you configure a different storage period.', /longer.*decide/],
    ['Kept for three (2) years.', /no exact number/],
    ['Deleted within 30 days after account deletion; backups are overwritten within 35 days.', /backup|decide/],
    ['Kept for 7 days, or 30 days after account closure for premium tenants.', /decide/],
    ['Data is kept for 30 days, in which case it may be extended on request.', /decide/],
  ])('%s → review', (text, check) => {
    const rules = parseStatement(text);
    expect(rules).toHaveLength(1);
    expect(rules[0]).toMatchObject({ kind: 'review', confidence: 'low' });
    expect(rules[0]!.check).toMatch(check);
    expect(rules[0]).not.toHaveProperty('period');
  });
});
