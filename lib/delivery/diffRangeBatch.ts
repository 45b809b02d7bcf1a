/**
 * The diff step of a run on the state machine: one child of the DiffRanges
 * map gets a batch of diff ranges (lib/partitioned/diffRanges.ts); each is
 * diffed with the previous run (lib/partitioned/diffRange.ts) from every
 * partition's segment of that range (ranged GETs of the map steps' files), and
 * its annotated findings, new states and resolved findings go to the run-files
 * bucket under fixed keys, then its result. The reduce merges them
 * (lib/partitioned/reduceMapped.ts). The child's Catch calls the same function
 * with the error, and every range of the batch without a result is recorded as
 * failed, so the reduce names it and the run ends partial.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planAudit } from '../audit/phases/planAudit';
import { sha256File } from '../audit/sha256File';
import { compileWaivers } from '../engine/waivers';
import { DynamoInventorySource } from '../inventory/DynamoInventorySource';
import type { Block } from '../partitioned/BlockWriter';
import { describeRange, diffRange, type RangeCounts } from '../partitioned/diffRange';
import { mergeMapped, segmentLines } from '../partitioned/mergeMapped';
import type { PartitionResult } from '../partitioned/Partition';
import type { FindingState, PreviousRun, WrittenPart } from '../history/HistoryStore';
import type { RunAuditOptions } from '../audit/runAudit';
import { keyedRun } from '../report/FindingSorter';
import { bucketsOf } from '../partitioned/diffRanges';
import { auditOptions } from './auditOptions';
import type { AuditDependencies, RunLimits } from './executeAudit';
import { fetchPartitions } from './partitionResults';
import { partitionedRunKeys, readRunPlan, type PartitionedRunPlan, type RangeFile } from './PartitionedRunPlan';
import { recordChildFailures } from './recordChildFailures';
import { RunSession } from './RunSession';
import { describeStateError, forStateMachine, type StateError } from './stateMachineErrors';

/** What a child of the DiffRanges map passes (ItemBatcher with BatchInput); `error` when its Catch calls again. */
export interface RangeBatchEvent {
  BatchInput: { runId: string };
  Items: number[];
  error?: StateError;
}

/**
 * A diff range's result as `runs/<runId>/ranges/<range>.json` keeps it: with its findings' count and
 * blocks (lib/partitioned/BlockWriter.ts), and the history part its new states went to (when the
 * store keeps states by range; otherwise they are its `states` file).
 */
export type RangeResult = (RangeCounts & { status: 'done'; findings: number; blocks: Block[]; statesPart?: WrittenPart }) | { range: number; status: 'failed'; error: string };

/** What the child returns (the state machine discards it: ResultPath null); for logs and tests. */
export interface DiffedBatch {
  runId: string;
  ranges: { range: number; status: RangeResult['status']; findings: number }[];
}

/**
 * Diffs a batch of ranges, one after the other, or with `event.error` records
 * those not diffed as failed. A range's result is written after its files, so
 * a result means complete files. Throws when a range cannot be diffed (the
 * state machine retries `Throttled`, and its Catch calls back with the error);
 * with limits, it stops itself before the function's deadline.
 *
 * @example
 * await diffRangeBatch({ BatchInput: { runId }, Items: [3] }, deps) // { runId, ranges: [{ range: 3, status: 'done', findings: 61204 }] }
 */
export async function diffRangeBatch(event: RangeBatchEvent, deps: AuditDependencies, limits?: RunLimits): Promise<DiffedBatch> {
  const { runId } = event.BatchInput;
  const plan = await readRunPlan(runId, deps.runFiles);
  if (!plan) throw new Error(`Run ${runId} has no plan in ${deps.runFiles.describe()}: it was not planned, so its ranges cannot be diffed.`);
  const count = plan.diffRanges;
  if (count === null) throw new Error(`Run ${runId} keeps no history (a dry run): it has no diff ranges.`);
  const outside = event.Items.find((range) => range >= count);
  if (outside !== undefined) throw new Error(`Run ${runId} has ${count} diff ranges: there is no range ${outside + 1}.`);
  if (event.error) return { runId, ranges: await recordFailures(plan, event.Items, describeStateError(event.error), deps) };
  const record = await deps.runs.get(runId);
  if (record?.status !== 'running') {
    deps.log('warn', 'run is not running; its ranges are not diffed', { runId, status: record?.status ?? 'missing' });
    return { runId, ranges: [] };
  }
  // Its signal stops the batch before the function's deadline; a child never fails the run itself (the Catch records the ranges).
  const session = new RunSession(runId, deps, limits);
  const workDir = await mkdtemp(join(tmpdir(), `${runId}-diff-`));
  try {
    const results = await fetchPartitions(plan, deps, session.signal);
    const options = {
      ...auditOptions(record, deps, session, workDir),
      source: new DynamoInventorySource(deps.inventory, { snapshotId: plan.snapshotId, mode: 'query', segments: 1 }),
      engine: { ...deps.engine, waivers: compileWaivers(plan.waivers), capturedNotAfterMs: plan.capturedNotAfterMs },
      startedAt: new Date(plan.startedAt),
    };
    // The head as the reduce will assemble it, for the same capture time (a new finding's firstSeenAt).
    const { seenAt } = mergeMapped(options, { results }, await planAudit(options));
    const history = options.history!;
    const previous = await history.store.previous(history.scope);
    const done = results.filter((result) => result.status === 'done');
    const cut = done.find((result) => result.segments?.length !== count);
    if (cut) throw new Error(`Partition ${cut.index + 1} was cut into ${cut.segments?.length ?? 0} diff ranges, but run ${runId} has ${count}.`);
    const diffed: DiffedBatch['ranges'] = [];
    for (const range of event.Items) {
      // A retried batch leaves the ranges it diffed before as they are.
      const stored = await deps.runFiles.readJson<RangeResult>(partitionedRunKeys.range(runId, range));
      const findings = stored?.status === 'done' ? stored.findings : await diffAndStore({ plan, range, partitions: done, previous, history, seenAt, workDir, deps, signal: session.signal });
      // Counted once however often it is retried (a retry after the result was stored counts it if the first try could not).
      await deps.runs.countStepDone(runId, 'diff', range, count);
      diffed.push({ range, status: 'done', findings });
    }
    return { runId, ranges: diffed };
  } catch (thrown) {
    const error = session.signal.aborted ? session.signal.reason : thrown;
    deps.log('error', 'range not diffed', { runId, ranges: event.Items, error: (error as Error).message });
    throw forStateMachine(error);
  } finally {
    session.close();
    await rm(workDir, { recursive: true, force: true });
  }
}

/**
 * Diffs one range and stores its files, then its result (written last: a result means complete
 * files); answers how many findings it holds.
 */
async function diffAndStore(input: {
  plan: PartitionedRunPlan;
  range: number;
  partitions: readonly PartitionResult[];
  previous: PreviousRun | null;
  history: NonNullable<RunAuditOptions['history']>;
  seenAt: string;
  workDir: string;
  deps: AuditDependencies;
  signal: AbortSignal;
}): Promise<number> {
  const { plan, range, deps, signal } = input;
  const { runId } = plan;
  const rangeDir = await mkdtemp(join(input.workDir, `range-${range}-`));
  try {
    const result = await diffRange({
      range,
      ranges: plan.diffRanges!,
      current: input.partitions.map((partition) => segmentLines({ lines: (index, segment) => deps.runFiles.lines(partitionedRunKeys.lines(runId, index), { range: segment, signal }) }, partition, range)),
      previous: input.previous,
      seenAt: input.seenAt,
      workDir: rangeDir,
      sortBudgetChars: 16 << 20,
      // /tmp, not CPU, limits a Lambda: everything it writes is compressed.
      compress: true,
      signal,
    });
    const { findingsPath, statesPath, resolvedPath, compressed: _compressed, ...counts } = result;
    // The range's new states go to the history as a part of their own (the reduce's commit names it), not through the reduce.
    const { store, scope } = input.history;
    const statesPart = store.writePart ? await store.writePart(scope, runId, { index: range, buckets: bucketsOf(range, plan.diffRanges!) }, statesIn(statesPath), signal) : undefined;
    const files: [RangeFile, string][] = [['findings', findingsPath], ['resolved', resolvedPath], ...(statesPart ? [] : [['states', statesPath] as [RangeFile, string]])];
    for (const [file, path] of files) {
      await deps.runFiles.put(partitionedRunKeys.rangeFile(runId, range, file), path, await sha256File(path), 'application/octet-stream', signal);
    }
    await deps.runFiles.putJson(partitionedRunKeys.range(runId, range), { ...counts, status: 'done', ...(statesPart ? { statesPart } : {}) } satisfies RangeResult);
    deps.log('info', 'range diffed', { runId, range, findings: counts.findings, blocks: counts.blocks.length, ...counts.counts });
    return counts.findings;
  } finally {
    await rm(rangeDir, { recursive: true, force: true });
  }
}

/** A range's new states, from its file of keyed lines (Brotli), in key order. */
async function* statesIn(path: string): AsyncGenerator<FindingState> {
  for await (const { line } of keyedRun(path, true)) yield JSON.parse(line) as FindingState;
}

/** The child's Catch: every range of the batch without a result is recorded as failed with the error. */
async function recordFailures(plan: PartitionedRunPlan, ranges: readonly number[], error: string, deps: AuditDependencies): Promise<DiffedBatch['ranges']> {
  const failed = (range: number): RangeResult => ({ range, status: 'failed', error: `${describeRange(range, plan.diffRanges!)} failed: ${error}` });
  const recorded = await recordChildFailures({ runId: plan.runId, indexes: ranges, keyOf: (range) => partitionedRunKeys.range(plan.runId, range), failedResult: failed, what: 'range', field: 'range', error }, deps);
  return recorded.map(({ index, ...outcome }) => ({ range: index, ...outcome }));
}
