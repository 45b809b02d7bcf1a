/**
 * The Catch of a child of the state machine's maps (partitions, diff ranges, report
 * parts): the child is called again with the error, and each item of its batch
 * without a done result gets a result recording its failure, so the reduce names
 * it and the run ends partial. An item done before the error keeps its result.
 */
import type { AuditDependencies } from './executeAudit';

/** One item of the batch as recorded: its index, and its findings when it was done. */
export interface RecordedChild {
  index: number;
  status: 'done' | 'failed';
  findings: number;
}

/**
 * Records the batch's items that have no done result as failed, one after the other.
 *
 * @example
 * await recordChildFailures({ runId, indexes: [3], keyOf: (r) => partitionedRunKeys.range(runId, r), failedResult: (r) => ({ range: r, status: 'failed', error }), what: 'range', field: 'range', error }, deps)
 * // [{ index: 3, status: 'failed', findings: 0 }]
 */
export async function recordChildFailures(
  input: {
    runId: string;
    indexes: readonly number[];
    /** Where an item's result is kept (the run-files bucket). */
    keyOf: (index: number) => string;
    /** The result that records an item's failure. */
    failedResult: (index: number) => unknown;
    /** How the log names an item ("range failed", with `{ range: 3 }`). */
    what: string;
    field: string;
    error: string;
  },
  deps: Pick<AuditDependencies, 'runFiles' | 'log'>,
): Promise<RecordedChild[]> {
  const recorded: RecordedChild[] = [];
  for (const index of input.indexes) {
    const key = input.keyOf(index);
    const existing = await deps.runFiles.readJson<{ status?: string; findings?: number }>(key);
    if (existing?.status === 'done') {
      recorded.push({ index, status: 'done', findings: existing.findings ?? 0 });
      continue;
    }
    await deps.runFiles.putJson(key, input.failedResult(index));
    deps.log('error', `${input.what} failed`, { runId: input.runId, [input.field]: index, error: input.error });
    recorded.push({ index, status: 'failed', findings: 0 });
  }
  return recorded;
}
