/**
 * The assembly step of a run on the state machine: one child of the
 * AssembleParts map gets a batch of report parts (itemId ranges,
 * lib/partitioned/cutParts.ts); each is written (lib/partitioned/assemblePart.ts)
 * from the sorted findings every diff range (or, without history, every
 * partition) left in the run-files bucket, read with ranged GETs of the blocks
 * that hold it. Its files go to the run-files bucket under fixed keys, then its
 * result; the reduce puts the reports together from them in S3
 * (lib/delivery/S3PartStore.ts). The child's Catch calls the same function with
 * the error, and every part of the batch without a result is recorded as
 * failed, so the reduce names it and the run ends partial.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256File } from '../audit/sha256File';
import { assemblePart, describePart, partFormats, type PartResult } from '../partitioned/assemblePart';
import type { PartOutcome } from '../partitioned/AssembledReports';
import { cutParts, type SortedSource } from '../partitioned/cutParts';
import { partitionSource } from '../partitioned/mergeMapped';
import type { FormatId } from '../report/formats/formatIds';
import { auditOptions } from './auditOptions';
import type { AuditDependencies, RunLimits } from './executeAudit';
import { fetchPartitions, fetchRanges } from './partitionResults';
import { partitionedRunKeys, readRunPlan, type PartitionedRunPlan } from './PartitionedRunPlan';
import { recordChildFailures } from './recordChildFailures';
import { RunSession } from './RunSession';
import { describeStateError, forStateMachine, type StateError } from './stateMachineErrors';

/** What a child of the AssembleParts map passes (ItemBatcher with BatchInput); `error` when its Catch calls again. */
export interface PartBatchEvent {
  BatchInput: { runId: string };
  Items: number[];
  error?: StateError;
}

/** What the child returns (the state machine discards it: ResultPath null); for logs and tests. */
export interface AssembledBatch {
  runId: string;
  parts: { part: number; status: PartOutcome['status']; findings: number }[];
}

/**
 * Writes a batch of parts, one after the other, or with `event.error` records those
 * not written as failed. A part's result is written after its files, so a result
 * means complete files. Throws when a part cannot be written (the state machine
 * retries `Throttled`, and its Catch calls back with the error); with limits, it
 * stops itself before the function's deadline.
 *
 * @example
 * await assemblePartBatch({ BatchInput: { runId }, Items: [3] }, deps) // { runId, parts: [{ part: 3, status: 'done', findings: 61204 }] }
 */
export async function assemblePartBatch(event: PartBatchEvent, deps: AuditDependencies, limits?: RunLimits): Promise<AssembledBatch> {
  const { runId } = event.BatchInput;
  const plan = await readRunPlan(runId, deps.runFiles);
  if (!plan) throw new Error(`Run ${runId} has no plan in ${deps.runFiles.describe()}: it was not planned, so its reports cannot be written in parts.`);
  const outside = event.Items.find((part) => part >= plan.parts);
  if (outside !== undefined) throw new Error(`Run ${runId} has ${plan.parts} report parts: there is no part ${outside + 1}.`);
  if (event.error) return { runId, parts: await recordFailures(plan, event.Items, describeStateError(event.error), deps) };
  const record = await deps.runs.get(runId);
  if (record?.status !== 'running') {
    deps.log('warn', 'run is not running; its report parts are not written', { runId, status: record?.status ?? 'missing' });
    return { runId, parts: [] };
  }
  // Its signal stops the batch before the function's deadline; a child never fails the run itself (the Catch records the parts).
  const session = new RunSession(runId, deps, limits);
  const workDir = await mkdtemp(join(tmpdir(), `${runId}-parts-`));
  try {
    const sources = await sortedSources(plan, deps, session.signal);
    const cuts = cutParts(sources.map((source) => source.blocks), plan.parts);
    const { formats, pdfRowsPerModule } = auditOptions(record, deps, session, workDir);
    const written: AssembledBatch['parts'] = [];
    for (const part of event.Items) {
      // A retried batch leaves the parts it wrote before as they are.
      const stored = await deps.runFiles.readJson<PartOutcome>(partitionedRunKeys.part(runId, part));
      const findings =
        stored?.status === 'done'
          ? stored.findings
          : await assembleAndStore({ plan, part, cuts, sources, formats, pdfRowsPerModule: pdfRowsPerModule ?? 200, workDir, deps, signal: session.signal });
      // Counted once however often it is retried.
      await deps.runs.countStepDone(runId, 'assemble', part, plan.parts);
      written.push({ part, status: 'done', findings });
    }
    return { runId, parts: written };
  } catch (thrown) {
    const error = session.signal.aborted ? session.signal.reason : thrown;
    deps.log('error', 'report part not written', { runId, parts: event.Items, error: (error as Error).message });
    throw forStateMachine(error);
  } finally {
    session.close();
    await rm(workDir, { recursive: true, force: true });
  }
}

/**
 * The run's sorted findings files: the diff ranges' (by itemId, then diff key), or without
 * history the partitions'. A range or partition that failed has none: the reduce names it.
 */
async function sortedSources(plan: PartitionedRunPlan, deps: AuditDependencies, signal: AbortSignal): Promise<SortedSource[]> {
  if (plan.diffRanges !== null) return (await fetchRanges(plan, deps, signal)).filter((range) => range.status === 'done');
  const lines = { lines: (index: number, block: { start: number; end: number }) => deps.runFiles.lines(partitionedRunKeys.lines(plan.runId, index), { range: block, signal }) };
  return (await fetchPartitions(plan, deps, signal)).filter((result) => result.status === 'done').map((result) => partitionSource(lines, result));
}

/** Writes one part and stores its files, then its result (written last: a result means complete files); answers how many findings it holds. */
async function assembleAndStore(input: {
  plan: PartitionedRunPlan;
  part: number;
  cuts: readonly string[];
  sources: readonly SortedSource[];
  formats: Parameters<typeof assemblePart>[0]['formats'];
  pdfRowsPerModule: number;
  workDir: string;
  deps: AuditDependencies;
  signal: AbortSignal;
}): Promise<number> {
  const { plan, part, deps, signal } = input;
  const { runId } = plan;
  const partDir = await mkdtemp(join(input.workDir, `part-${part}-`));
  try {
    // A format's extension is its id (lib/report/formats/ReportFormat.ts).
    const pathOf = (format: FormatId) => join(partDir, `${part}.${format}`);
    const result = await assemblePart({ part, cuts: input.cuts, sources: input.sources, formats: input.formats, pdfRowsPerModule: input.pdfRowsPerModule, pathOf, signal });
    for (const format of partFormats(input.formats)) {
      const path = pathOf(format);
      await deps.runFiles.put(partitionedRunKeys.partFile(runId, part, format), path, await sha256File(path), 'application/octet-stream', signal);
    }
    await deps.runFiles.putJson(partitionedRunKeys.part(runId, part), result satisfies PartResult);
    deps.log('info', 'report part written', { runId, part, findings: result.findings, bytes: result.bytes });
    return result.findings;
  } finally {
    await rm(partDir, { recursive: true, force: true });
  }
}

/** The child's Catch: every part of the batch without a result is recorded as failed with the error. */
async function recordFailures(plan: PartitionedRunPlan, parts: readonly number[], error: string, deps: AuditDependencies): Promise<AssembledBatch['parts']> {
  const failed = (part: number): PartOutcome => ({ part, status: 'failed', error: `${describePart(part, plan.parts)} failed: ${error}` });
  const recorded = await recordChildFailures({ runId: plan.runId, indexes: parts, keyOf: (part) => partitionedRunKeys.part(plan.runId, part), failedResult: failed, what: 'report part', field: 'part', error }, deps);
  return recorded.map(({ index, ...outcome }) => ({ part: index, ...outcome }));
}
