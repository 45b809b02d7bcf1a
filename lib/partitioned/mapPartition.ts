/**
 * The map step of a partitioned run: one slice of the snapshot read and
 * evaluated (by either engine), its findings' report lines written in the
 * order read to a file, and what the reduce needs besides (the gaps, the
 * digest's state, a file slice's counts) returned as a PartitionResult.
 * The lines are serialized exactly as a one-process run serializes them, so
 * the reduce replays them into the same reports.
 */
import type { Catalog } from '../catalog/loadCatalog';
import type { EngineOptions } from '../engine/evaluate';
import { SnapshotDigest } from '../engine/snapshotDigest';
import type { InventorySource, SourceProgress } from '../inventory/InventorySource';
import { toJsonLine } from '../report/FindingSorter';
import { TextSink } from '../report/formats/TextSink';
import type { DuckOptions } from '../sql/duck';
import type { EngineKind } from '../audit/engineKind';
import { openEvaluation } from '../audit/evaluateEntries';
import type { Partition, PartitionResult } from './Partition';

export interface MapPartitionOptions {
  partition: Partition;
  /** The partition's own source (InventorySource.partition). */
  source: InventorySource;
  catalog: Catalog;
  /** The plan's engine options: the capture-time bound is the plan's, the same for every partition. */
  engine: EngineOptions;
  engineKind?: EngineKind;
  duck?: DuckOptions;
  /** The file the findings' report lines are written to, one per line, in the order read. */
  linesPath: string;
  /** Keep the snapshot digest's state (runs that keep history record the digest). */
  digest: boolean;
  signal?: AbortSignal;
  onProgress?: (progress: SourceProgress) => void;
}

/**
 * Reads and evaluates one partition. A part of it that cannot be read is a gap
 * (the run is then incomplete); an error that stops it is thrown, and the
 * caller records the partition as failed (failedPartition) after its retries.
 *
 * @example
 * const result = await mapPartition({ partition, source: source.partition(partition.spec), catalog, engine: plan.engine, linesPath: 'parts/3.ndjson', digest: true });
 * result.findings // lines written
 */
export async function mapPartition(options: MapPartitionOptions): Promise<PartitionResult> {
  const { partition, source } = options;
  const digest = options.digest ? new SnapshotDigest() : null;
  const evaluation = await openEvaluation(source.entries(options.onProgress), {
    catalog: options.catalog,
    engine: options.engine,
    kind: options.engineKind ?? 'reference',
    duck: options.duck,
    file: source.ndjsonFile?.(),
    onItem: digest ? (raw) => digest.add(raw) : undefined,
    signal: options.signal,
  });
  const sink = new TextSink(options.linesPath);
  const gaps: string[] = [];
  let findings = 0;
  try {
    for await (const evaluated of evaluation.evaluations) {
      if (evaluated.kind === 'gap') {
        gaps.push(evaluated.reason);
        continue;
      }
      options.signal?.throwIfAborted();
      await sink.write(`${toJsonLine(evaluated.finding)}\n`);
      findings += 1;
    }
    // The SQL engine keeps its findings: read back in the order read, as its report lines.
    if (evaluation.reorder) {
      for await (const { line } of evaluation.reorder('read')) {
        await sink.write(`${line}\n`);
        findings += 1;
      }
    }
    if (digest) await evaluation.digested;
    await sink.close();
  } catch (error) {
    await sink.destroy();
    throw error;
  } finally {
    evaluation.close();
  }
  const file = source.sliceStats?.();
  return { index: partition.index, status: 'done', findings, gaps, digest: digest?.state() ?? null, ...(file ? { file } : {}) };
}
