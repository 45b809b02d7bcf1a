/**
 * The map step of a run on the state machine: one child of the Distributed
 * Map gets a batch of partitions; each is read and evaluated (mapPartition)
 * into /tmp, its findings' lines and its result are uploaded under the run's
 * fixed keys in the run-files bucket, and it is counted on the run record. The child's Catch calls the
 * same function with the error, and every partition of the batch without a
 * result is recorded as failed, so the reduce names it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256File } from '../audit/sha256File';
import { compileWaivers } from '../engine/waivers';
import { ThrottledError, TimedOutError } from '../errors';
import { DynamoInventorySource } from '../inventory/DynamoInventorySource';
import { mapPartition } from '../partitioned/mapPartition';
import { describePartition, failedPartition, type Partition, type PartitionResult } from '../partitioned/Partition';
import type { AuditDependencies, RunLimits } from './executeAudit';
import { partitionedRunKeys, readRunPlan, type PartitionedRunPlan } from './PartitionedRunPlan';
import { recordChildFailures } from './recordChildFailures';
import { describeStateError, forStateMachine, type StateError } from './stateMachineErrors';
import { abortAtStop } from './limits';

/** What a child of the Distributed Map passes (ItemBatcher with BatchInput); `error` when its Catch calls again. */
export interface PartitionBatchEvent {
  BatchInput: { runId: string };
  Items: Partition[];
  error?: StateError;
}

/** What the child returns (the state machine discards it: ResultPath null); for logs and tests. */
export interface MappedBatch {
  runId: string;
  partitions: { index: number; status: PartitionResult['status']; findings: number }[];
}

/**
 * Maps a batch of partitions, one after the other (each may use the whole
 * function's memory), or with `event.error` records those not mapped as
 * failed. A partition's result is written after its lines, so a result means
 * complete lines. Throws when a partition cannot be mapped (the state machine
 * retries `Throttled`, and its Catch calls back with the error); with limits,
 * it stops itself before the function's deadline with a TimedOutError.
 *
 * @example
 * await mapPartitionBatch({ BatchInput: { runId }, Items: [partition] }, deps) // { runId, partitions: [{ index: 0, status: 'done', findings: 1204 }] }
 */
export async function mapPartitionBatch(event: PartitionBatchEvent, deps: AuditDependencies, limits?: RunLimits): Promise<MappedBatch> {
  const { runId } = event.BatchInput;
  if (event.error) return { runId, partitions: await recordFailures(runId, event.Items, describeStateError(event.error), deps) };
  const plan = await readRunPlan(runId, deps.runFiles);
  if (!plan) throw new Error(`Run ${runId} has no plan in ${deps.runFiles.describe()}: it was not planned, so its partitions cannot be mapped.`);
  const run = await deps.runs.get(runId);
  if (run?.status !== 'running') {
    deps.log('warn', 'run is not running; its partitions are not mapped', { runId, status: run?.status ?? 'missing' });
    return { runId, partitions: [] };
  }
  const controller = new AbortController();
  let current: Partition | undefined;
  const clearStop = abortAtStop(controller, limits, ({ deadlineAt }) => {
    const what = current ? describePartition(current) : 'The batch';
    return new TimedOutError(`Timed out: ${what} stopped itself before its function's time limit (${deadlineAt.toISOString()}).`);
  });
  const mapped: MappedBatch['partitions'] = [];
  try {
    for (const partition of event.Items) {
      current = partition;
      const result = await mapOne(plan, partition, deps, controller.signal);
      mapped.push({ index: result.index, status: result.status, findings: result.findings });
    }
    return { runId, partitions: mapped };
  } catch (thrown) {
    const error = controller.signal.aborted ? controller.signal.reason : thrown;
    deps.log('error', 'partition not mapped', { runId, partition: current?.index, error: (error as Error).message });
    throw forStateMachine(error);
  } finally {
    clearStop();
  }
}

/** Reads and evaluates one partition into /tmp, uploads its lines and then its result, counts it done. */
async function mapOne(plan: PartitionedRunPlan, partition: Partition, deps: AuditDependencies, signal: AbortSignal): Promise<PartitionResult> {
  const { runId } = plan;
  const workDir = await mkdtemp(join(tmpdir(), `${runId}-${partition.index}-`));
  try {
    const linesPath = join(workDir, `${partition.index}.ndjson`);
    const result = await mapPartition({
      partition,
      source: DynamoInventorySource.forPartition(deps.inventory, plan.snapshotId, partition.spec),
      catalog: deps.catalog,
      engine: { ...deps.engine, waivers: compileWaivers(plan.waivers), capturedNotAfterMs: plan.capturedNotAfterMs },
      engineKind: deps.evaluation?.kind,
      duck: deps.evaluation?.duck,
      snapshotId: plan.snapshotId,
      linesPath,
      diffRanges: plan.diffRanges,
      forecastDays: deps.forecastDays,
      // /tmp, not CPU, limits a Lambda: the sort spills compressed.
      compressSpills: true,
      signal,
    });
    signal.throwIfAborted();
    // A part DynamoDB would not give after the SDK's retries (throttling, mostly): the state machine retries the
    // child with backoff, and after its retries the Catch records the partition failed. A result with gaps never stands.
    if (result.gaps.length > 0) throw new ThrottledError(`${describePartition(partition)} could not be read whole: ${result.gaps.join('; ')}`);
    await deps.runFiles.put(partitionedRunKeys.lines(runId, partition.index), linesPath, await sha256File(linesPath), 'application/x-ndjson', signal);
    await deps.runFiles.putJson(partitionedRunKeys.result(runId, partition.index), result);
    await deps.runs.countPartitionDone(runId, partition.index);
    deps.log('info', 'partition mapped', { runId, partition: partition.index, findings: result.findings, gaps: result.gaps.length });
    return result;
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

/** The child's Catch: every partition of the batch without a result is recorded as failed with the error. */
async function recordFailures(runId: string, partitions: readonly Partition[], error: string, deps: AuditDependencies): Promise<MappedBatch['partitions']> {
  const byIndex = new Map(partitions.map((partition) => [partition.index, partition]));
  return recordChildFailures(
    { runId, indexes: [...byIndex.keys()], keyOf: (index) => partitionedRunKeys.result(runId, index), failedResult: (index) => failedPartition(byIndex.get(index)!, error), what: 'partition', field: 'partition', error },
    deps,
  );
}
