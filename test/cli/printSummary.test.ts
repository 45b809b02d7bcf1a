import { describeEngine, formatNotifications, formatSummary } from '../../cli/printSummary';
import type { AuditResult } from '../../lib/audit/runAudit';
import type { WaiverUsage } from '../../lib/engine/insights';
import { emptySummary, type ReportHead } from '../../lib/report/ReportModel';

const OSC_LINK = '\u001b]8;;http://evil\u0007click\u001b]8;;\u0007';

function result(head: Partial<ReportHead> = {}, summary: Partial<ReturnType<typeof emptySummary>> = {}, mostSerious: AuditResult['mostSerious'] = []): AuditResult {
  return {
    head: {
      schemaVersion: '1.1',
      run: { id: 'audit-x', trigger: 'cli', startedAt: '', finishedAt: '', snapshotId: 'snap-1', snapshotCapturedAt: null, catalogVersion: 'sha256:0', source: 'file inv.ndjson', graceDays: 30 },
      summary: { ...emptySummary(), ...summary },
      ...head,
    },
    reports: { json: '/tmp/out/audit-x.json' },
    sha256: {},
    mostSerious,
    engine: { kind: 'reference', auto: false, estimate: null },
  };
}

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

describe('the CLI summary', () => {
  it('lists every waiver in force: id, scope, approver, expiry and the findings it waived', () => {
    const text = formatSummary(
      result({
        waivers: [
          usage({}),
          usage({ id: 'W-2', scope: { module: 'facial-recognition', resource: 'fr/*' }, approver: 'ciso@example.com', covered: 1 }),
          usage({ id: 'W-OLD', status: 'expired', expiresAt: '2026-10-01T00:00:00Z', activeAgain: 4, covered: 0 }),
          usage({ id: 'W-GONE', status: 'stale', covered: 0 }),
        ],
      }),
    );
    expect(text).toContain(
      [
        'Waivers in force (2):',
        '  W-1: tenantId=tenant-a, module=instant-messaging; approved by dpo@example.com; expires 2027-01-31; waived 3 findings.',
        '  W-2: module=facial-recognition, resource=fr/*; approved by ciso@example.com; expires 2027-01-31; waived 1 finding.',
        'Waiver W-OLD expired on 2026-10-01: 4 findings are active again.',
        'Waiver W-GONE matches nothing in this snapshot (stale).',
      ].join('\n'),
    );
  });

  it('says nothing of waivers when there are none', () => {
    expect(formatSummary(result({ waivers: [] }))).not.toMatch(/[Ww]aiver/);
  });

  it('no control character from the input reaches the terminal, and no input text starts a line of its own', () => {
    const text = formatSummary(
      result(
        {
          run: { id: 'audit-x', trigger: 'cli', startedAt: '', finishedAt: '', snapshotId: `snap${OSC_LINK}\u001b[2J`, snapshotCapturedAt: null, catalogVersion: 'sha256:0', source: 'file \u001b[31mred.ndjson', graceDays: 30 },
          waivers: [usage({ id: 'W\u001b[2J', scope: { tenantId: 't\r\nComplete: all good' }, approver: 'a\u0007@example.com' })],
        },
        { complete: false, incompleteReasons: ['bad\u001b[1Aline'], warnings: ['\u009b2J'] },
      ),
    );
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
    expect(text).toContain('snapshot snap\\x1b]8;;http://evil\\x07click\\x1b]8;;\\x07\\x1b[2J (file \\x1b[31mred.ndjson)');
    expect(text).toContain('W\\x1b[2J: tenantId=t\\x0d\\x0aComplete: all good;');
    expect(text.split('\n').filter((line) => line.startsWith('Complete:'))).toEqual([]);
    expect(text).toContain('  - bad\\x1b[1Aline');
    expect(text).toContain('Warning: \\x9b2J');
  });

  it('lists the most serious findings as the digest does, their texts made printable', () => {
    const entry = {
      itemId: 'i-1',
      verdict: 'violation' as const,
      severity: 'critical' as const,
      tenantId: 'tenant\r\nComplete: all good',
      module: 'instant-messaging',
      dataCategory: 'log-data',
      resource: null,
      specialCategory: null,
      deadline: '2026-10-01T00:00:00.000Z',
      overdueDays: 40,
      clause: { source: '003_1f8b3763d6817eed.txt', text: 'Stored for 7 days.\u001b[2J' },
    };
    const text = formatSummary(result({}, { byVerdict: { ...emptySummary().byVerdict, violation: 3, 'due-soon': 1 } }, [entry]));
    expect(text).toContain(
      'Most serious findings (1 of 4 violations and deadlines due soon):\n  1. CRITICAL violation: tenant tenant\\x0d\\x0aComplete: all good, instant-messaging / log-data, 40 days overdue: "Stored for 7 days.\\x1b[2J"\n',
    );
    expect(formatSummary(result())).not.toMatch(/Most serious/);
  });
});

describe('the CLI lines of the channels', () => {
  it('prints one line per message: sent with its id (and findings), or NOT sent with why', () => {
    expect(
      formatNotifications([
        { channel: 'email', to: 'dpo@example.com', subject: 'S', messageId: '<1@example.com>', sentAt: '2026-11-20T06:00:10.000Z' },
        { channel: 'owner-email', to: 'alice@example.com', messageId: '<2@example.com>', findings: 3 },
        { channel: 'slack', to: 'Slack webhook (SLACK_WEBHOOK_URL)', attempts: 3, error: 'Slack webhook answered HTTP 500 after 3 attempts.' },
        { channel: 'security-hub', to: 'Security Hub 123456789012 eu-central-1', findings: 1 },
      ]),
    ).toBe(
      [
        'E-mail sent to dpo@example.com (<1@example.com>).',
        'Owner e-mail sent to alice@example.com (<2@example.com>, 3 findings).',
        'Slack message NOT sent to Slack webhook (SLACK_WEBHOOK_URL): Slack webhook answered HTTP 500 after 3 attempts.',
        'Security Hub findings sent to Security Hub 123456789012 eu-central-1 (1 finding).',
        '',
      ].join('\n'),
    );
  });

  it('keeps control sequences of a recipient or an error off the terminal', () => {
    const text = formatNotifications([{ channel: 'owner-email', to: `eve@example.com${OSC_LINK}`, error: 'refused\r\nE-mail sent to everyone.' }]);
    expect(text.split('\n')).toHaveLength(2);
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
  });
});

describe('which engine evaluated', () => {
  it('names the engine, and what --engine auto went by', () => {
    expect(describeEngine({ kind: 'sql', auto: false, estimate: null })).toBe('Engine: sql.');
    expect(describeEngine({ kind: 'reference', auto: true, estimate: { items: 45 } })).toBe('Engine: reference (--engine auto: 45 items expected, sql from 20,000).');
    expect(describeEngine({ kind: 'sql', auto: true, estimate: { items: 56_920 } })).toBe('Engine: sql (--engine auto: 56,920 items expected, sql from 20,000).');
    expect(describeEngine({ kind: 'sql', auto: true, estimate: { items: 20_000, atLeast: true } })).toBe('Engine: sql (--engine auto: at least 20,000 items expected, sql from 20,000).');
    expect(describeEngine({ kind: 'sql', auto: true, estimate: null })).toBe('Engine: sql (--engine auto: the number of items is not known, sql from 20,000).');
    expect(describeEngine({ kind: 'reference', auto: true, estimate: null, maps: true })).toBe("Engine: reference in the maps (--engine auto: the maps' engine).");
    expect(describeEngine({ kind: 'sql', auto: false, estimate: null, maps: true })).toBe('Engine: sql in the maps.');
    expect(formatSummary(result())).toContain('\nEngine: reference.\nJSON /tmp/out/audit-x.json\n');
  });
});
