/**
 * readTrend turns a scope's recent runs into trend points, oldest first, and
 * never blocks a run: what it cannot read it leaves out and names in warnings.
 */
import { AccessDeniedError } from '../../../lib/errors';
import type { HistoryRun, HistoryStore } from '../../../lib/history/HistoryStore';
import { readTrend } from '../../../lib/history/readTrend';

const at = (n: number) => `2026-11-${String(10 + n).padStart(2, '0')}T02:00:00.000Z`;

function run(n: number, overrides: Record<string, unknown> = {}): HistoryRun {
  const counts = { openViolations: n, newViolations: 1, resolvedViolations: 0 };
  return { runId: `audit-${n}`, scope: 's', snapshotId: null, snapshotCapturedAt: null, snapshotSha256: '', finishedAt: at(n), reports: {}, counts, ...overrides } as HistoryRun;
}

/** A store whose recentRuns answers `runs` (newest first) and tells `damaged` as skipped, or throws `error`. */
function storeOf(runs: HistoryRun[], options: { damaged?: string[]; error?: Error } = {}): HistoryStore & { asked: number[] } {
  const asked: number[] = [];
  return {
    asked,
    recentRuns: async (_scope, limit, skipped) => {
      asked.push(limit);
      if (options.error) throw options.error;
      for (const reason of options.damaged ?? []) skipped?.(reason);
      return runs.slice(0, limit);
    },
    previous: async () => null,
    begin: () => {
      throw new Error('not used');
    },
    findRun: async () => null,
    describe: () => 'fake',
  };
}

const point = (n: number) => ({ runId: `audit-${n}`, finishedAt: at(n), openViolations: n, newViolations: 1, resolvedViolations: 0 });

describe('readTrend', () => {
  it('gives the points oldest first', async () => {
    const store = storeOf([run(3), run(2), run(1)]);
    expect(await readTrend(store, 's', 13, run(3))).toEqual({ points: [point(1), point(2), point(3)], warnings: [] });
    expect(store.asked).toEqual([13]);
  });

  it('asks nothing for a trend of this run alone', async () => {
    const store = storeOf([run(1)]);
    expect(await readTrend(store, 's', 0, run(1))).toEqual({ points: [], warnings: [] });
    expect(store.asked).toEqual([]);
  });

  it('ends with the latest run even when the index lags behind it (DynamoDB indexes are eventually consistent)', async () => {
    expect((await readTrend(storeOf([run(2), run(1)]), 's', 2, run(3))).points).toEqual([point(2), point(3)]);
  });

  it('names runs whose counts or end are damaged, leaves out quietly those recorded before trends', async () => {
    const store = storeOf([
      run(5),
      run(4, { counts: { openViolations: -1, newViolations: 0, resolvedViolations: 0 } }),
      run(3, { counts: undefined }),
      run(2, { counts: 'x' }),
      run(1, { finishedAt: 'yesterday' }),
    ]);
    const { points, warnings } = await readTrend(store, 's', 10, null);
    expect(points).toEqual([point(5)]);
    expect(warnings).toEqual([
      'The trend leaves out 3 history records of scope s that cannot be read: the record of run audit-4 is damaged (openViolations is not a count); the record of run audit-2 is damaged (its counts are not an object); the record of run audit-1 is damaged (no finishedAt timestamp).',
    ]);
  });

  it('names three damaged records and counts the rest', async () => {
    const damaged = ['line 1 is damaged', 'line 2 is damaged', 'line 3 is damaged', 'line 4 is damaged', 'line 5 is damaged'];
    const { warnings } = await readTrend(storeOf([run(6)], { damaged }), 's', 10, null);
    expect(warnings).toEqual(['The trend leaves out 5 history records of scope s that cannot be read: line 1 is damaged; line 2 is damaged; line 3 is damaged; and 2 more.']);
  });

  it('a store that cannot be listed (no permission) shows the latest earlier run alone, and says why', async () => {
    const error = new AccessDeniedError('DynamoDB denied dynamodb:Query on the run history in runs: grant it to the function’s role.');
    const { points, warnings } = await readTrend(storeOf([], { error }), 's', 13, run(7));
    expect(points).toEqual([point(7)]);
    expect(warnings).toEqual([`The trend shows only the latest earlier run of scope s: ${error.message}`]);
  });

  it('an error that is no store error is a bug, and is thrown', async () => {
    await expect(readTrend(storeOf([], { error: new TypeError('boom') }), 's', 13, null)).rejects.toThrow('boom');
  });
});
