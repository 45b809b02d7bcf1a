/**
 * The reduce's refusals, at its edges: ranges diffed against another run than
 * the one it compares with, and partitions mapped for another kind of run.
 */
import { runAudit, type RunAuditOptions } from '../../../lib/audit/runAudit';
import { FileHistoryStore } from '../../../lib/history/FileHistoryStore';
import { FileInventorySource } from '../../../lib/inventory/FileInventorySource';
import type { DiffedRange } from '../../../lib/partitioned/diffRange';
import type { PartitionResult } from '../../../lib/partitioned/Partition';
import { tempDir, writeTemp } from '../../helpers/files';
import { catalog, makeItem } from '../../helpers/items';

const empty = async function* (): AsyncIterable<never> {};

function options(file: string, historyDir: string, runId: string): RunAuditOptions {
  return {
    source: new FileInventorySource(file),
    catalog: catalog(),
    engine: { graceDays: 30, waivers: [] },
    formats: ['json'],
    outDir: tempDir('reduce-'),
    trigger: 'cli',
    runId,
    history: { store: new FileHistoryStore(historyDir), scope: 'reduce' },
  };
}

describe('reduceMapped', () => {
  it('refuses ranges diffed against another run than the scope\'s latest (a run finished meanwhile), and commits nothing', async () => {
    const file = writeTemp('reduce-conflict.ndjson', JSON.stringify(makeItem()));
    const historyDir = tempDir('reduce-history-');
    const first = await runAudit(options(file, historyDir, 'run-first'));
    expect(first.head.summary.complete).toBe(true);
    const stale: DiffedRange = {
      range: 0,
      status: 'done',
      previousRunId: null,
      counts: { new: 0, persisting: 0, resolved: 0, newViolations: 0 },
      holdsEnded: { ended: 0, endedList: [] },
      findings: 0,
      blocks: [],
      read: empty,
      states: empty,
      resolved: empty,
    };
    await expect(runAudit({ ...options(file, historyDir, 'run-second'), mapped: { results: [], lines: empty, diffed: [stale] } })).rejects.toThrow(
      'The history changed while the run was diffed: Diff range 1 of 1 was compared with run none, the reduce with run-first (another run of the scope finished meanwhile). Run the audit again.',
    );
    expect((await new FileHistoryStore(historyDir).previous('reduce'))?.run.runId).toBe('run-first');
  });

  it('refuses partitions sorted for another kind of run (by itemId, for a run with history)', async () => {
    const file = writeTemp('reduce-sorted.ndjson', JSON.stringify(makeItem()));
    const mapped: PartitionResult = { index: 0, status: 'done', findings: 0, gaps: [], digest: null, segments: [{ start: 0, end: 0, lines: 0 }], sortedBy: 'itemId', tally: undefined };
    await expect(runAudit({ ...options(file, tempDir('reduce-history-'), 'run-x'), mapped: { results: [mapped], lines: empty } })).rejects.toThrow(
      'Partition 1 was not mapped for this reduce: it recorded findings sorted by itemId, and a run with history needs them sorted by diffKey.',
    );
  });
});
