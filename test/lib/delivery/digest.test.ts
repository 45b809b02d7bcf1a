import { reportFormats, type FormatId } from '../../../lib/report/formats/reportFormats';
import { composeDigest, composeFailure, digestSubject, splitAttachments } from '../../../lib/delivery/digest';
import type { WaiverUsage } from '../../../lib/engine/insights';
import { emptySummary, type ReportHead, type SeriousFinding } from '../../../lib/report/ReportModel';

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

describe('the digest lists the most serious findings', () => {
  const serious = (overrides: Partial<SeriousFinding> = {}): SeriousFinding => ({
    itemId: 'item-1',
    verdict: 'violation',
    severity: 'critical',
    tenantId: 'tenant-umbrella',
    module: 'facial-recognition',
    dataCategory: 'face-features',
    resource: 'fr-prod/features',
    specialCategory: 'biometric',
    deadline: '2026-08-22T02:00:00.000Z',
    overdueDays: 90,
    clause: { source: '002_f5a40b1e161a29ce.txt', text: 'Stored for lifetime of the Service or until you submit a data deletion request' },
    ...overrides,
  });
  const list = [
    serious(),
    serious({ itemId: 'item-2', severity: 'high', specialCategory: null, tenantId: 'tenant-acme', module: 'instant-messaging', dataCategory: 'log-data', resource: null, overdueDays: 12.5, clause: { source: '003_1f8b3763d6817eed.txt', text: 'Stored for 7 days.' } }),
    serious({ itemId: 'item-3', verdict: 'due-soon', severity: 'low', specialCategory: null, overdueDays: null, deadline: '2026-11-25T02:00:00.000Z', clause: null }),
  ];

  it('in the text: severity, tenant, module and category, days overdue, the clause words and their document', () => {
    const { text } = composeDigest(head(), delivery, list);
    expect(text).toContain(
      [
        'Most serious findings (3 of 24 violations and deadlines due soon: violations first, then by severity, special-category data, days overdue):',
        '  1. CRITICAL violation, biometric data: tenant tenant-umbrella, facial-recognition / face-features (fr-prod/features), 90 days overdue.',
        '     Clause (002_f5a40b1e161a29ce.txt): "Stored for lifetime of the Service or until you submit a data deletion request"',
        '  2. HIGH violation: tenant tenant-acme, instant-messaging / log-data, 12.5 days overdue.',
        '     Clause (003_1f8b3763d6817eed.txt): "Stored for 7 days."',
        '  3. LOW due soon: tenant tenant-umbrella, facial-recognition / face-features (fr-prod/features), due 2026-11-25.',
        '',
      ].join('\n'),
    );
  });

  it('in the HTML, as a table, everything from the data escaped', () => {
    const hostile = serious({ tenantId: '<script>alert(1)</script>', resource: 'a"b&c', clause: { source: 'x.txt', text: 'kept <b>forever</b> \u001b[2J' } });
    const { html, text } = composeDigest(head(), delivery, [hostile]);
    expect(html).toContain('<strong>Most serious findings</strong> (1 of 24 violations');
    expect(html).toContain('<td style="padding: 4px 8px 4px 0; border-top: 1px solid #e5e7eb;">&lt;script&gt;alert(1)&lt;&#x2F;script&gt;</td>');
    expect(html).toContain('<code>a&quot;b&amp;c</code>');
    expect(html).toContain('&ldquo;kept &lt;b&gt;forever&lt;&#x2F;b&gt; \\x1b[2J&rdquo;');
    expect(html).not.toContain('<script>');
    for (const part of [html, text]) expect(part).not.toMatch(RAW_CONTROL);
  });

  it('cuts long tenant ids and clause words; says nothing when there is nothing to list', () => {
    const { text } = composeDigest(head(), delivery, [serious({ tenantId: 't'.repeat(500), clause: { source: 'x.txt', text: 'w'.repeat(1000) } })]);
    expect(text).toContain(`tenant ${'t'.repeat(119)}…,`);
    expect(text).toContain(`"${'w'.repeat(299)}…"`);
    expect(composeDigest(head(), delivery).text).not.toMatch(/Most serious/);
    expect(composeDigest(head(), delivery, []).html).not.toMatch(/Most serious/);
  });
});

describe('the digest draws the trend of the scope', () => {
  const point = (day: number, openViolations: number, newViolations: number, resolvedViolations: number) => ({
    runId: `audit-${day}`,
    finishedAt: `2026-11-${day}T02:00:00.000Z`,
    openViolations,
    newViolations,
    resolvedViolations,
  });
  const trend = [point(21, 10, 10, 0), point(22, 12, 3, 1), point(23, 1200, 1190, 2)];

  it('in the text: one line per run, oldest first, this run last', () => {
    const { text } = composeDigest(head({ trend }), delivery);
    expect(text).toContain(
      [
        'Open violations over the last 3 runs (oldest first; new and resolved since the run before each):',
        '  Sat 21 Nov: 10 open (+10 new, \u22120 resolved)',
        '  Sun 22 Nov: 12 open (+3 new, \u22121 resolved)',
        '  Mon 23 Nov: 1,200 open (+1,190 new, \u22122 resolved), this run',
        '',
      ].join('\n'),
    );
  });

  it('in the HTML: a bar chart of table cells (no script, no SVG, no image), bars as wide as the open violations', () => {
    const { html } = composeDigest(head({ trend }), delivery);
    expect(html).toContain('<strong>Open violations over the last 3 runs</strong>');
    const bars = [...html.matchAll(/<td width="(\d+)" height="12" bgcolor="#b91c1c"/g)].map((match) => Number(match[1]));
    // 10 and 12 of 1,200 would be under a pixel: a run with open violations keeps a visible sliver.
    expect(bars).toEqual([2, 2, 200]);
    expect(html).toContain('<strong>1,200</strong> open');
    expect(html).toContain('<span style="color: #b45309;">+1,190 new</span>, <span style="color: #15803d;">&minus;2 resolved</span> &middot; this run');
    expect(html).toContain('<td style="padding: 2px 10px 2px 0; white-space: nowrap;"><strong>Mon 23 Nov</strong></td>');
    expect(html).not.toMatch(/<svg|<img|<script/i);
  });

  it('a run with no open violation has no bar; two runs of one day show their times', () => {
    const { html, text } = composeDigest(head({ trend: [point(22, 5, 5, 0), { ...point(22, 0, 0, 5), runId: 'audit-b', finishedAt: '2026-11-22T14:05:00.000Z' }] }), delivery);
    expect([...html.matchAll(/bgcolor="#b91c1c"/g)]).toHaveLength(1);
    expect(text).toContain('  Sun 22 Nov 02:00: 5 open (+5 new, \u22120 resolved)\n  Sun 22 Nov 14:05: 0 open (+0 new, \u22125 resolved), this run\n');
  });

  it('says nothing of a trend of this run alone, or of none (no history)', () => {
    for (const alone of [head({ trend: [point(23, 1, 1, 0)] }), head()]) {
      const { text, html } = composeDigest(alone, delivery);
      expect(text).not.toMatch(/Open violations over/);
      expect(html).not.toMatch(/Open violations over/);
    }
  });

  it('escapes what it shows', () => {
    const hostile = [{ ...point(22, 1, 1, 0), finishedAt: '<b>x</b>\u001b[2J' }, point(23, 2, 1, 0)];
    const { html, text } = composeDigest(head({ trend: hostile }), delivery);
    expect(html).toContain('&lt;b&gt;x&lt;&#x2F;b&gt;\\x1b[2J');
    expect(html).not.toContain('<b>x</b>');
    for (const part of [html, text]) expect(part).not.toMatch(RAW_CONTROL);
  });
});

describe('splitAttachments', () => {
  const report = (format: FormatId, bytes: number) => ({ format, bytes, attachRank: reportFormats[format].attachRank });

  it('attaches in the formats\' order while the total fits, and never a format that is not attached', () => {
    const { attached, notAttached } = splitAttachments([report('json', 300), report('ocsf', 1), report('csv', 300), report('html', 300), report('pdf', 300)], 1000);
    expect(attached.map((r) => r.format)).toEqual(['pdf', 'html', 'csv']);
    expect(notAttached.map((r) => r.format)).toEqual(['json', 'ocsf']);
  });

  it('skips a report too large for what is left and goes on with the smaller ones', () => {
    const { attached } = splitAttachments([report('pdf', 900), report('csv', 200), report('json', 50)], 1000);
    expect(attached.map((r) => r.format)).toEqual(['pdf', 'json']);
  });
});
