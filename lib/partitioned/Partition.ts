/**
 * The unit of a partitioned run (plan → map → reduce): one slice of the
 * snapshot that one map step reads and evaluates, and what that step hands the
 * reduce. Everything here is plain JSON, because in AWS it travels between
 * Lambda functions (the state machine's payload, S3 objects).
 */
import type { Block } from './BlockWriter';
import type { PartialTally } from '../audit/phases/SnapshotTally';
import type { DigestState } from '../engine/snapshotDigest';
import type { FileReadStats } from '../inventory/FileInventorySource';

/** Which slice of the snapshot a partition reads. */
export type PartitionSpec =
  /** The whole snapshot (a JSON array file, a source that cannot be cut). */
  | { kind: 'whole' }
  /**
   * The snapshot's items whose itemId is in [from, to) (null: unbounded), read by Query: a
   * snapshot is one partition key of the inventory table, which parallel Scan segments do not split.
   */
  | { kind: 'itemid-range'; from: string | null; to: string | null }
  /** Bytes [start, end) of an NDJSON file, cut at line ends; `firstLine` numbers its first line as the whole file does. */
  | { kind: 'byte-range'; start: number; end: number; firstLine: number };

export interface Partition {
  /** 0-based: the partitions in this order are the snapshot in its read order (ties in every sort keep it). */
  index: number;
  /** How many partitions the run has. */
  count: number;
  spec: PartitionSpec;
}

/** Where one segment of a partition's findings file is (lib/partitioned/SegmentWriter.ts): bytes [start, end), and its lines. */
export interface Segment {
  start: number;
  end: number;
  lines: number;
}

/** What one map step produced: its findings' keyed lines are in a file of their own (mapPartition's `linesPath`). */
export interface PartitionResult {
  index: number;
  status: 'done' | 'failed';
  /** Why the partition failed (status failed): it becomes a reason the run is incomplete. */
  error?: string;
  /** Findings written (one per item read, invalid ones included). */
  findings: number;
  /** Parts of the slice that could not be read (a Query that stopped after its retries): the run is incomplete, and says why. */
  gaps: string[];
  /** The snapshot digest's state over this slice's items (lib/engine/snapshotDigest.ts); null when the run keeps no history. */
  digest: DigestState | null;
  /** A file slice's counts, for the checks that need the whole file (no item at all, not an inventory). */
  file?: FileReadStats;
  /** With history: where each diff range's segment of the findings file is, each sorted by diff key (status done). */
  segments?: Segment[];
  /** Without history: the findings file's blocks, sorted by itemId (lib/partitioned/BlockWriter.ts; status done). */
  blocks?: Block[];
  /** How the findings file is sorted: by diff range and diff key (a run with history), or by itemId (status done). */
  sortedBy?: 'diffKey' | 'itemId';
  /** What the step counted of its findings, for the reduce to merge (status done). */
  tally?: PartialTally;
}

/**
 * How a partition is named in progress, errors and the report's reasons.
 *
 * @example
 * describePartition({ index: 2, count: 8, spec: { kind: 'itemid-range', from: 'b', to: 'c' } }) // 'Partition 3 of 8 (itemIds from "b" to before "c")'
 */
export function describePartition(partition: Partition): string {
  const { spec } = partition;
  const what =
    spec.kind === 'itemid-range'
      ? `itemIds ${spec.from === null ? 'from the first' : `from ${JSON.stringify(spec.from)}`} ${spec.to === null ? 'to the last' : `to before ${JSON.stringify(spec.to)}`}`
      : spec.kind === 'byte-range'
        ? `bytes ${spec.start}–${spec.end}, from line ${spec.firstLine}`
        : 'the whole snapshot';
  return `Partition ${partition.index + 1} of ${partition.count} (${what})`;
}

/**
 * The result of a partition that failed after its retries: no findings, and a reason that makes the run incomplete.
 *
 * @example
 * failedPartition(partition, 'Lambda timed out').status // 'failed'
 */
export function failedPartition(partition: Partition, error: string): PartitionResult {
  return { index: partition.index, status: 'failed', error: `${describePartition(partition)} failed: ${error}`, findings: 0, gaps: [], digest: null };
}
