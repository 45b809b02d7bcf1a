/**
 * What a partitioned run's map steps left, merged into the run's head: the
 * partial tallies absorbed in partition order, the digests added, the whole
 * file checked, and the failed partitions and diff ranges counted as gaps. The
 * reduce starts here, and so does each diff range on the state machine (for
 * the same capture time); neither needs anything that writes a report.
 */
import type { RunAuditOptions } from '../audit/runAudit';
import { assembleHead } from '../audit/phases/assembleHead';
import type { AuditPlan } from '../audit/phases/planAudit';
import { runTally, type SnapshotTally } from '../audit/phases/SnapshotTally';
import { SnapshotDigest } from '../engine/snapshotDigest';
import { checkWholeFile, mergeFileStats, type FileReadStats } from '../inventory/FileInventorySource';
import { keyedLines, type FindingLine } from '../report/FindingSorter';
import type { ReportHead } from '../report/ReportModel';
import type { PartOutcome, PartStore } from './AssembledReports';
import type { SortedSource } from './cutParts';
import type { DiffedRange } from './diffRange';
import type { PartitionResult, Segment } from './Partition';

/** What the map steps left for the reduce. */
export interface MappedRun {
  /** One result per partition, in index order (a partition that failed after its retries: failedPartition). */
  results: readonly PartitionResult[];
  /**
   * The lines of one segment of partition `index`'s findings file (what mapPartition wrote to its
   * linesPath): read from a local file, or with a ranged GET from the run-files bucket.
   */
  lines(index: number, segment: Segment): AsyncIterable<string>;
  /**
   * The diff ranges, when functions of their own diffed them (the state machine's DiffRanges,
   * lib/delivery/diffRangeBatch.ts), in range order; otherwise the reduce diffs them itself.
   */
  diffed?: readonly DiffedRange[];
  /**
   * The reports' parts, when functions of their own wrote them (the state machine's AssembleParts,
   * lib/delivery/assemblePartBatch.ts), in part order; otherwise the reduce writes them itself.
   * A null store: the reports are not put together (a dry run on the state machine stores none).
   */
  assembled?: { parts: readonly PartOutcome[]; store: PartStore | null };
  /** Each step of the reduce as it ends, with how long it took (the bench prints them). */
  onStep?: (step: ReduceStep, ms: number) => void;
}

/** The reduce's steps: the diff (with history, when the reduce diffs), the parts (when it writes them), the reports put together with the head, and the history committed. */
export type ReduceStep = 'diff' | 'parts' | 'finish';

/** The run's tally merged from its partitions', and its head (the history diff's outcome not yet in it). */
export interface MergedRun {
  counts: SnapshotTally;
  head: ReportHead;
  /** When this run saw its findings (the capture time, else the start): a new finding's firstSeenAt. */
  seenAt: string;
}

/**
 * Merges the partitions' tallies (in partition order) and digests, checks the
 * whole file, and assembles the head. A partition that failed, and a diff range
 * that failed, is a gap: the run is incomplete and names it. A diff range's
 * function does this too, for the same `seenAt` as the reduce.
 *
 * @example
 * const { head, seenAt } = mergeMapped(options, mapped, plan);
 */
export function mergeMapped(options: RunAuditOptions, mapped: Pick<MappedRun, 'results' | 'diffed'>, plan: AuditPlan): MergedRun {
  const { results } = mapped;
  checkResults(mapped.results, mapped.diffed, options, plan);
  const counts = runTally(options, plan);
  const digest = options.history ? new SnapshotDigest() : null;
  for (const result of results) {
    if (result.status === 'failed') {
      counts.gap(result.error ?? `Partition ${result.index + 1} failed.`);
      continue;
    }
    for (const reason of result.gaps) counts.gap(reason);
    counts.absorb(result.tally!);
    if (result.digest) digest?.merge(result.digest);
  }
  // A range that could not be diffed leaves its findings out of the reports' lists (the partitions counted them): the run is incomplete and says so.
  for (const range of mapped.diffed ?? []) {
    if (range.status === 'failed') counts.summary.incompleteReasons.push(`${range.error.replace(/\.$/, '')} (its findings are counted in the summary but not listed in the reports).`);
  }
  const head = assembleHead({ run: plan.run, counts, expectedItems: plan.snapshot.expectedItems, snapshotSha256: digest?.hex(), staleAfterHours: options.staleAfterHours ?? 48 });
  return { counts, head, seenAt: head.run.snapshotCapturedAt ?? head.run.startedAt };
}

/** The results in index order, each done one with its tally and sorted findings; the whole file checked when every partition read a slice of one. */
function checkResults(results: readonly PartitionResult[], diffed: readonly DiffedRange[] | undefined, options: RunAuditOptions, plan: AuditPlan): void {
  const sortedBy = options.history ? 'diffKey' : 'itemId';
  results.forEach((result, index) => {
    if (result.index !== index) throw new Error(`Partition results out of order: found partition ${result.index + 1} at position ${index + 1}.`);
    const sorted = sortedBy === 'itemId' ? Array.isArray(result.blocks) : Array.isArray(result.segments) && result.segments.length > 0;
    if (result.status === 'done' && (!result.tally || !sorted || result.sortedBy !== sortedBy)) {
      throw new Error(`Partition ${index + 1} was not mapped for this reduce: it recorded ${result.sortedBy ? `findings sorted by ${result.sortedBy}` : 'no sorted findings'}, and a run ${options.history ? 'with' : 'without'} history needs them sorted by ${sortedBy}.`);
    }
  });
  const counts = new Set(results.filter((result) => result.status === 'done' && result.segments).map((result) => result.segments!.length));
  if (counts.size > 1) throw new Error(`The partitions were cut into different numbers of diff ranges (${[...counts].join(', ')}).`);
  const [segments] = counts;
  if (diffed && segments !== undefined && segments !== diffed.length) throw new Error(`The partitions were cut into ${segments} diff ranges, but ${diffed.length} were diffed.`);
  const slices = results.map((result) => result.file).filter((file): file is FileReadStats => file !== undefined);
  if (slices.length > 0 && slices.length === results.length) checkWholeFile(options.source.describe(), plan.snapshot.snapshotId, mergeFileStats(slices), 'ndjson');
}

/**
 * One segment of a partition's findings, parsed, checked to hold the lines the map step recorded.
 *
 * @example
 * for await (const { key, line } of segmentLines(mapped, result, 2)) diff(key, line);
 */
export async function* segmentLines(mapped: Pick<MappedRun, 'lines'>, result: PartitionResult, index: number): AsyncIterable<FindingLine> {
  const segment = result.segments![index]!;
  yield* countedLines(keyedLines(mapped.lines(result.index, segment)), segment.lines, (read) => `Partition ${result.index + 1} recorded ${segment.lines} findings in segment ${index + 1} but its file holds ${read} there.`);
}

/**
 * The lines, checked at their end to be as many as a step recorded (a file cut short, or another's).
 *
 * @example
 * yield* countedLines(lines, 1204, (read) => `Range 3 recorded 1204 findings but its file holds ${read}.`);
 */
export async function* countedLines<T>(lines: AsyncIterable<T>, expected: number, mismatch: (read: number) => string): AsyncGenerator<T> {
  let read = 0;
  for await (const line of lines) {
    read += 1;
    yield line;
  }
  if (read !== expected) throw new Error(mismatch(read));
}

/**
 * A dry run's partition as a sorted source of the reports' parts: its blocks, each read
 * (checked to hold the lines the map step recorded) as the lines of a segment.
 *
 * @example
 * const sources = done.map((result) => partitionSource(mapped, result));
 */
export function partitionSource(mapped: Pick<MappedRun, 'lines'>, result: PartitionResult): SortedSource {
  return {
    blocks: result.blocks!,
    read: (block) => countedLines(mapped.lines(result.index, block), block.lines, (read) => `Partition ${result.index + 1} recorded ${block.lines} findings in a block at byte ${block.start} but its file holds ${read} there.`),
  };
}
