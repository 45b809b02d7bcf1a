/** Made-up finished and failed runs for the chat notifier tests. */
import type { FinishedRun } from '../../../../lib/delivery/notifiers/Notifier';
import type { RunRecord } from '../../../../lib/delivery/RunRecord';
import { emptySummary, type ReportHead, type SeriousFinding, type Summary } from '../../../../lib/report/ReportModel';
import { reportFormats } from '../../../../lib/report/formats/reportFormats';

/** A Slack-shaped path whose last segment looks like a real token: it must never leave the notifier. */
export const SECRET_PATH = '/services/T0SECRET01/B0SECRET02/Xk9sEcReTt0kEnVaLuE123';

export function serious(index: number, overrides: Partial<SeriousFinding> = {}): SeriousFinding {
  return {
    itemId: `item-${index}`,
    verdict: 'violation',
    severity: 'critical',
    tenantId: `tenant-${index}`,
    module: 'facial-recognition',
    dataCategory: 'face-templates',
    resource: `s3://faces/tenant-${index}/`,
    specialCategory: 'biometric',
    deadline: '2026-05-01T00:00:00.000Z',
    overdueDays: 173,
    clause: { source: 'privacy-policy.md §4.2', text: 'Face templates are deleted 30 days after the contract ends.' },
    ...overrides,
  };
}

export function record(overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    runId: 'audit-20261120-0200-ab12',
    trigger: 'schedule',
    requestedBy: 'schedule',
    request: { formats: ['json', 'pdf'], notify: true, dryRun: false },
    status: 'running',
    createdAt: '2026-11-20T02:00:00.000Z',
    updatedAt: '2026-11-20T02:00:00.000Z',
    startedAt: '2026-11-20T02:00:01.000Z',
    ...overrides,
  };
}

export function head(overrides: Partial<ReportHead> = {}, summary: Partial<Summary> = {}): ReportHead {
  const base = emptySummary();
  base.items = 12_345;
  base.byVerdict.violation = 18;
  base.byVerdict['due-soon'] = 6;
  base.specialCategoryViolations = 4;
  return {
    schemaVersion: '1.1',
    run: {
      id: 'audit-20261120-0200-ab12',
      trigger: 'schedule',
      startedAt: '2026-11-20T02:00:01.000Z',
      finishedAt: '2026-11-20T02:03:00.000Z',
      snapshotId: 'snap-2026-11-20',
      snapshotCapturedAt: '2026-11-20T01:00:00.000Z',
      catalogVersion: 'sha256:abc123',
      source: 'inventory',
      graceDays: 30,
    },
    summary: { ...base, ...summary },
    changes: { previousRunId: 'audit-20261119-0200-cd34', previousCapturedAt: null, new: 5, persisting: 40, resolved: 2, newViolations: 3 },
    ...overrides,
  };
}

export const FETCH_COMMAND = 'npm start -- fetch audit-20261120-0200-ab12 --runs-table audit-runs --bucket reports --region eu-central-1';

export function finishedRun(options: { head?: ReportHead; mostSerious?: SeriousFinding[] } = {}): FinishedRun {
  return {
    record: record({ status: 'succeeded' }),
    result: {
      head: options.head ?? head(),
      mostSerious: options.mostSerious ?? [serious(1), serious(2, { severity: 'high', specialCategory: null, overdueDays: 12.5 })],
      reports: { json: '/tmp/r.json', pdf: '/tmp/r.pdf' },
      sha256: {},
    },
    stored: {
      json: { key: 'reports/2026/11/audit-20261120-0200-ab12.json', sha256: 'a'.repeat(64), bytes: 1_000 },
      pdf: { key: 'reports/2026/11/audit-20261120-0200-ab12.pdf', sha256: 'b'.repeat(64), bytes: 2_000 },
    },
    fetchCommand: FETCH_COMMAND,
    report: () => null,
    formats: reportFormats,
  };
}
