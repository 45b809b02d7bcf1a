/**
 * The plan step of a run on the state machine: claim the run, choose its
 * snapshot and capture bound once (planAudit), cut the snapshot into
 * partitions, and store the plan where the map and reduce steps read it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planAudit } from '../audit/phases/planAudit';
import { compileWaivers } from '../engine/waivers';
import { DynamoInventorySource } from '../inventory/DynamoInventorySource';
import type { Partition } from '../partitioned/Partition';
import { planPartitions } from '../partitioned/planPartitions';
import type { AuditDependencies, RunLimits } from './executeAudit';
import { executionArnOf } from './launchers';
import { partitionedRunKeys, readRunPlan, type PartitionedRunPlan } from './PartitionedRunPlan';
import type { RunRecord } from './RunRecord';
import { claimRun, RunSession } from './RunSession';
import { forStateMachine, isRetried } from './stateMachineErrors';
import { partitionCount } from '../plan/partitionCount';
import { diffRangeCount } from '../partitioned/diffRanges';

/** The plan step's answer, the state machine's input to its map: small, the plan itself is in S3. */
export interface PlannedRun {
  runId: string;
  /** Empty when there is nothing to map (the run was claimed or ended by someone else). */
  partitions: Partition[];
  /** The diff ranges by index, the state machine's input to its DiffRanges map: empty without history (a dry run) or with nothing to map. */
  ranges: number[];
  /** The reports' parts by index, the input to its AssembleParts map: empty with nothing to map. */
  parts: number[];
}

/** The state machine's map inputs for a stored plan. */
function plannedRun(plan: Pick<PartitionedRunPlan, 'runId' | 'partitions' | 'diffRanges' | 'parts'>): PlannedRun {
  const indexes = (count: number) => Array.from({ length: count }, (_, index) => index);
  return { runId: plan.runId, partitions: plan.partitions, ranges: indexes(plan.diffRanges ?? 0), parts: indexes(plan.parts) };
}

/** The state machine this deployment runs large audits on; a plan step without one is misconfigured. */
function stateMachineOf(deps: AuditDependencies): NonNullable<AuditDependencies['stateMachine']> {
  if (!deps.stateMachine) throw new Error('The plan step runs on the state machine, but STATE_MACHINE_ARN is not set in its environment.');
  return deps.stateMachine;
}

/**
 * Plans a run of the state machine: claims it (queued → running, a
 * conditional write, recording its execution), plans it, and stores
 * `runs/<runId>/plan.json`; progress then reads "0 of N partitions". A plan
 * retried by the state machine (the run is already running on this execution)
 * returns the stored plan, or plans again when none was stored; a run claimed
 * or ended by anyone else gets no partitions. A failure is recorded on the run
 * (failed, one notice) unless the state machine retries it (`Throttled`).
 *
 * @example
 * await planPartitionedRun('audit-20261128T020000Z-1a2b3c', deps) // { runId, partitions: [16 itemId ranges], ranges: [0, …, 15], parts: [0, …, 15] }
 */
export async function planPartitionedRun(runId: string, deps: AuditDependencies, limits?: RunLimits): Promise<PlannedRun> {
  const { stateMachineArn } = stateMachineOf(deps);
  const executionArn = executionArnOf(stateMachineArn, runId);
  const now = deps.now ?? (() => new Date());
  const { record, claimed } = await claimRun(runId, deps, { startedAt: now().toISOString(), executionArn });
  if (!claimed) {
    if (record.status !== 'running' || record.executionArn !== executionArn) return { runId, partitions: [], ranges: [], parts: [] };
    const stored = await readRunPlan(runId, deps.runFiles);
    if (stored) return plannedRun(stored);
    deps.log('warn', 'plan retried: planning again', { runId });
  }
  const session = new RunSession(runId, deps, limits);
  const workDir = await mkdtemp(join(tmpdir(), `${runId}-plan-`));
  try {
    const plan = await writePlan(record, deps, session, workDir);
    await deps.runs.update(runId, { progress: { phase: 'map', done: 0, total: plan.partitions.length, unit: 'partitions', at: now().toISOString() } });
    deps.log('info', 'audit planned', { runId, snapshotId: plan.snapshotId, partitions: plan.partitions.length });
    return plannedRun(plan);
  } catch (thrown) {
    if (isRetried(thrown)) throw forStateMachine(thrown);
    throw await session.fail(thrown);
  } finally {
    session.close();
    await rm(workDir, { recursive: true, force: true });
  }
}

/** Opens the snapshot once, cuts it, and stores the plan every later step reads. */
async function writePlan(record: RunRecord, deps: AuditDependencies, session: RunSession, workDir: string): Promise<PartitionedRunPlan> {
  const { request, runId } = record;
  const waivers = await deps.waivers();
  const source = new DynamoInventorySource(deps.inventory, { snapshotId: request.snapshotId, mode: 'query', segments: 1 });
  const plan = await planAudit({
    source,
    catalog: deps.catalog,
    engine: { ...deps.engine, waivers: compileWaivers(waivers) },
    formats: request.formats,
    outDir: workDir,
    trigger: record.trigger,
    runId,
    history: request.dryRun ? null : { store: deps.history, scope: deps.inventory.tableName },
    trendRuns: deps.trendRuns,
    now: deps.now,
  });
  session.signal.throwIfAborted();
  // As many partitions as the stage asks for, more when a map child could not take its share (run --explain says the same).
  const { partitions: fewest, mapItemsPerBatch } = stateMachineOf(deps);
  // The manifest's count, else the table's (DescribeTable, refreshed about every six hours): a size, not a promise.
  const items = plan.snapshot.expectedItems ?? (await deps.inventory.describeSize()).itemCount;
  const partitions = await planPartitions(source, partitionCount(items, { partitions: fewest, mapItemsPerBatch, engine: deps.evaluation?.kind }));
  const stored: PartitionedRunPlan = {
    runId,
    startedAt: plan.startedAt.toISOString(),
    // A table source always names its snapshot once opened.
    snapshotId: plan.snapshot.snapshotId!,
    capturedNotAfterMs: plan.engine.capturedNotAfterMs!,
    partitions,
    request,
    waivers,
    // The DiffRanges map diffs as many ranges as there are partitions, each in a function of its own.
    diffRanges: request.dryRun ? null : diffRangeCount(partitions.length),
    // And the AssembleParts map writes the reports in as many parts: a part holds about a partition's findings.
    parts: partitions.length,
  };
  await deps.runFiles.putJson(partitionedRunKeys.plan(runId), stored);
  return stored;
}
