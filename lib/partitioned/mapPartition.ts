/**
 * The map step of a partitioned run: one slice of the snapshot read and
 * evaluated (by either engine), its findings counted into a partial tally and
 * sorted for the reduce, and what the reduce needs besides (the gaps, the
 * digest's state, a file slice's counts) returned as a PartitionResult.
 *
 * The findings file holds keyed lines (lib/report/FindingSorter.ts keyedLine):
 * with history, one segment per diff range (lib/partitioned/diffRanges.ts), each
 * sorted by diff key, so a range's diff reads its segment of every partition;
 * without history, sorted by itemId in blocks (lib/partitioned/BlockWriter.ts),
 * which the reports' parts read by itemId range. Ties keep the order read. The lines are
 * serialized exactly as a one-process run serializes them.
 */
import type { Catalog } from '../catalog/loadCatalog';
import type { EngineOptions } from '../engine/evaluate';
import { fingerprintOf, identityKey } from '../engine/identity';
import { SnapshotDigest } from '../engine/snapshotDigest';
import { diffKey } from '../history/diffFindings';
import type { InventorySource, SourceProgress } from '../inventory/InventorySource';
import type { Finding } from '../model';
import { FindingSorter, type FindingLine } from '../report/FindingSorter';
import type { DuckOptions } from '../sql/duck';
import { engineChoice, mapEngine, type EngineChoice } from '../audit/engineKind';
import { openEvaluation, type Evaluation } from '../audit/evaluateEntries';
import { mapFindings } from '../audit/phases/mapFindings';
import { SnapshotTally } from '../audit/phases/SnapshotTally';
import { diffRangeOf } from './diffRanges';
import type { Partition, PartitionResult } from './Partition';
import { BlockWriter, blockCharsFor } from './BlockWriter';
import { SegmentWriter } from './SegmentWriter';

export interface MapPartitionOptions {
  partition: Partition;
  /** The partition's own source (InventorySource.partition). */
  source: InventorySource;
  catalog: Catalog;
  /** The plan's engine options: the capture-time bound is the plan's, the same for every partition. */
  engine: EngineOptions;
  /** Which engine evaluates (default reference); `auto`: engineKind.ts mapEngine. */
  engineKind?: EngineChoice;
  duck?: DuckOptions;
  /** The snapshot the plan chose (null: the source named none), for the partial tally. */
  snapshotId: string | null;
  /** The file the findings' keyed lines are written to. */
  linesPath: string;
  /**
   * The run's diff ranges when it keeps history (the findings are then sorted by range and
   * diff key, and the snapshot digest's state is kept); null without history (sorted by itemId).
   */
  diffRanges: number | null;
  /** Days of the deletion forecast the partial tally counts (default 30). */
  forecastDays?: number;
  /** Characters of findings the sort holds in memory before it spills (default 16 M). */
  sortBudgetChars?: number;
  /** Spill the sort's runs compressed (FindingSorter `compress`). */
  compressSpills?: boolean;
  signal?: AbortSignal;
  onProgress?: (progress: SourceProgress) => void;
}

/**
 * Reads and evaluates one partition. A part of it that cannot be read is a gap
 * (the run is then incomplete); an error that stops it is thrown, and the
 * caller records the partition as failed (failedPartition) after its retries.
 *
 * @example
 * const result = await mapPartition({ partition, source: source.partition(partition.spec), catalog, engine: plan.engine, snapshotId: null, linesPath: 'parts/3.ndjson', diffRanges: 8 });
 * result.segments // one per diff range: where its lines are in the file
 */
export async function mapPartition(options: MapPartitionOptions): Promise<PartitionResult> {
  const { partition, source, diffRanges } = options;
  const digest = diffRanges !== null ? new SnapshotDigest() : null;
  const evaluation = await openEvaluation(source.entries(options.onProgress), {
    catalog: options.catalog,
    engine: options.engine,
    kind: mapEngine(engineChoice(options.engineKind)),
    duck: options.duck,
    file: source.ndjsonFile?.(),
    ...(digest ? { digest } : {}),
    signal: options.signal,
  });
  // The partial tally counts this slice only: the source's warnings, the stated capture time and the gaps are the reduce's.
  const counts = new SnapshotTally({ snapshotId: options.snapshotId, warnings: [], incompleteReasons: [] }, { waivers: options.engine.waivers, forecastDays: options.forecastDays ?? 30, statedCapturedAt: null });
  const budgetChars = options.sortBudgetChars ?? 16 << 20;
  const sorter = new FindingSorter({ budgetChars, compress: options.compressSpills ?? false });
  const writer = diffRanges === null ? new BlockWriter(options.linesPath, { blockChars: blockCharsFor(budgetChars) }) : new SegmentWriter(options.linesPath, diffRanges);
  const gaps: string[] = [];
  try {
    await mapFindings(evaluation, counts, {
      onFinding: (finding, line) => sorter.add(sortable(diffRanges, { key: sortKey(finding, diffRanges), line }, finding.fingerprint)),
      onGap: (reason) => gaps.push(reason),
      signal: options.signal,
    });
    if (evaluation.reorder) await sortKept(evaluation, diffRanges, sorter, writer, options.signal);
    for await (const entry of sorter.sorted()) {
      options.signal?.throwIfAborted();
      if (writer instanceof BlockWriter) await writer.write(entry);
      else await writer.write(entry.key!.charCodeAt(0), { key: entry.key!.slice(1), line: entry.line });
    }
    await evaluation.digested?.();
    const file = source.sliceStats?.();
    const written = writer instanceof BlockWriter ? { sortedBy: 'itemId' as const, blocks: await writer.close() } : { sortedBy: 'diffKey' as const, segments: await writer.close() };
    return {
      index: partition.index,
      status: 'done',
      findings: counts.items,
      gaps,
      digest: digest?.state() ?? null,
      ...written,
      tally: counts.toPartial(),
      ...(file ? { file } : {}),
    };
  } catch (error) {
    await writer.destroy();
    throw error;
  } finally {
    await sorter.cleanup();
    await evaluation.close();
  }
}

/** What a partition sorts its findings by: the diff key with history, else the itemId. */
function sortKey(finding: Finding, diffRanges: number | null): string | null {
  return diffRanges === null ? finding.itemId : diffKey(identityKey(finding), finding.itemId, finding.verdict);
}

/**
 * A finding line as the partition's sorter takes it: with history, its diff key behind one
 * character that is its diff range, so the sort groups the ranges, each in diff-key order.
 */
function sortable(diffRanges: number | null, entry: FindingLine, fingerprint: string): FindingLine {
  if (diffRanges === null) return entry;
  return { key: `${String.fromCharCode(diffRangeOf(fingerprint, diffRanges))}${entry.key!}`, line: entry.line };
}

/**
 * The SQL engine keeps its findings and gives them back sorted: by itemId (no history),
 * written as they come; by diff key (history), each put behind its range for the sorter.
 */
async function sortKept(evaluation: Evaluation, diffRanges: number | null, sorter: FindingSorter, writer: SegmentWriter | BlockWriter, signal?: AbortSignal): Promise<void> {
  if (writer instanceof BlockWriter) {
    for await (const entry of evaluation.reorder!('itemId')) {
      signal?.throwIfAborted();
      await writer.write(entry);
    }
    return;
  }
  for await (const entry of evaluation.reorder!('identity')) {
    signal?.throwIfAborted();
    const key = entry.key!;
    await sorter.add(sortable(diffRanges, entry, fingerprintOf(key.slice(0, key.indexOf('\u0002')))));
  }
}
