/**
 * The history commit of a finished run: a complete run's entry (snapshot,
 * digest, trend counts, each report's location and SHA-256) waits for commit();
 * an incomplete run's history is aborted at once; a run that loses the race to
 * another run of its scope is told why instead of failing.
 */
import { resolve } from 'node:path';
import { commitHistory, prepareHistoryCommit, type HistoryCommitInput } from '../../../../lib/audit/phases/prepareHistoryCommit';
import { HistoryConflictError, type HistoryRun, type HistoryWriter } from '../../../../lib/history/HistoryStore';
import type { RunInfo } from '../../../../lib/report/ReportModel';

const RUN: RunInfo = {
  id: 'audit-c',
  trigger: 'cli',
  startedAt: '2026-11-21T00:00:00.000Z',
  finishedAt: '2026-11-21T00:05:00.000Z',
  snapshotId: 'snap-1',
  snapshotCapturedAt: '2026-11-20T02:00:00.000Z',
  catalogVersion: 'v',
  source: 'test',
  graceDays: 30,
  scope: 'estate',
  snapshotSha256: 'sha256:abc',
};

function writer(commit: (run: HistoryRun) => Promise<void> = async () => undefined) {
  const calls: (HistoryRun | 'abort')[] = [];
  const history: HistoryWriter = {
    write: async () => undefined,
    commit: async (run) => {
      calls.push(run);
      await commit(run);
    },
    abort: async () => void calls.push('abort'),
  };
  return { history, calls };
}

const input = (history: HistoryWriter, overrides: Partial<HistoryCommitInput> = {}): HistoryCommitInput => ({
  writer: history,
  scope: 'estate',
  run: RUN,
  complete: true,
  trendPoint: { runId: 'audit-c', finishedAt: RUN.finishedAt, openViolations: 4, newViolations: 1, resolvedViolations: 2 },
  reports: { json: 'out/audit-c.json', pdf: 'out/audit-c.pdf' },
  sha256: { json: 'j', pdf: 'p' },
  ...overrides,
});

describe('prepareHistoryCommit', () => {
  it('commits, only when asked, the entry of a complete run: reports at their absolute paths unless placed elsewhere', async () => {
    const { history, calls } = writer();
    const pending = await prepareHistoryCommit(input(history));
    expect(calls).toEqual([]);
    expect(await commitHistory(pending!)).toBeUndefined();
    expect(calls).toEqual([
      {
        runId: 'audit-c',
        scope: 'estate',
        snapshotId: 'snap-1',
        snapshotCapturedAt: '2026-11-20T02:00:00.000Z',
        snapshotSha256: 'sha256:abc',
        finishedAt: RUN.finishedAt,
        counts: { openViolations: 4, newViolations: 1, resolvedViolations: 2 },
        reports: { json: { path: resolve('out/audit-c.json'), sha256: 'j' }, pdf: { path: resolve('out/audit-c.pdf'), sha256: 'p' } },
      },
    ]);
    const placed = writer();
    await (await prepareHistoryCommit(input(placed.history, { reportLocation: (format) => `s3://bucket/audit-c.${format}`, trendPoint: null })))!.commit();
    expect(placed.calls[0]).toMatchObject({ reports: { json: { path: 's3://bucket/audit-c.json' } } });
    expect(placed.calls[0]).not.toHaveProperty('counts');
  });

  it('drops the history of an incomplete run at once', async () => {
    const { history, calls } = writer();
    expect(await prepareHistoryCommit(input(history, { complete: false }))).toBeNull();
    expect(calls).toEqual(['abort']);
  });

  it("answers why another run of the scope stayed the latest, and throws any other failure", async () => {
    const lost = writer(async () => Promise.reject(new HistoryConflictError('Run audit-c is not the latest of scope estate.')));
    expect(await commitHistory((await prepareHistoryCommit(input(lost.history)))!)).toBe('Run audit-c is not the latest of scope estate.');
    const broken = writer(async () => Promise.reject(new Error('disk full')));
    await expect(commitHistory((await prepareHistoryCommit(input(broken.history)))!)).rejects.toThrow('disk full');
  });
});
