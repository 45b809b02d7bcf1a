/** What a chat message says about a run, before Slack or Teams draw it. */
import { chatFailure, chatSummary } from '../../../../lib/delivery/notifiers/chatSummary';
import { FETCH_COMMAND, finishedRun, head, record, serious } from './webhookFixtures';

describe('chatSummary', () => {
  it('holds the counts, what is new, the most serious findings and where the reports are', () => {
    const summary = chatSummary(finishedRun());
    expect(summary).toMatchObject({
      subject: '[Retention audit] 3 new violations, 2 resolved — 18 open (4 special-category), 6 due soon — snapshot snap-2026-11-20',
      title: 'Retention audit: 18 violations',
      tone: 'attention',
      news: 'Since the last audit (run audit-20261119-0200-cd34): 3 new violations, 2 resolved, 40 findings unchanged.',
      alerts: [],
      actionable: 24,
      moreSerious: 22,
      runId: 'audit-20261120-0200-ab12',
      snapshotId: 'snap-2026-11-20',
      reports: ['JSON', 'PDF'],
      retrieval: { command: FETCH_COMMAND },
    });
    expect(summary.facts).toEqual([
      { label: 'Items audited', value: '12,345' },
      { label: 'Violations', value: '18' },
      { label: 'Due soon', value: '6' },
      { label: 'Special-category violations', value: '4' },
      { label: 'Complete', value: 'yes' },
      { label: 'New violations', value: '3' },
      { label: 'Resolved', value: '2' },
    ]);
    expect(summary.serious[0]).toMatchObject({ severity: 'CRITICAL', what: 'violation, biometric data', tenant: 'tenant-1', when: '173 days overdue' });
  });

  it("points at the reports' folder for a command-line run, which stores none", () => {
    const local = { ...finishedRun(), stored: {}, fetchCommand: '' };
    local.result = { ...local.result, reports: { json: '/home/dpo/audits/audit-1.json', pdf: '/home/dpo/audits/audit-1.pdf' } };
    expect(chatSummary(local).retrieval).toEqual({ folder: '/home/dpo/audits' });
  });

  it('says why nothing is compared: a first run, or a run without history', () => {
    const first = chatSummary(finishedRun({ head: head({ changes: { previousRunId: null, previousCapturedAt: null, new: 24, persisting: 0, resolved: 0, newViolations: 18 } }) }));
    expect(first.news).toBe('First audit of this scope: nothing to compare with yet.');
    expect(first.facts.map((f) => f.label)).not.toContain('New violations');
    expect(chatSummary(finishedRun({ head: head({ changes: null }) })).news).toBe('This run keeps no history, so nothing is compared with an earlier run.');
  });

  it('warns of an incomplete run with its first reasons, and of a stale inventory', () => {
    const reasons = ['Segment 3 could not be read.', 'Item x has no capturedAt.', 'r'.repeat(1_000), 'fourth', 'fifth'];
    const stale = { stale: true, capturedAt: '2026-11-17T02:00:00Z', ageHours: 72, thresholdHours: 48 };
    const summary = chatSummary(finishedRun({ head: head({ stale }, { complete: false, incompleteReasons: reasons }) }));
    expect(summary.title).toBe('Retention audit: 18 violations (INCOMPLETE)');
    expect(summary.facts).toContainEqual({ label: 'Complete', value: 'NO' });
    expect(summary.alerts).toEqual([
      'INCOMPLETE AUDIT: part of the snapshot could not be read or evaluated, so this run does not prove the state of all stored data.',
      '- Segment 3 could not be read.',
      '- Item x has no capturedAt.',
      `- ${'r'.repeat(299)}…`,
      '- …and 2 more (see the reports).',
      "STALE INVENTORY: the snapshot was captured 72 hours before this audit (limit 48 h), so it cannot prove today's state.",
    ]);
  });

  it('is all clear (good) with no violation and nothing due, a warning with deadlines due soon', () => {
    const clear = chatSummary(finishedRun({ head: head({}, { byVerdict: { ...head().summary.byVerdict, violation: 0, 'due-soon': 0 }, specialCategoryViolations: 0 }), mostSerious: [] }));
    expect(clear).toMatchObject({ title: 'Retention audit: all clear', tone: 'good', serious: [], moreSerious: 0, actionable: 0 });
    const due = chatSummary(finishedRun({ head: head({}, { byVerdict: { ...head().summary.byVerdict, violation: 0 } }), mostSerious: [] }));
    expect(due.tone).toBe('warning');
  });

  it('lists at most maxFindings (5 by default, never more than 10) and counts the rest', () => {
    const ten = Array.from({ length: 10 }, (_, i) => serious(i));
    expect(chatSummary(finishedRun({ mostSerious: ten })).serious).toHaveLength(5);
    expect(chatSummary(finishedRun({ mostSerious: ten }), { maxFindings: 3 })).toMatchObject({ serious: expect.any(Array), moreSerious: 21 });
    expect(chatSummary(finishedRun({ mostSerious: ten }), { maxFindings: 50 }).serious).toHaveLength(10);
    expect(chatSummary(finishedRun({ mostSerious: ten }), { maxFindings: -1 }).serious).toHaveLength(0);
  });

  it('makes every text from the inventory printable', () => {
    const summary = chatSummary(finishedRun({ head: head({ run: { ...head().run, snapshotId: 'snap\u001b[2J\u202e' } }), mostSerious: [serious(1, { tenantId: 't\r\nX-Evil: 1' })] }));
    expect(JSON.stringify(summary)).not.toMatch(/[\u0000-\u001f\u202e]/);
    expect(summary.snapshotId).toBe('snap\\x1b[2J\\u202e');
    expect(summary.serious[0]!.tenant).toBe('t\\x0d\\x0aX-Evil: 1');
  });
});

describe('chatFailure', () => {
  it('says which run failed, the error (cut when long) and what happens next', () => {
    const failure = chatFailure(record(), `DynamoDB refused Query\u001b[31m ${'x'.repeat(2_000)}`);
    expect(failure).toMatchObject({
      subject: '[Retention audit] FAILED — run audit-20261120-0200-ab12',
      title: 'Retention audit FAILED',
      sentence: 'Run audit-20261120-0200-ab12 (schedule, requested by schedule) failed and produced no trustworthy report.',
      startedAt: '2026-11-20T02:00:01.000Z',
    });
    expect(failure.error.startsWith('DynamoDB refused Query\\x1b[31m x')).toBe(true);
    expect(failure.error.length).toBeLessThanOrEqual(1_500 + 8);
  });
});
