import { digestSubject } from '../../../lib/delivery/digest';
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
