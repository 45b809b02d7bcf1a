import type { PartitionSpec } from '../partitioned/Partition';
import type { FileReadStats } from './FileInventorySource';

/** One entry read from an inventory: an item as stored, or a part of the snapshot that could not be read. */
export type SourceEntry =
  | {
      kind: 'item';
      raw: unknown;
      /** Where the item came from, e.g. "line 7" (files only). */
      location?: string;
      /** The item's JSON text as read, when the source has it (NDJSON lines): numbers JSON.stringify cannot write (1e999) survive in it. */
      text?: string;
    }
  | { kind: 'parse-error'; location: string; reason: string }
  | { kind: 'gap'; reason: string };

export interface SourceProgress {
  done: number;
  total: number | null;
  unit: 'bytes' | 'items';
}

export interface OpenedSnapshot {
  snapshotId: string | null;
  capturedAt: string | null;
  /** How many items the snapshot should hold, when the source knows. */
  expectedItems: number | null;
  warnings: string[];
  /** Known reasons why the source cannot deliver the whole snapshot. */
  incompleteReasons: string[];
  /** True when items arrive in itemId order (a DynamoDB Query), so no sort is needed. */
  ordered: boolean;
}

/** Where a run reads its snapshot from (a file, a DynamoDB table). */
export interface InventorySource {
  /** Resolves which snapshot is read and how big it is; called once before `entries`. */
  open(): Promise<OpenedSnapshot>;
  entries(onProgress?: (progress: SourceProgress) => void): AsyncIterable<SourceEntry>;
  describe(): string;
  /**
   * A file the SQL engine may read itself instead of taking `entries` (the same
   * entries, proved so by lib/sql/readNdjsonSql.ts, or it falls back to `entries`).
   */
  ndjsonFile?(): { path: string; snapshotFilter: string | null };
  /** The opened snapshot cut into at most `count` slices a partitioned run reads apart (lib/partitioned); absent: one slice. */
  partitions?(count: number): Promise<PartitionSpec[]>;
  /** A source of one slice `partitions` returned, read without opening the snapshot again. */
  partition?(spec: PartitionSpec): InventorySource;
  /** A file slice's counts, once read: the checks of the whole file are made when the slices are merged (lib/inventory/FileInventorySource.ts). */
  sliceStats?(): FileReadStats | null;
  /**
   * How many items the opened snapshot holds, without reading all of it: `enough` at most (then
   * `atLeast`), counted or estimated from `itemBytes`, an average item's bytes; null when it cannot say.
   */
  estimateItems?(enough: number, itemBytes: number): Promise<ItemEstimate | null>;
}

/** A count of items (InventorySource estimateItems): exact, at least this many, or estimated from bytes. */
export interface ItemEstimate {
  items: number;
  /** There are `items` or more (counting stopped there). */
  atLeast?: true;
}
