/**
 * The reduce's side of the map steps: their findings replayed, partition by
 * partition in index order, as the evaluation a one-process run would have
 * made of the whole snapshot. Concatenated in that order the partitions are
 * the snapshot in its read order, so everything the reduce counts, sorts and
 * writes from them (lib/audit/runAudit.ts) comes out as a one-process run's.
 */
import type { Evaluated, Evaluation } from '../audit/evaluateEntries';
import type { SnapshotDigest } from '../engine/snapshotDigest';
import { checkWholeFile, mergeFileStats, type FileReadStats } from '../inventory/FileInventorySource';
import type { SourceProgress } from '../inventory/InventorySource';
import type { Finding } from '../model';
import type { PartitionResult } from './Partition';

/** What the map steps left for the reduce. */
export interface MappedRun {
  /** One result per partition, in index order (a partition that failed after its retries: failedPartition). */
  results: readonly PartitionResult[];
  /**
   * The lines of partition `index` (what mapPartition wrote to its linesPath): read from a
   * local file, or straight from the run-files bucket (a reduce Lambda stages nothing in /tmp).
   */
  lines(index: number): AsyncIterable<string>;
}

export interface ReplayOptions {
  /** The source as the run names it (a file's path) and the snapshot it was asked for, for the whole-file checks. */
  source: string;
  snapshotId: string | null;
  /** The run's digest, which takes every partition's state. */
  digest: SnapshotDigest | null;
  signal?: AbortSignal;
  onProgress?: (progress: SourceProgress) => void;
}

/**
 * The partitions' findings as an Evaluation. Checks the whole file first (when every
 * partition read a slice of one), as the file source does when read whole, and merges
 * every partition's digest state into `digest`.
 *
 * @example
 * const evaluation = replayEvaluation({ results, lines: (i) => readLines(`parts/${i}.ndjson`) }, { source: 'inv.ndjson', snapshotId: null, digest: null });
 */
export function replayEvaluation(mapped: MappedRun, options: ReplayOptions): Evaluation {
  const { results } = mapped;
  results.forEach((result, index) => {
    if (result.index !== index) throw new Error(`Partition results out of order: found partition ${result.index + 1} at position ${index + 1}.`);
  });
  const slices = results.map((result) => result.file).filter((file): file is FileReadStats => file !== undefined);
  if (slices.length > 0 && slices.length === results.length) checkWholeFile(options.source, options.snapshotId, mergeFileStats(slices), 'ndjson');
  for (const result of results) if (result.digest) options.digest?.merge(result.digest);
  return { evaluations: replay(mapped, options), reorder: null, tallies: null, diff: null, bulk: null, mostSerious: null, digested: null, close: () => undefined };
}

/** How often replay reports its progress, in findings. */
const PROGRESS_EVERY = 10_000;

async function* replay(mapped: MappedRun, options: ReplayOptions): AsyncIterable<Evaluated> {
  const total = mapped.results.reduce((sum, result) => sum + result.findings, 0);
  let done = 0;
  for (const result of mapped.results) {
    if (result.status === 'failed') {
      yield { kind: 'gap', reason: result.error ?? `Partition ${result.index + 1} failed.` };
      continue;
    }
    for (const reason of result.gaps) yield { kind: 'gap', reason };
    let read = 0;
    for await (const line of mapped.lines(result.index)) {
      if (line === '') continue;
      options.signal?.throwIfAborted();
      read += 1;
      done += 1;
      if (done % PROGRESS_EVERY === 0) options.onProgress?.({ done, total, unit: 'items' });
      yield { kind: 'finding', finding: JSON.parse(line) as Finding, line };
    }
    if (read !== result.findings) throw new Error(`Partition ${result.index + 1} recorded ${result.findings} findings but its lines file holds ${read}.`);
  }
  options.onProgress?.({ done, total, unit: 'items' });
}
