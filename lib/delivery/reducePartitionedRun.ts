/**
 * The reduce step of a run on the state machine: every partition's result
 * fetched from the run-files bucket and its sorted findings streamed from there
 * (ranged GETs of their segments, nothing staged in /tmp), merged into the run's
 * reports (runAudit with `mapped`, lib/partitioned/reduceMapped.ts), then finished exactly as a one-Lambda run is
 * (completeRun): reports stored with their SHA-256 in the reports bucket,
 * history, delivery, status.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAudit } from '../audit/runAudit';
import { compileWaivers } from '../engine/waivers';
import { DynamoInventorySource } from '../inventory/DynamoInventorySource';
import { fetchPartitions, fetchRanges } from './partitionResults';
import { completeRun } from './completeRun';
import { auditOptions } from './auditOptions';
import type { AuditDependencies, RunLimits } from './executeAudit';
import { partitionedRunKeys, readRunPlan, type PartitionedRunPlan } from './PartitionedRunPlan';
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
  try {
    let result;
    try {
      const results = await fetchPartitions(plan, deps, session.signal);
      deps.log('info', 'audit reducing', { runId, partitions: results.length, failed: results.filter((r) => r.status === 'failed').length });
      const engine = { ...deps.engine, waivers: compileWaivers(plan.waivers), capturedNotAfterMs: plan.capturedNotAfterMs };
      result = await runAudit({
        ...auditOptions(record, deps, session, workDir),
        // Opened again for the snapshot's facts (manifest, capture time); the findings come from the partitions.
        source: new DynamoInventorySource(deps.inventory, { snapshotId: plan.snapshotId, mode: 'query', segments: 1 }),
        engine,
        startedAt: new Date(plan.startedAt),
        mapped: {
          results,
          lines: (index, segment) => deps.runFiles.lines(partitionedRunKeys.lines(runId, index), { range: segment, signal: session.signal }),
          ...(plan.diffRanges === null ? {} : { diffed: await fetchRanges(plan, deps, session.signal) }),
        },
      });
    } catch (thrown) {
      // Nothing is stored or committed yet: throttling is the state machine's to retry.
      if (isRetried(thrown)) throw forStateMachine(thrown);
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

