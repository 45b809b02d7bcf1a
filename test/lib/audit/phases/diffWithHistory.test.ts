/**
 * The history diff as a phase: the previous completed run (or the head run of a
 * damaged history, as the basis) is what the new history writer begins from;
 * each finding gets its status and comes back in itemId order; violations gone
 * are written as resolved, holds that ended are counted; the trend ends with
 * this run's point; and a failure aborts the writer it began.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { diffWithHistory, type DiffWithHistoryInput } from '../../../../lib/audit/phases/diffWithHistory';
import { FindingRouter } from '../../../../lib/audit/phases/FindingRouter';
import { fingerprintOf, identityKey } from '../../../../lib/engine/identity';
import type { FindingState, HistoryRun, HistoryStore, HistoryWriter, PreviousRun } from '../../../../lib/history/HistoryStore';
import type { Finding } from '../../../../lib/model';
import { toJsonLine } from '../../../../lib/report/FindingSorter';
import { collect, tempDir } from '../../../helpers/files';
import { before, CAPTURED, DAY, judge, makeItem } from '../../../helpers/items';

const FIRST_SEEN = '2026-11-01T00:00:00.000Z';
const PAST: HistoryRun = { runId: 'audit-past', scope: 'estate', snapshotId: 's0', snapshotCapturedAt: FIRST_SEEN, snapshotSha256: '', finishedAt: FIRST_SEEN, reports: {}, counts: { openViolations: 2, newViolations: 2, resolvedViolations: 0 } };

function stateOf(finding: Finding, hold?: string): FindingState {
  const identity = identityKey(finding);
  return {
    key: `${identity}\u0002${finding.itemId}`,
    fingerprint: fingerprintOf(identity),
    verdict: finding.verdict,
    firstSeenAt: FIRST_SEEN,
    itemId: finding.itemId,
    tenantId: finding.tenantId,
    module: finding.module,
    dataCategory: finding.dataCategory,
    resource: finding.store?.resource ?? null,
    ...(hold ? { hold } : {}),
  };
}

/** A store whose previous run is `previous` (or a damaged head run), recording what the writer gets. */
function store(previous: PreviousRun | null, options: { damaged?: boolean; recentRuns?: () => Promise<HistoryRun[]> } = {}) {
  const written: FindingState[] = [];
  const calls: string[] = [];
  const writer: HistoryWriter = {
    write: async (state) => void written.push(state),
    commit: async () => void calls.push('commit'),
    abort: async () => void calls.push('abort'),
  };
  const history: HistoryStore = {
    previous: async (_scope, skipped) => {
      if (options.damaged) skipped?.({ reason: 'The history file runs.ndjson is damaged at line 2.', headRunId: 'audit-head' });
      return previous;
    },
    recentRuns: options.recentRuns ?? (async () => (previous ? [previous.run] : [])),
    begin: (_scope, runId, basisRunId) => {
      calls.push(`begin ${runId} on ${basisRunId}`);
      return writer;
    },
    findRun: async () => null,
    describe: () => 'test history',
  };
  return { history, written, calls };
}

async function diffOf(findings: Finding[], store: HistoryStore) {
  const router = new FindingRouter({ history: true, ordered: false, reorder: null, budgetChars: 1 << 20, emit: async () => undefined });
  for (const finding of findings) await router.add(finding, toJsonLine(finding));
  const input: DiffWithHistoryInput = {
    history: { store, scope: 'estate' },
    run: { id: 'audit-now', snapshotCapturedAt: CAPTURED, startedAt: CAPTURED, finishedAt: CAPTURED },
    openViolations: findings.filter((finding) => finding.verdict === 'violation').length,
    trendRuns: 14,
    resolvedFile: join(tempDir('diff-'), 'resolved.ndjson'),
    sqlDiff: null,
    router,
  };
  return { diff: await diffWithHistory(input), router, input };
}

describe('diffWithHistory', () => {
  const persisting = judge(makeItem({ itemId: 'p', tenantId: 'tenant-p', oldestRecordAt: before(40 * DAY) }));
  const gone = judge(makeItem({ itemId: 'g', tenantId: 'tenant-g', oldestRecordAt: before(40 * DAY) }));
  const held = judge(makeItem({ itemId: 'h', tenantId: 'tenant-h', legalHold: { reason: 'litigation' } } as never));
  const released = judge(makeItem({ itemId: 'h', tenantId: 'tenant-h' }));
  const fresh = judge(makeItem({ itemId: 'n', tenantId: 'tenant-n', oldestRecordAt: before(40 * DAY) }));
  const previous: PreviousRun = {
    run: PAST,
    async *states() {
      for (const state of [stateOf(gone), stateOf(held, 'litigation'), stateOf(persisting)].sort((a, b) => (a.key < b.key ? -1 : 1))) yield state;
    },
  };

  it('marks each finding new or persisting, lists what was resolved and the holds that ended, and ends the trend with this run', async () => {
    const { history, written, calls } = store(previous);
    const { diff, router, input } = await diffOf([fresh, persisting, released], history);
    expect(calls).toEqual(['begin audit-now on audit-past']);
    expect(diff.changes).toEqual({ previousRunId: 'audit-past', previousCapturedAt: FIRST_SEEN, new: 2, persisting: 1, resolved: 1, newViolations: 1 });
    expect(diff.holdsEnded).toEqual({ ended: 1, endedList: [{ itemId: 'h', tenantId: 'tenant-h', module: 'instant-messaging', dataCategory: 'log-data', resource: 'im/test', reason: 'litigation' }] });
    expect(diff.trendPoint).toEqual({ runId: 'audit-now', finishedAt: CAPTURED, openViolations: 2, newViolations: 1, resolvedViolations: 1 });
    expect(diff.trend).toEqual([{ runId: 'audit-past', finishedAt: FIRST_SEEN, ...PAST.counts }, diff.trendPoint]);
    expect(diff.warnings).toEqual([]);
    // The findings come back annotated, in itemId order; their states went to the writer.
    const lines = (await collect(router.inItemIdOrder())).map(({ line }) => JSON.parse(line) as Finding & { status: string; firstSeenAt: string });
    expect(lines.map((f) => [f.itemId, f.status])).toEqual([['h', 'new'], ['n', 'new'], ['p', 'persisting']]);
    expect(lines[2]!.firstSeenAt).toBe(FIRST_SEEN);
    expect(written.map((state) => state.itemId).sort()).toEqual(['h', 'n', 'p']);
    const resolved = readFileSync(input.resolvedFile, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    expect(resolved).toEqual([expect.objectContaining({ itemId: 'g', status: 'resolved', previousVerdict: 'violation', firstSeenAt: FIRST_SEEN })]);
  });

  it('compares with nothing on a damaged history, says why, and begins from its head run', async () => {
    const { history, calls } = store(null, { damaged: true });
    const { diff } = await diffOf([fresh], history);
    expect(calls).toEqual(['begin audit-now on audit-head']);
    expect(diff.warnings).toEqual(['The history file runs.ndjson is damaged at line 2.']);
    expect(diff.changes).toMatchObject({ previousRunId: null, new: 1, newViolations: 1 });
    expect(diff.trend).toEqual([diff.trendPoint]);
  });

  it('aborts the writer it began when the diff fails', async () => {
    const { history, calls } = store(previous, { recentRuns: async () => Promise.reject(new Error('index unreadable')) });
    await expect(diffOf([fresh], history)).rejects.toThrow('index unreadable');
    expect(calls).toEqual(['begin audit-now on audit-past', 'abort']);
  });
});
