import type { RunRecord } from './RunRecord';

export type RunPatch = Partial<Omit<RunRecord, 'runId' | 'createdAt'>>;

/** Claiming an idempotency key: the run it already names, or the one just claimed for. */
export type IdempotencyClaim = { claimed: true } | { claimed: false; runId: string; requestHash: string };

/** Persistence of run records: get, put, update, list, and idempotency keys. Adapters turn SDK errors into StoreErrors. */
export interface RunStore {
  create(record: RunRecord): Promise<void>;
  update(runId: string, patch: RunPatch): Promise<RunRecord>;
  get(runId: string): Promise<RunRecord | null>;
  /** Newest first. */
  listRecent(limit: number): Promise<RunRecord[]>;
  /** Claims `key` for `runId` unless it was claimed before (then returns the earlier run). */
  claimIdempotencyKey(key: string, runId: string, requestHash: string): Promise<IdempotencyClaim>;
}
