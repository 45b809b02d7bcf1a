/**
 * The reduce step of a run on the state machine: every partition's, diff
 * range's and report part's result fetched from the run-files bucket, merged
 * into the run's head and history (runAudit with `mapped`,
 * lib/partitioned/reduceMapped.ts); the JSON and CSV reports put together in
 * the reports bucket from their parts (S3 copies them, nothing staged in
 * /tmp), the others written here; then finished exactly as a one-Lambda run is
 * (completeRun): reports stored with their SHA-256, history, delivery, status.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAudit } from '../audit/runAudit';
import { compileWaivers } from '../engine/waivers';
import { DynamoInventorySource } from '../inventory/DynamoInventorySource';
import { fetchPartitions, fetchParts, fetchRanges } from './partitionResults';
import { S3PartStore } from './S3PartStore';
import { completeRun } from './completeRun';
import { auditOptions } from './auditOptions';
import type { AuditDependencies, RunLimits } from './executeAudit';
import { partitionedRunKeys, readRunPlan } from './PartitionedRunPlan';
import type { RunRecord } from './RunRecord';
import { RunSession } from './RunSession';
import { forStateMachine, isRetried, Throttled } from './stateMachineErrors';

/**
 * Reduces a run whose partitions were mapped: a partition without a result
 * ("it recorded no result"), or whose result says failed, makes the run
 * `partial` with the partition named in the reasons. Only a run still
 * `running` with a stored plan is reduced; any other is returned as it is (a
 * retried reduce after the run ended does nothing). A failure ends the run
 * `failed` with one notice, unless the state machine retries it (`Throttled`).
 *
 * @example
 * (await reducePartitionedRun('audit-20261128T020000Z-1a2b3c', deps, limits)).status // 'succeeded'
 */
export async function reducePartitionedRun(runId: string, deps: AuditDependencies, limits?: RunLimits): Promise<RunRecord> {
  const record = await deps.runs.get(runId);
  if (!record) throw new Error(`Run ${runId} is not in the audit-runs table.`);
  const plan = record.status === 'running' ? await readRunPlan(runId, deps.runFiles) : null;
  if (!plan) {
    deps.log('warn', 'run is not running from a plan; not reducing it', { runId, status: record.status });
    return record;
  }
  const session = new RunSession(runId, deps, limits);
  const workDir = await mkdtemp(join(tmpdir(), `${runId}-reduce-`));
  // A dry run stores no report (completeRun): nothing is put together.
  const store = record.request.dryRun ? null : new S3PartStore(record, deps.runFiles, deps.reports);
  try {
    let result;
    try {
      const results = await fetchPartitions(plan, deps, session.signal);
      deps.log('info', 'audit reducing', { runId, partitions: results.length, failed: results.filter((r) => r.status === 'failed').length });
      const engine = { ...deps.engine, waivers: compileWaivers(plan.waivers), capturedNotAfterMs: plan.capturedNotAfterMs };
      const options = auditOptions(record, deps, session, workDir);
      result = await runAudit({
        ...options,
        // Opened again for the snapshot's facts (manifest, capture time); the findings come from the partitions.
        source: new DynamoInventorySource(deps.inventory, { snapshotId: plan.snapshotId, mode: 'query', segments: 1 }),
        engine,
        startedAt: new Date(plan.startedAt),
        mapped: {
          results,
          lines: (index, segment) => deps.runFiles.lines(partitionedRunKeys.lines(runId, index), { range: segment, signal: session.signal }),
          ...(plan.diffRanges === null ? {} : { diffed: await fetchRanges(plan, deps, session.signal) }),
          // The reports' parts, written by the AssembleParts map: JSON and CSV are put together in the reports bucket.
          assembled: { parts: await fetchParts(plan, deps, options.formats, session.signal), store },
        },
      });
    } catch (thrown) {
      // Nothing stored or committed yet: throttling is the state machine's to retry. Once a report is being put
      // together in the reports bucket (Object Lock keeps every version), a retry would store it twice: the run fails.
      if (isRetried(thrown) && !store?.began) throw forStateMachine(thrown);
      throw thrown;
    }
    // From here on reports are stored, history committed and mail sent: a retry would do them twice (the
    // history would then hold this very run as "the previous"), so any failure ends the run, as one Lambda's does.
    return await completeRun({ session, record, result, startedAtMs: Date.parse(record.startedAt ?? plan.startedAt) }, deps);
  } catch (thrown) {
    if (thrown instanceof Throttled) throw thrown;
    throw await session.fail(thrown);
  } finally {
    session.close();
    await rm(workDir, { recursive: true, force: true });
  }
}

