import { composeDigest, composeFailure, digestSubject } from '../../../lib/delivery/digest';
import type { WaiverUsage } from '../../../lib/engine/insights';
import { emptySummary, type ReportHead } from '../../../lib/report/ReportModel';

function head(overrides: Partial<ReportHead> = {}, summary: Partial<ReturnType<typeof emptySummary>> = {}): ReportHead {
  const base = emptySummary();
  base.items = 45;
  base.byVerdict.violation = 18;
  base.byVerdict['due-soon'] = 6;
  base.specialCategoryViolations = 4;
  return {
    schemaVersion: '1.1',
    run: { id: 'audit-x', trigger: 'schedule', startedAt: '', finishedAt: '', snapshotId: 'snap-1', snapshotCapturedAt: null, catalogVersion: 'sha256:0', source: 't', graceDays: 30 },
    summary: { ...base, ...summary },
    ...overrides,
  };
}

describe('the digest subject', () => {
  it('leads with what is new when there is an earlier run', () => {
    const changes = { previousRunId: 'audit-w', previousCapturedAt: null, new: 5, persisting: 40, resolved: 2, newViolations: 3 };
    expect(digestSubject(head({ changes }))).toBe('[Retention audit] 3 new violations, 2 resolved — 18 open (4 special-category), 6 due soon — snapshot snap-1');
  });

  it('says STALE INVENTORY and INCOMPLETE first', () => {
    const stale = { stale: true, capturedAt: null, ageHours: 72, thresholdHours: 48 };
    expect(digestSubject(head({ stale }, { complete: false }))).toMatch(/^\[Retention audit\] INCOMPLETE — STALE INVENTORY — 18 violations/);
  });

  it('a first run and an all-clear run', () => {
    expect(digestSubject(head({ changes: { previousRunId: null, previousCapturedAt: null, new: 45, persisting: 0, resolved: 0, newViolations: 18 } }))).toBe(
      '[Retention audit] 18 violations (4 special-category), 6 due soon — snapshot snap-1',
    );
    const clear = emptySummary();
    clear.items = 2;
    expect(digestSubject(head({}, { ...clear }))).toBe('[Retention audit] All clear: no violations in 2 items, 0 due soon — snapshot snap-1');
  });
});

const delivery = { attached: [], notAttached: [], retrieval: 'Every report is in /tmp/reports.' };
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
const usage = (overrides: Partial<WaiverUsage>): WaiverUsage => ({
  id: 'W-1',
  scope: { tenantId: 'tenant-a', module: 'instant-messaging' },
  reason: 'incident',
  approver: 'dpo@example.com',
  createdAt: '2026-11-01T00:00:00Z',
  expiresAt: '2027-01-31T00:00:00Z',
  status: 'active',
  covered: 3,
  activeAgain: 0,
  ...overrides,
});

describe('the digest lists the waivers in force', () => {
  const waivers = [usage({}), usage({ id: 'W-2', scope: { module: 'facial-recognition' }, approver: 'ciso@example.com', covered: 1 }), usage({ id: 'W-OLD', status: 'expired' })];

  it('in the text: id, scope, approver, expiry and the findings each waived', () => {
    const { text } = composeDigest(head({ waivers }), delivery);
    expect(text).toContain(
      [
        'Waivers in force (2), their findings are not counted as violations:',
        '  W-1: tenantId=tenant-a, module=instant-messaging; approved by dpo@example.com; expires 2027-01-31; waived 3 findings.',
        '  W-2: module=facial-recognition; approved by ciso@example.com; expires 2027-01-31; waived 1 finding.',
      ].join('\n'),
    );
    expect(text).not.toMatch(/W-OLD:/);
  });

  it('in the HTML, escaped', () => {
    const { html } = composeDigest(head({ waivers: [usage({ id: 'W-<b>', scope: { tenantId: '<script>' } })] }), delivery);
    expect(html).toContain('<strong>Waivers in force (1)</strong>');
    expect(html).toContain('<li><strong>W-&lt;b&gt;</strong>: tenantId&#x3D;&lt;script&gt;; approved by dpo@example.com; expires 2027-01-31; waived 3 findings.</li>');
  });

  it('and says nothing of them when none is in force', () => {
    expect(composeDigest(head({ waivers: [usage({ status: 'stale', covered: 0 })] }), delivery).text).not.toMatch(/in force/);
  });
});

describe('no control character from the input reaches the mail', () => {
  const evil = head({
    run: {
      id: 'audit-x',
      trigger: 'schedule',
      startedAt: '',
      finishedAt: '',
      snapshotId: 'snap\r\nBcc: victim@example.com\u001b]8;;http://evil\u0007',
      snapshotCapturedAt: null,
      catalogVersion: 'sha256:0',
      source: 't',
      graceDays: 30,
    },
    waivers: [usage({ id: 'W\u001b[2J', approver: 'a@example.com\r\nX-Injected: 1' })],
  }, { complete: false, incompleteReasons: ['line\u0000\u202eevil'] });

  it('the subject is one header line: CR and LF are escaped, an over-long id is cut', () => {
    const subject = digestSubject(evil);
    expect(subject).toBe('[Retention audit] INCOMPLETE — 18 violations (4 special-category), 6 due soon — snapshot snap\\x0d\\x0aBcc: victim@example.com\\x1b]8;;http://evil\\x07');
    expect(subject).not.toMatch(RAW_CONTROL);
    const long = digestSubject(head({ run: { ...evil.run, snapshotId: 'x'.repeat(500) } }));
    expect(long).toMatch(/ — snapshot x{79}…$/);
  });

  it('the text and the HTML carry escapes instead of controls', () => {
    const mail = composeDigest(evil, { ...delivery, retrieval: 'in /tmp/\u001b[2J', command: 'npm start -- fetch \u0007' });
    for (const part of [mail.subject, mail.text, mail.html]) expect(part).not.toMatch(RAW_CONTROL);
    expect(mail.text).toContain('W\\x1b[2J: tenantId=tenant-a');
    expect(mail.text).toContain('  - line\\x00\\u202eevil');
    expect(mail.text).toContain('in /tmp/\\x1b[2J');
    expect(mail.html).toContain('approved by a@example.com\\x0d\\x0aX-Injected: 1');
  });

  it('the failure mail too', () => {
    const mail = composeFailure({ runId: 'audit-\r\nBcc: x', trigger: 'http', requestedBy: 'arn:\u001b[2J' }, 'Snapshot \u001b]8;;http://evil\u0007 is not in the table.');
    expect(mail.subject).toBe('[Retention audit] FAILED — run audit-\\x0d\\x0aBcc: x');
    for (const part of [mail.subject, mail.text, mail.html]) expect(part).not.toMatch(RAW_CONTROL);
    expect(mail.text).toContain('Error: Snapshot \\x1b]8;;http://evil\\x07 is not in the table.');
  });
});
