/**
 * The reduce of a partitioned run: what the map steps left (lib/partitioned/mapPartition.ts)
 * made into the run's reports and history, as a one-process run of the whole
 * snapshot makes them. Nothing is evaluated or counted again: the partial
 * tallies are merged in partition order, and the findings, already sorted by
 * each map step, are merged. Without history they merge by itemId straight
 * into the reports; with history each diff range is diffed apart
 * (lib/partitioned/diffRange.ts: here, or by functions of their own on the
 * state machine), and the ranges' findings, states, resolved findings and
 * ended holds merge in the orders a one-process diff gives them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditResult, RunAuditOptions } from '../audit/runAudit';
import { beginHistory, historyDiffOf, type HistoryDiff } from '../audit/phases/diffWithHistory';
import { applyDiff, finishAudit, reportSetOf } from '../audit/phases/finishAudit';
import type { AuditPlan } from '../audit/phases/planAudit';
import { HOLD_LIST_CAP } from '../audit/phases/SnapshotTally';
import { ConflictError } from '../errors';
import type { FindingState, HistoryWriter, PreviousRun } from '../history/HistoryStore';
import { mergeSorted, type FindingLine } from '../report/FindingSorter';
import { TextSink } from '../report/formats/TextSink';
import type { Changes } from '../report/ReportModel';
import { describeRange, diffedRange, diffRange, type DiffedRange, type DiffRangeResult } from './diffRange';
import { mapInOrder } from './mapInOrder';
import { mergeMapped, segmentLines, type MappedRun } from './mergeMapped';
import type { PartitionResult } from './Partition';

export type { MappedRun } from './mergeMapped';

type DoneRange = Extract<DiffedRange, { status: 'done' }>;

/** Diff ranges diffed at once in the reduce's process (their reads overlap; the diffs share one thread). */
const RANGES_AT_ONCE = 2;

/**
 * Reduces the map steps' results into the run's reports (and history).
 *
 * @example
 * const result = await reduceMapped(options, { results, lines: (i, segment) => readLines(paths[i], undefined, undefined, segment) }, plan);
 */
export async function reduceMapped(options: RunAuditOptions, mapped: MappedRun, plan: AuditPlan): Promise<AuditResult> {
  const history = options.history ?? null;
  const { counts, head, seenAt } = mergeMapped(options, mapped, plan);
  const reports = reportSetOf(options, plan, counts);
  const done = mapped.results.filter((result) => result.status === 'done');
  const workDir = await mkdtemp(join(tmpdir(), `${plan.runId}-reduce-`));
  const resolvedFile = history ? join(workDir, 'resolved.ndjson') : null;
  let diff: HistoryDiff | null = null;
  const diffedHere: DiffRangeResult[] = [];
  try {
    let lines: AsyncIterable<FindingLine>;
    if (history && resolvedFile) {
      const begun = await beginHistory(history, head.run, plan.trendRuns);
      try {
        const previousRunId = begun.previous?.run.runId ?? null;
        const ranges = mapped.diffed ?? (await diffHere({ options, mapped, done, previous: begun.previous, seenAt, workDir, diffedHere }));
        const diffed = ranges.filter((range): range is DoneRange => range.status === 'done');
        const other = diffed.find((range) => range.previousRunId !== previousRunId);
        if (other) {
          throw new ConflictError(`The history changed while the run was diffed: ${describeRange(other.range, ranges.length)} was compared with run ${other.previousRunId ?? 'none'}, the reduce with ${previousRunId ?? 'none'} (another run of the scope finished meanwhile). Run the audit again.`);
        }
        await writeStates(begun.writer, diffed);
        await writeResolved(resolvedFile, diffed);
        diff = historyDiffOf(begun, head.run, sumCounts(diffed), mergeHolds(diffed), counts.summary.byVerdict.violation);
        lines = mergeSorted(diffed.map((range) => range.findings()));
      } catch (error) {
        await begun.writer.abort();
        throw error;
      }
      applyDiff(head, counts, diff);
    } else {
      lines = mergeSorted(done.map((partition) => segmentLines(mapped, partition, 0)));
    }
    options.signal?.throwIfAborted();
    reports.open(head);
    for await (const line of lines) await reports.write(line, counts.items);
    return await finishAudit({ options, head, counts, reports, diff, mostSerious: reports.mostSerious(), resolvedFile });
  } catch (error) {
    await reports.abort();
    await diff?.writer.abort();
    throw error;
  } finally {
    await Promise.all(diffedHere.map((range) => range.findings.cleanup()));
    await rm(workDir, { recursive: true, force: true });
  }
}

/**
 * Diffs every range in this process (the CLI, the bench): a few at a time, their reads
 * overlapping, each range's findings left on disk until they are merged. `diffedHere`
 * collects the ranges diffed, for the caller to clean up.
 */
async function diffHere(input: {
  options: RunAuditOptions;
  mapped: MappedRun;
  done: readonly PartitionResult[];
  previous: PreviousRun | null;
  seenAt: string;
  workDir: string;
  diffedHere: DiffRangeResult[];
}): Promise<DiffedRange[]> {
  const { options, mapped, done } = input;
  const count = Math.max(1, ...done.map((result) => result.segments!.length));
  const budget = Math.max(1 << 20, Math.floor((options.sortBudgetChars ?? 16 << 20) / RANGES_AT_ONCE));
  return mapInOrder(Array.from({ length: count }, (_, range) => range), RANGES_AT_ONCE, async (range) => {
    const result = await diffRange({
      range,
      ranges: count,
      current: done.map((partition) => segmentLines(mapped, partition, range)),
      previous: input.previous,
      seenAt: input.seenAt,
      workDir: input.workDir,
      sortBudgetChars: budget,
      compress: options.compressSpills ?? false,
      signal: options.signal,
    });
    input.diffedHere.push(result);
    // Read once every range is diffed: meanwhile its findings wait on disk, not in memory.
    if (count > 1) await result.findings.spillRest();
    return diffedRange(result);
  });
}

/** The ranges' new states, merged in key order (the order a state file keeps), to the history writer. */
async function writeStates(writer: HistoryWriter, ranges: readonly DoneRange[]): Promise<void> {
  for await (const { line } of mergeSorted(ranges.map((range) => range.states()))) {
    await writer.write(JSON.parse(line) as FindingState);
  }
}

/** The ranges' resolved findings, merged in key order (a one-process diff's), as the reports' NDJSON file. */
async function writeResolved(path: string, ranges: readonly DoneRange[]): Promise<void> {
  const sink = new TextSink(path);
  try {
    for await (const { line } of mergeSorted(ranges.map((range) => range.resolved()))) await sink.write(`${line}\n`);
    await sink.close();
  } catch (error) {
    await sink.destroy();
    throw error;
  }
}

function sumCounts(ranges: readonly DoneRange[]): Omit<Changes, 'previousRunId' | 'previousCapturedAt'> {
  const sum = { new: 0, persisting: 0, resolved: 0, newViolations: 0 };
  for (const { counts } of ranges) for (const name of Object.keys(sum) as (keyof typeof sum)[]) sum[name] += counts[name];
  return sum;
}

/** The ended holds of every range: counted, and the first HOLD_LIST_CAP in key order (each range's are). */
function mergeHolds(ranges: readonly DoneRange[]): HistoryDiff['holdsEnded'] {
  const listed = ranges.flatMap((range) => range.holdsEnded.endedList).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { ended: ranges.reduce((sum, range) => sum + range.holdsEnded.ended, 0), endedList: listed.slice(0, HOLD_LIST_CAP).map(({ entry }) => entry) };
}
