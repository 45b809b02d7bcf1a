/**
 * What the map and diff steps of a run on the state machine left in the
 * run-files bucket, as the steps after them read it: every partition's result
 * in index order, every diff range's in range order. A partition or range
 * without a trustworthy result (or whose files are gone) counts as failed, named.
 */
import { describePart, partFormats } from '../partitioned/assemblePart';
import type { PartOutcome } from '../partitioned/AssembledReports';
import { describeRange, type DiffedRange } from '../partitioned/diffRange';
import type { FormatId } from '../report/formats/formatIds';
import { countedLines } from '../partitioned/mergeMapped';
import { failedPartition, type Partition, type PartitionResult } from '../partitioned/Partition';
import { mapInOrder } from '../partitioned/mapInOrder';
import { keyedLines } from '../report/FindingSorter';
import type { RangeResult } from './diffRangeBatch';
import type { AuditDependencies } from './executeAudit';
import { partitionedRunKeys, type PartitionedRunPlan, type RangeFile } from './PartitionedRunPlan';

/** Partition results fetched from the bucket at once. */
const FETCH_CONCURRENCY = 8;

/**
 * Every partition's result in index order, each done one's lines checked to be there (they are read later).
 *
 * @example
 * (await fetchPartitions(plan, deps, signal)).filter((r) => r.status === 'failed') // the partitions the run misses
 */
export function fetchPartitions(plan: PartitionedRunPlan, deps: AuditDependencies, signal: AbortSignal): Promise<PartitionResult[]> {
  return mapInOrder(plan.partitions, FETCH_CONCURRENCY, (partition) => {
    signal.throwIfAborted();
    return fetchPartition(plan.runId, partition, deps);
  });
}

async function fetchPartition(runId: string, partition: Partition, deps: AuditDependencies): Promise<PartitionResult> {
  const stored = await deps.runFiles.readJson<PartitionResult>(partitionedRunKeys.result(runId, partition.index));
  const result = stored ? checkedResult(stored, partition) : failedPartition(partition, 'it recorded no result');
  if (result.status === 'done' && !(await deps.runFiles.exists(partitionedRunKeys.lines(runId, partition.index)))) {
    return failedPartition(partition, 'its findings are missing from the run-files bucket');
  }
  return result;
}

/** A stored result as the reduce may trust it: for this partition, with a known status; otherwise the partition failed. */
function checkedResult(stored: PartitionResult, partition: Partition): PartitionResult {
  const valid = stored.index === partition.index && (stored.status === 'done' || stored.status === 'failed') && Number.isSafeInteger(stored.findings) && Array.isArray(stored.gaps);
  if (!valid) return failedPartition(partition, 'its stored result is not a partition result');
  // A failed result written by the map's Catch already names its partition.
  return stored.status === 'failed' && !stored.error ? failedPartition(partition, 'no reason was recorded') : stored;
}

/**
 * Every diff range's result in range order, each done one's files checked to be there; the
 * files are read as the reduce merges them (decompressed as they arrive, nothing staged).
 *
 * @example
 * (await fetchRanges(plan, deps, signal)).filter((r) => r.status === 'failed') // the ranges the run misses
 */
export function fetchRanges(plan: PartitionedRunPlan, deps: AuditDependencies, signal: AbortSignal): Promise<DiffedRange[]> {
  const count = plan.diffRanges ?? 0;
  return mapInOrder(Array.from({ length: count }, (_, range) => range), FETCH_CONCURRENCY, (range) => {
    signal.throwIfAborted();
    return fetchRange(plan.runId, range, count, deps, signal);
  });
}

const RANGE_FILES: readonly RangeFile[] = ['findings', 'states', 'resolved'];

/** The files a range leaves: its states are a history part instead of a file when the store keeps states by range. */
const filesOf = (result: { statesPart?: unknown }): readonly RangeFile[] => (result.statesPart ? RANGE_FILES.filter((file) => file !== 'states') : RANGE_FILES);

async function fetchRange(runId: string, range: number, count: number, deps: AuditDependencies, signal: AbortSignal): Promise<DiffedRange> {
  const failed = (why: string): DiffedRange => ({ range, status: 'failed', error: `${describeRange(range, count)} failed: ${why}` });
  const stored = await deps.runFiles.readJson<RangeResult>(partitionedRunKeys.range(runId, range));
  if (!stored) return failed('it recorded no result');
  if (stored.range !== range || (stored.status !== 'done' && stored.status !== 'failed')) return failed('its stored result is not a diff range result');
  if (stored.status === 'failed') return stored.error ? stored : failed('no reason was recorded');
  if (!Array.isArray(stored.blocks)) return failed('its stored result lists no blocks of findings');
  for (const file of filesOf(stored)) if (!(await deps.runFiles.exists(partitionedRunKeys.rangeFile(runId, range, file)))) return failed(`its ${file} are missing from the run-files bucket`);
  const read = (file: RangeFile) => keyedLines(deps.runFiles.lines(partitionedRunKeys.rangeFile(runId, range, file), { compression: 'brotli', signal }));
  const findingsKey = partitionedRunKeys.rangeFile(runId, range, 'findings');
  const { status: _status, ...counts } = stored;
  return {
    ...counts,
    status: 'done',
    // One block of the findings (each a Brotli stream of its own), checked to hold the lines recorded.
    read: (block) =>
      countedLines(deps.runFiles.lines(findingsKey, { range: block, compression: 'brotli', signal }), block.lines, (held) => `${describeRange(range, count)} recorded ${block.lines} findings in a block at byte ${block.start} but its file holds ${held} there.`),
    states: () => {
      if (stored.statesPart) throw new Error(`${describeRange(range, count)} wrote its states to the history as a part of their own: the commit adopts the part, there is no states file to read.`);
      return read('states');
    },
    resolved: () => read('resolved'),
  };
}

/**
 * Every report part's result in part order, each done one's files checked to be there (the
 * reduce puts the reports together from them); a part without a trustworthy result failed, named.
 *
 * @example
 * (await fetchParts(plan, deps, signal)).filter((p) => p.status === 'failed') // the parts the reports miss
 */
export function fetchParts(plan: PartitionedRunPlan, deps: AuditDependencies, formats: readonly FormatId[], signal: AbortSignal): Promise<PartOutcome[]> {
  return mapInOrder(Array.from({ length: plan.parts }, (_, part) => part), FETCH_CONCURRENCY, async (part) => {
    signal.throwIfAborted();
    const failed = (why: string): PartOutcome => ({ part, status: 'failed', error: `${describePart(part, plan.parts)} failed: ${why}` });
    const stored = await deps.runFiles.readJson<PartOutcome>(partitionedRunKeys.part(plan.runId, part));
    if (!stored) return failed('it recorded no result');
    if (stored.part !== part || (stored.status !== 'done' && stored.status !== 'failed')) return failed('its stored result is not a report part result');
    if (stored.status === 'failed') return stored.error ? stored : failed('no reason was recorded');
    for (const format of partFormats(formats)) {
      // A format's extension is its id (lib/report/formats/ReportFormat.ts).
      const extension = format;
      if (typeof stored.bytes?.[format] !== 'number') return failed(`it recorded no ${extension} part`);
      if (!(await deps.runFiles.exists(partitionedRunKeys.partFile(plan.runId, part, extension)))) return failed(`its ${extension} part is missing from the run-files bucket`);
    }
    return stored;
  });
}
