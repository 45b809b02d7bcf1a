import type { FormatId } from '../report/formats/formatIds';
import type { TrendCounts } from '../report/trend';
import { ConflictError, StoreError } from '../errors';
import type { Verdict } from '../model';

/**
 * What a run remembers of one finding for the next run: its identity (sort
 * key), verdict, when that verdict was first seen, and enough to list it as
 * resolved or as a hold that ended. State files are sorted by `key`.
 */
export interface FindingState {
  /** identityKey(finding) + '\u0002' + itemId: the sort order of a state file. */
  key: string;
  fingerprint: string;
  verdict: Verdict;
  firstSeenAt: string;
  itemId: string | null;
  tenantId: string | null;
  module: string | null;
  dataCategory: string | null;
  resource: string | null;
  /** For exempt findings: the legal hold's reason sentence. */
  hold?: string;
}

/** A completed run as the history index keeps it (and `verify` reads it). */
export interface HistoryRun {
  runId: string;
  scope: string;
  snapshotId: string | null;
  snapshotCapturedAt: string | null;
  snapshotSha256: string;
  finishedAt: string;
  /** Where each report is kept (a local path, or an object key in the reports bucket) and its SHA-256. */
  reports: Partial<Record<FormatId, { path: string; sha256: string }>>;
  /** The run's point in the scope's trend (lib/report/trend.ts); runs recorded before trends have none. */
  counts?: TrendCounts;
}

/** A run of buckets of the identity space (lib/partitioned/diffRanges.ts), first and last inclusive: what a diff range holds. */
export interface BucketRange {
  from: number;
  to: number;
}

export interface PreviousRun {
  run: HistoryRun;
  /** The run's finding states, in key order. */
  states(): AsyncIterable<FindingState>;
  /**
   * The run's states of some buckets only, in key order, read from the parts that hold them
   * (a store that kept the run's states by diff range: a diff range reads its own, not all).
   * Absent when the store keeps them whole: the caller filters `states()`.
   */
  statesOf?(buckets: BucketRange): AsyncIterable<FindingState>;
  /** The same states as a Parquet file DuckDB reads itself (lib/history/parquetStates.ts), when the store keeps them so. */
  parquetPath?: string;
}

/**
 * Why the scope's latest run cannot be compared with (a history file or record
 * that does not parse). The audit then goes on as if there were no previous run.
 */
export interface SkippedPrevious {
  /** One sentence for the run's warnings, naming the damaged file (and line) or record. */
  reason: string;
  /** The scope's latest run all the same (null: none readable): the basis to pass to begin(), so this run can become the latest. */
  headRunId: string | null;
}

export interface HistoryWriter {
  write(state: FindingState): Promise<void>;
  /**
   * For stores that keep a run's states by diff range (the audit-runs table): the states written
   * next, until the next part, are those of these buckets, in key order; parts come in bucket
   * order. Without parts, write() takes every state in key order.
   */
  startPart?(buckets: BucketRange): Promise<void>;
  /**
   * For the same stores: a part another process wrote beforehand (HistoryStore.writePart: a diff
   * range's function), which the commit then names; parts come in bucket order.
   */
  adoptPart?(part: WrittenPart): void;
  /**
   * Instead of write(), for stores that keep states as Parquet files: `copy`
   * writes all the run's states, in key order, as one Parquet file (the columns of
   * lib/history/parquetStates.ts) at the path it is given — the SQL engine's COPY.
   */
  writeParquet?(copy: (path: string) => Promise<void>): Promise<void>;
  /**
   * Makes this run the scope's latest completed run, unless another run of the
   * scope committed since this one read its basis: then a HistoryConflictError,
   * and the other run stays the latest (nobody's basis is silently lost).
   */
  commit(run: HistoryRun): Promise<void>;
  abort(): Promise<void>;
}

/** A run's states of one diff range, written apart before the run commits (HistoryStore.writePart): plain JSON. */
export interface WrittenPart extends BucketRange {
  /** The diff range it holds (its chunks are keyed by it). */
  index: number;
  chunks: number;
}

/** Where runs keep their history: a folder for the CLI, the audit-runs table for Lambda. */
export interface HistoryStore {
  /**
   * Writes one diff range's states of run `runId` (in key order) as a part of their own, for
   * the writer of that run to adopt at its commit; nothing reads them until a commit names them.
   * A diff range's function calls it, so no one process writes every state of a large run.
   * Absent for stores that keep a run's states in one file.
   */
  writePart?(scope: string, runId: string, part: { index: number; buckets: BucketRange }, states: AsyncIterable<FindingState>, signal?: AbortSignal): Promise<WrittenPart>;
  /**
   * The scope's latest completed run, to compare with; null when there is none.
   * A damaged history never blocks an audit: the store answers null and tells
   * `skipped` why (without `skipped`, the reason is lost).
   */
  previous(scope: string, skipped?: (skip: SkippedPrevious) => void): Promise<PreviousRun | null>;
  /**
   * The scope's last `limit` committed runs, newest first (for the trend), read
   * from the index, never by listing every run. A record that does not parse is
   * left out and `skipped` gets one sentence naming it; it still counts towards
   * `limit` (the window is the last `limit` records).
   */
  recentRuns(scope: string, limit: number, skipped?: (reason: string) => void): Promise<HistoryRun[]>;
  /** Starts writing a run's states; `basisRunId` is the previous run it was compared with (null: none). */
  begin(scope: string, runId: string, basisRunId: string | null): HistoryWriter;
  /** A recorded run by id, in any scope (for `verify`). */
  findRun(runId: string): Promise<HistoryRun | null>;
  describe(): string;
}

/** Another run of the same scope became the latest while this one ran. */
export class HistoryConflictError extends ConflictError {}

/** A history file or record does not parse; the message names it (and the line). */
export class HistoryDamagedError extends StoreError {}
