/**
 * A partitioned run in one place: plan (the run and its partitions), map (each
 * partition read and evaluated apart, by default a few at a time in this
 * process; the CLI and the bench run them as processes of their own), reduce
 * (runAudit merging what the partitions left, lib/partitioned/reduceMapped.ts). In AWS the same three steps
 * are the state machine's (lib/delivery, infra/stateMachine.js); the reports
 * are those of a one-process run of the same snapshot.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { planAudit } from '../audit/phases/planAudit';
import { runAudit, type AuditResult, type RunAuditOptions } from '../audit/runAudit';
import { readLines } from '../inventory/readLines';
import { mapInOrder } from './mapInOrder';
import type { MappedRun } from './mergeMapped';
import { mapPartition } from './mapPartition';
import { failedPartition, type Partition, type PartitionResult } from './Partition';
import { diffRangeCount } from './diffRanges';
import { planPartitions } from './planPartitions';

/** One map step to run: the partition, where its lines go, and what the plan fixed for every partition. */
export interface MapTask {
  partition: Partition;
  linesPath: string;
  /** The snapshot the plan chose. */
  snapshotId: string | null;
  /** The plan's capture-time bound. */
  capturedNotAfterMs: number;
  /** The run's diff ranges when it keeps history; null without (mapPartition `diffRanges`). */
  diffRanges: number | null;
  /** Days of the deletion forecast. */
  forecastDays: number;
}

export interface PartitionedRunOptions extends RunAuditOptions {
  /** Partitions to cut the snapshot into (the source may give fewer: a JSON array is one). */
  partitions: number;
  /**
   * Runs the map steps and returns their results in task order (a step that throws is
   * recorded as a failed partition); default: in this process, `concurrency` at a time.
   */
  runMaps?: (tasks: readonly MapTask[]) => Promise<PartitionResult[]>;
  /** Map steps at once in this process (default 2). */
  concurrency?: number;
  /**
   * Ranges the history diff is cut into (lib/partitioned/diffRanges.ts; default 1): each range is
   * diffed apart, so ranges are what a reduce spread over several processes runs side by side.
   */
  diffRanges?: number;
  /** Each step of the run as it ends, with how long it took (the bench prints them). */
  onPhase?: (phase: 'plan' | 'map' | 'reduce', ms: number) => void;
  /** Each step of the reduce as it ends (lib/partitioned/reduceMapped.ts), with how long it took. */
  onReduceStep?: MappedRun['onStep'];
}

/** The run's result, with the map steps' results. */
export interface PartitionedRunResult extends AuditResult {
  partitions: PartitionResult[];
}

/**
 * Plans, maps and reduces one run.
 *
 * @example
 * const result = await runPartitioned({ ...runOptions, partitions: 8 });
 * result.partitions.filter((p) => p.status === 'failed') // none when complete
 */
export async function runPartitioned(options: PartitionedRunOptions): Promise<PartitionedRunResult> {
  let began = performance.now();
  const phase = (name: 'plan' | 'map' | 'reduce') => {
    const now = performance.now();
    options.onPhase?.(name, now - began);
    began = now;
  };
  const plan = await planAudit(options);
  const partitions = await planPartitions(options.source, options.partitions);
  const workDir = await mkdtemp(join(options.outDir, `.${plan.runId}.partitions-`));
  const linesPath = (index: number) => join(workDir, `${index}.ndjson`);
  phase('plan');
  try {
    const diffRanges = options.history ? diffRangeCount(options.diffRanges ?? 1) : null;
    const tasks = partitions.map((partition) => ({
      partition,
      linesPath: linesPath(partition.index),
      snapshotId: plan.snapshot.snapshotId,
      capturedNotAfterMs: plan.engine.capturedNotAfterMs!,
      diffRanges,
      forecastDays: options.forecastDays ?? 30,
    }));
    const results = options.runMaps
      ? await options.runMaps(tasks)
      : await mapInOrder(tasks, options.concurrency ?? 2, async (task) => {
          try {
            const source = options.source.partition?.(task.partition.spec) ?? options.source;
            return await mapPartition({
                partition: task.partition,
                source,
                catalog: options.catalog,
                engine: plan.engine,
                engineKind: options.engineKind,
                duck: options.duck,
                snapshotId: task.snapshotId,
                linesPath: task.linesPath,
                diffRanges: task.diffRanges,
                forecastDays: task.forecastDays,
                sortBudgetChars: options.sortBudgetChars,
                signal: options.signal,
              });
          } catch (error) {
            options.signal?.throwIfAborted();
            return failedPartition(task.partition, (error as Error).message);
          }
        });
    phase('map');
    const result = await runAudit({ ...options, runId: plan.runId, startedAt: plan.startedAt, engine: plan.engine, mapped: { results, lines: (index, segment) => readLines(linesPath(index), undefined, undefined, segment), onStep: options.onReduceStep } });
    phase('reduce');
    return { ...result, partitions: results };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}
