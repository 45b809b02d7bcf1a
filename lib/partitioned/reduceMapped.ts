/**
 * The reduce of a partitioned run: what the map steps left (lib/partitioned/mapPartition.ts)
 * made into the run's reports and history, as a one-process run of the whole
 * snapshot makes them. Nothing is evaluated or counted again: the partial
 * tallies are merged in partition order, and the findings, already sorted by
 * each map step, are merged. With history each diff range is diffed apart
 * (lib/partitioned/diffRange.ts: here, or by functions of their own on the
 * state machine), and the ranges' states, resolved findings and ended holds
 * merge in the orders a one-process diff gives them. The reports are put
 * together from parts, each an itemId range of the sorted findings (the
 * ranges', or without history the partitions'), written apart
 * (lib/partitioned/assemblePart.ts: here, or by functions of their own) and
 * assembled once the head is final (lib/partitioned/AssembledReports.ts).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mapsEngine } from '../audit/engineKind';
import type { AuditResult, RunAuditOptions } from '../audit/runAudit';
import { beginHistory, historyDiffOf, type HistoryDiff } from '../audit/phases/diffWithHistory';
import { applyDiff, finishAudit } from '../audit/phases/finishAudit';
import type { AuditPlan } from '../audit/phases/planAudit';
import { HOLD_LIST_CAP } from '../audit/phases/SnapshotTally';
import { ConflictError } from '../errors';
import type { FindingState, HistoryWriter, PreviousRun } from '../history/HistoryStore';
import { mergeSorted } from '../report/FindingSorter';
import { TextSink } from '../report/formats/TextSink';
import type { Changes } from '../report/ReportModel';
import { assemblePart } from './assemblePart';
import { AssembledReports, type PartOutcome, type PartStore } from './AssembledReports';
import { cutParts, type SortedSource } from './cutParts';
import { describeRange, diffedRange, diffRange, type DiffedRange } from './diffRange';
import { bucketsOf } from './diffRanges';
import { LocalPartStore } from './LocalPartStore';
import { mapInOrder } from './mapInOrder';
import { mergeMapped, partitionSource, segmentLines, type MappedRun, type ReduceStep } from './mergeMapped';
import type { PartitionResult } from './Partition';

export type { MappedRun } from './mergeMapped';

type DoneRange = Extract<DiffedRange, { status: 'done' }>;

/** Diff ranges diffed at once in the reduce's process (their reads overlap; the diffs share one thread). */
const RANGES_AT_ONCE = 2;

/** Parts of the reports written at once in the reduce's process. */
const PARTS_AT_ONCE = 2;

/**
 * Reduces the map steps' results into the run's reports (and history).
 *
 * @example
 * const result = await reduceMapped(options, { results, lines: (i, segment) => readLines(paths[i], undefined, undefined, segment) }, plan);
 */
export async function reduceMapped(options: RunAuditOptions, mapped: MappedRun, plan: AuditPlan): Promise<AuditResult> {
  const history = options.history ?? null;
  const { counts, head, seenAt } = mergeMapped(options, mapped, plan);
  const done = mapped.results.filter((result) => result.status === 'done');
  const workDir = await mkdtemp(join(tmpdir(), `${plan.runId}-reduce-`));
  const resolvedFile = history ? join(workDir, 'resolved.ndjson') : null;
  let diff: HistoryDiff | null = null;
  let reports: AssembledReports | null = null;
  let began = performance.now();
  const step = (name: ReduceStep) => {
    const now = performance.now();
    mapped.onStep?.(name, now - began);
    began = now;
  };
  try {
    let sources: SortedSource[];
    if (history && resolvedFile) {
      const begun = await beginHistory(history, head.run, plan.trendRuns);
      try {
        const previousRunId = begun.previous?.run.runId ?? null;
        const ranges = mapped.diffed ?? (await diffHere({ options, mapped, done, previous: begun.previous, seenAt, workDir }));
        const diffed = ranges.filter((range): range is DoneRange => range.status === 'done');
        const other = diffed.find((range) => range.previousRunId !== previousRunId);
        if (other) {
          throw new ConflictError(`The history changed while the run was diffed: ${describeRange(other.range, ranges.length)} was compared with run ${other.previousRunId ?? 'none'}, the reduce with ${previousRunId ?? 'none'} (another run of the scope finished meanwhile). Run the audit again.`);
        }
        await writeStates(begun.writer, diffed, ranges.length);
        await writeResolved(resolvedFile, diffed);
        diff = historyDiffOf(begun, head.run, sumCounts(diffed), mergeHolds(diffed), counts.summary.byVerdict.violation);
        sources = diffed;
      } catch (error) {
        await begun.writer.abort();
        throw error;
      }
      applyDiff(head, counts, diff);
      step('diff');
    } else {
      sources = done.map((partition) => partitionSource(mapped, partition));
    }
    options.signal?.throwIfAborted();
    const assembled = mapped.assembled ?? (await assembleHere({ options, plan, sources, workDir, items: counts.items }));
    if (!mapped.assembled) step('parts');
    reports = new AssembledReports({
      formats: options.formats,
      outDir: options.outDir,
      runId: plan.runId,
      catalog: options.catalog,
      pdfRowsPerModule: options.pdfRowsPerModule ?? 200,
      parts: assembled.parts,
      store: assembled.store,
      workDir,
      signal: options.signal,
    });
    // Opened with the head as a one-process run opens its writers: before repeated itemIds are marked.
    reports.open(head);
    const missing = reports.absorb(counts.summary);
    // A part that could not be written leaves its findings out of the reports (they are counted): the run is incomplete and says so.
    if (missing.length > 0) {
      counts.summary.incompleteReasons.push(...missing.map((error) => `${error.replace(/\.$/, '')} (its findings are counted in the summary but not listed in the reports).`));
      counts.summary.complete = false;
    }
    const result = { ...(await finishAudit({ options, head, counts, reports, diff, mostSerious: reports.mostSerious(), resolvedFile })), engine: mapsEngine(options.engineKind) };
    step('finish');
    return result;
  } catch (error) {
    await reports?.abort();
    await diff?.writer.abort();
    throw error;
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

/**
 * Diffs every range in this process (the CLI, the bench): a few at a time, their reads
 * overlapping, each range's files left in `workDir` until the reports are assembled.
 */
async function diffHere(input: { options: RunAuditOptions; mapped: MappedRun; done: readonly PartitionResult[]; previous: PreviousRun | null; seenAt: string; workDir: string }): Promise<DiffedRange[]> {
  const { options, mapped, done } = input;
  const count = Math.max(1, ...done.map((result) => result.segments!.length));
  const budget = Math.max(1 << 20, Math.floor((options.sortBudgetChars ?? 16 << 20) / RANGES_AT_ONCE));
  return mapInOrder(Array.from({ length: count }, (_, range) => range), RANGES_AT_ONCE, async (range) =>
    diffedRange(
      await diffRange({
        range,
        ranges: count,
        current: done.map((partition) => segmentLines(mapped, partition, range)),
        previous: input.previous,
        seenAt: input.seenAt,
        workDir: input.workDir,
        sortBudgetChars: budget,
        compress: options.compressSpills ?? false,
        signal: options.signal,
      }),
    ),
  );
}

/**
 * Writes the reports' parts in this process (the CLI, the bench), a few at a time: as many
 * parts as sorted sources (ranges or partitions), cut as the state machine's assembly cuts them.
 */
async function assembleHere(input: { options: RunAuditOptions; plan: AuditPlan; sources: readonly SortedSource[]; workDir: string; items: number }): Promise<{ parts: PartOutcome[]; store: PartStore | null }> {
  const { options, plan, sources } = input;
  const store = new LocalPartStore(input.workDir, options.outDir, plan.runId);
  const parts = Math.max(1, sources.length);
  const cuts = cutParts(sources.map((source) => source.blocks), parts);
  const written = new Array<number>(parts).fill(0);
  const results = await mapInOrder(Array.from({ length: parts }, (_, part) => part), PARTS_AT_ONCE, (part) =>
    assemblePart({
      part,
      cuts,
      sources,
      formats: options.formats,
      pdfRowsPerModule: options.pdfRowsPerModule ?? 200,
      pathOf: (format) => store.pathOf(part, format),
      signal: options.signal,
      onProgress: (done) => {
        written[part] = done;
        options.onProgress?.({ phase: 'write', done: written.reduce((sum, n) => sum + n, 0), total: input.items, unit: 'items' });
      },
    }),
  );
  return { parts: results, store };
}

/**
 * The ranges' new states to the history writer. Where the store keeps states by range, range by
 * range: the part its function wrote, adopted, or its states written as a part of its buckets
 * (the next run's ranges then read only theirs); else merged in key order (a state file's order).
 */
async function writeStates(writer: HistoryWriter, ranges: readonly DoneRange[], count: number): Promise<void> {
  if (!writer.startPart) {
    for await (const { line } of mergeSorted(ranges.map((range) => range.states()))) await writer.write(JSON.parse(line) as FindingState);
    return;
  }
  for (const range of ranges) {
    if (range.statesPart && writer.adoptPart) {
      writer.adoptPart(range.statesPart);
      continue;
    }
    await writer.startPart(bucketsOf(range.range, count));
    for await (const { line } of range.states()) await writer.write(JSON.parse(line) as FindingState);
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
