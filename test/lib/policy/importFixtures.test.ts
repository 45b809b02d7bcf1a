import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadCatalog } from '../../../lib/catalog/loadCatalog';
import { evaluate } from '../../../lib/engine/evaluate';
import { importPolicy } from '../../../lib/policy/import/importPolicy';

/** Modules the importer was never tuned on (test/fixtures/policy-import/), in the seeds' shapes. */
const FIXTURES = resolve(__dirname, '../../fixtures/policy-import');
const dir = mkdtempSync(join(tmpdir(), 'policy-fixtures-'));
const drafts = Object.fromEntries(
  [
    ['domain-hosting', 'domain-hosting.txt'],
    ['video-meetings', 'video-meetings.md'],
    ['analytics-suite', 'analytics-suite.txt'],
    ['cloud-call-center', 'cloud-call-center.txt'],
    ['team-chat', 'team-chat.md'],
  ].map(([module, file]) => [module!, importPolicy(join(FIXTURES, file!), { moduleId: module!, policiesDir: dir }).ruleFile]),
);
const clausesOf = (module: string, category: string) => drafts[module]!.clauses.filter((clause) => clause.categories.includes(category));

describe('policy import of never-seen modules', () => {
  it('drafts rule files the catalog loads', () => {
    expect([...loadCatalog(dir).modules.keys()].sort()).toEqual(['analytics-suite', 'cloud-call-center', 'domain-hosting', 'team-chat', 'video-meetings']);
  });

  it('reads a table written as lines: number words, a domain expiry declared as a new event, "immediately" as a zero period', () => {
    const draft = drafts['domain-hosting']!;
    expect(draft.events).toEqual({ domainExpiredAt: { name: 'domain expiry' } });
    expect(clausesOf('domain-hosting', 'registrant-information')).toMatchObject([{ kind: 'event-bound', period: { days: 60 }, events: ['domainExpiredAt'] }]);
    expect(clausesOf('domain-hosting', 'dns-query-logs')).toMatchObject([{ kind: 'fixed-period', period: { days: 15 }, confidence: 'high' }]);
    expect(clausesOf('domain-hosting', 'payment-records')).toMatchObject([{ kind: 'fixed-period', period: { months: 12 } }]);
    expect(clausesOf('domain-hosting', 'support-tickets')).toMatchObject([{ kind: 'event-bound', period: { days: 0 }, events: ['accountDeletedAt'], confidence: 'high' }]);
  });

  it('reads a Markdown table: a contract end or a request, whichever happens first, a size cap; a range and a vague period become review', () => {
    expect(drafts['video-meetings']!.events).toEqual({ contractEndedAt: { name: 'end of the contract' } });
    // "90 days after the end of the contract or upon your deletion request": the 90 days are the contract's; a request names no period.
    expect(clausesOf('video-meetings', 'meeting-recordings')).toMatchObject([
      { kind: 'event-bound', period: { days: 90 }, events: ['contractEndedAt'] },
      { kind: 'until-event', events: ['deletionRequestedAt'], confidence: 'medium' },
    ]);
    expect(clausesOf('video-meetings', 'participant-information')).toMatchObject([{ kind: 'until-event', events: ['serviceTerminatedAt', 'accountDeletedAt'] }]);
    expect(clausesOf('video-meetings', 'call-quality-data')).toMatchObject([{ kind: 'size-cap', maxBytes: 500 * 2 ** 20 }]);
    expect(clausesOf('video-meetings', 'transcripts')).toMatchObject([{ kind: 'review', check: expect.stringMatching(/range/) }]);
    expect(clausesOf('video-meetings', 'face-images')).toMatchObject([{ kind: 'review', check: expect.stringMatching(/a few days/) }]);
    expect(drafts['video-meetings']!.categories['face-images']).toEqual({ name: 'Face Images', sensitivity: 'special', specialCategory: 'biometric' });
  });

  it('reads sentences and lists: several categories in one statement, customer-set periods, purposes, consent', () => {
    expect(clausesOf('analytics-suite', 'event-data')).toMatchObject([{ kind: 'fixed-period', period: { months: 12 }, categories: ['event-data', 'audience-profiles', 'export-files'] }]);
    expect(clausesOf('analytics-suite', 'health-survey-data')).toMatchObject([
      { kind: 'customer-defined' },
      { kind: 'event-bound', period: { days: 14 }, events: ['serviceTerminatedAt', 'accountDeletedAt'] },
      { kind: 'event-bound', period: { days: 14 }, events: ['consentWithdrawnAt'], confidence: 'medium' },
    ]);
    const crash = clausesOf('analytics-suite', 'crash-reports');
    expect(crash).toMatchObject([{ kind: 'fixed-period', period: { days: 7 } }, { kind: 'purpose-extension', purpose: 'billing', supersedes: [crash[0]!.id] }]);
    expect(clausesOf('analytics-suite', 'access-logs')).toMatchObject([{ kind: 'review', check: expect.stringMatching(/minimum/) }]);
  });

  it('never drafts a wrong period for qualified statements: a default the customer may replace, a longer period for a purpose, two events with two periods', () => {
    const recordings = clausesOf('cloud-call-center', 'call-recordings');
    expect(recordings).toMatchObject([
      { kind: 'fixed-period', period: { days: 90 }, confidence: 'high' },
      { kind: 'customer-defined', supersedes: [recordings[0]!.id] },
    ]);
    expect(clausesOf('cloud-call-center', 'agent-information')).toMatchObject([{ kind: 'review', check: expect.stringMatching(/agent account/) }]);
    expect(clausesOf('cloud-call-center', 'call-detail-records')).toMatchObject([
      { kind: 'fixed-period', period: { months: 6 }, confidence: 'medium', check: expect.stringMatching(/billing.*12 months/) },
      { kind: 'review', check: expect.stringMatching(/12 months for billing purposes.*decide/) },
    ]);
    expect(clausesOf('cloud-call-center', 'voiceprint-data')).toMatchObject([
      { kind: 'event-bound', period: { days: 0 }, events: ['consentWithdrawnAt'] },
      { kind: 'event-bound', period: { days: 30 }, events: ['serviceTerminatedAt', 'accountDeletedAt'] },
    ]);
    expect(clausesOf('cloud-call-center', 'operation-logs')).toMatchObject([{ kind: 'fixed-period', period: { months: 12 }, confidence: 'high' }]);
  });

  it('reads Markdown table rows: a maximum, "two (2) years", and review for a legal extension, an unrecorded moment, anonymisation', () => {
    expect(clausesOf('team-chat', 'chat-messages')).toMatchObject([{ kind: 'fixed-period', period: { months: 24 }, confidence: 'high' }]);
    expect(clausesOf('team-chat', 'invoices')).toMatchObject([{ kind: 'review', check: expect.stringMatching(/tax law/) }]);
    expect(clausesOf('team-chat', 'login-history')).toMatchObject([{ kind: 'review', check: expect.stringMatching(/last login/) }]);
    expect(clausesOf('team-chat', 'usage-statistics')).toMatchObject([{ kind: 'review', check: expect.stringMatching(/anonymisation/) }]);
    expect(clausesOf('team-chat', 'uploaded-files')).toMatchObject([
      { kind: 'event-bound', period: { days: 7 }, events: ['deletionRequestedAt'] },
      { kind: 'event-bound', period: { days: 30 }, events: ['accountDeletedAt'] },
    ]);
  });

  it('cites the document verbatim: every clause text stands in its source', () => {
    for (const draft of Object.values(drafts)) {
      const source = readFileSync(join(FIXTURES, draft.source), 'utf8');
      for (const clause of draft.clauses) expect(source).toContain(clause.text);
    }
  });

  it('audits items with the declared event', () => {
    const item = {
      snapshotId: 's', itemId: 'i', capturedAt: '2026-11-20T00:00:00Z', tenantId: 't', module: 'domain-hosting',
      dataCategory: 'registrant-information', store: { type: 'mysql', resource: 'r' }, recordCount: 3, bytes: 10,
      oldestRecordAt: '2025-01-01T00:00:00Z', events: { domainExpiredAt: '2026-08-01T00:00:00Z' },
    };
    expect(evaluate(item, loadCatalog(dir)).verdict).toBe('violation');
    expect(evaluate({ ...item, events: { domainExpiredAt: '2026-11-01T00:00:00Z' } }, loadCatalog(dir)).verdict).toBe('compliant');
  });
});
