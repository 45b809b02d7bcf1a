import type { RunRecord, RunStatus } from './RunRecord';

export type RunPatch = Partial<Omit<RunRecord, 'runId' | 'createdAt'>>;

/** Claiming an idempotency key: the run it already names, or the one just claimed for. */
export type IdempotencyClaim = { claimed: true } | { claimed: false; runId: string; requestHash: string };

/** Persistence of run records: get, put, update, list, and idempotency keys. Adapters turn SDK errors into StoreErrors. */
export interface RunStore {
  create(record: RunRecord): Promise<void>;
  update(runId: string, patch: RunPatch): Promise<RunRecord>;
  /**
   * Applies `patch` only while the run's status is one of `from` (a conditional
   * write): the one caller that wins gets the record, every other gets null.
   */
  transition(runId: string, from: readonly RunStatus[], patch: RunPatch): Promise<RunRecord | null>;
  get(runId: string): Promise<RunRecord | null>;
  /**
   * Counts one partition of a partitioned run as mapped, in one atomic write:
   * `progress.done` goes up by one while the run is `running` in its `map`
   * phase, and only the first time for this partition (a retried map step
   * counts once). The record, or null when nothing was counted.
   */
  countPartitionDone(runId: string, index: number): Promise<RunRecord | null>;
  /**
   * Counts one child of a step after the map as done, as countPartitionDone counts a
   * partition: a diff range (step `diff`), or a part of the reports (step `assemble`). The
   * first counted moves the progress to the step (`total` ranges or parts), and each counts
   * once. The record, or null when nothing was counted.
   */
  countStepDone(runId: string, step: 'diff' | 'assemble', index: number, total: number): Promise<RunRecord | null>;
  /** Newest first. */
  listRecent(limit: number): Promise<RunRecord[]>;
  /** Runs created at or after `since` that are still queued or running, oldest first. */
  listActive(since: Date): Promise<RunRecord[]>;
  /** Claims `key` for `runId` unless it was claimed before (then returns the earlier run). */
  claimIdempotencyKey(key: string, runId: string, requestHash: string): Promise<IdempotencyClaim>;
  /** The run an idempotency key names, if any. */
  findByIdempotencyKey(key: string): Promise<string | null>;
}
