import type { FormatId } from '../report/formats/formatIds';
import type { ReportHead, Summary, Trigger } from '../report/ReportModel';
import type { ChannelOutcome } from './notifiers/Notifier';
import { formatCount } from '../units';

export const RUN_STATUSES = ['queued', 'running', 'succeeded', 'partial', 'failed'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export interface StoredReport {
  key: string;
  sha256: string;
  bytes: number;
}

/** The DPO e-mail's outcome in the shape `email` had before `notifications` (RunRecord.email). */
export interface EmailOutcome {
  to: string[];
  subject: string;
  /** Reports attached to the mail (the others are named with their key and SHA-256). */
  attached?: FormatId[];
  messageId?: string;
  sentAt?: string;
  error?: string;
}

/** What a run asks for: the same for a schedule, an HTTP request and a retry. */
export interface AuditRequest {
  snapshotId?: string;
  formats: FormatId[];
  notify: boolean;
  dryRun: boolean;
}

/**
 * One audit run as the audit-runs table keeps it, written at every step so a
 * run that dies half-way is visible as failed (or stuck running), never missing.
 */
export interface RunRecord {
  runId: string;
  trigger: Trigger;
  /** The IAM principal for HTTP runs, "schedule" for the nightly run. */
  requestedBy: string;
  request: AuditRequest;
  status: RunStatus;
  createdAt: string;
  updatedAt: string;
  startedAt?: string;
  finishedAt?: string;
  snapshotId?: string | null;
  /** Order-independent digest of the snapshot's items: evidence of what was audited. */
  snapshotSha256?: string;
  catalogVersion?: string;
  changes?: { previousRunId: string | null; new: number; persisting: number; resolved: number; newViolations: number } | null;
  stale?: boolean;
  summary?: Pick<Summary, 'items' | 'complete' | 'byVerdict' | 'bySeverity' | 'specialCategoryViolations' | 'incompleteReasons'>;
  reports?: Partial<Record<FormatId, StoredReport>>;
  /**
   * What each channel delivered, one entry per message (the digest, or the
   * failure mail of a failed run), in the order of the configured channels. A
   * channel that could not deliver has `error`; only the e-mail channel's makes
   * the run `partial`, the others' are also listed in `warnings`.
   */
  notifications?: ChannelOutcome[];
  /**
   * The e-mail channel's entry of `notifications` in its former shape (`to` a
   * list). Kept, and still written, for readers of GET /audits/{id} written
   * before `notifications`; new readers use `notifications`.
   */
  email?: EmailOutcome;
  error?: string;
  /** When the function running it will be stopped by Lambda: past this (and a minute), a `running` run is swept as failed. */
  deadlineAt?: string;
  /**
   * The Step Functions execution running it (plan → map → reduce), for a run
   * whose snapshot reached PARTITION_THRESHOLD_ITEMS: the sweep asks it whether
   * the run is still going instead of judging by a deadline.
   */
  executionArn?: string;
  /** How far the run got, written every few seconds while it runs: what a timeout or a kill reports. */
  progress?: RunProgress;
  /** Things the DPO should know that did not stop the run (e.g. it did not become history). */
  warnings?: string[];
}

export interface RunProgress {
  /** `mail` is what records written before the channels say for `notify`; `map`, `diff` and `assemble` are a partitioned run's map, diff and assembly steps. */
  phase: 'map' | 'diff' | 'assemble' | 'evaluate' | 'write' | 'store' | 'notify' | 'mail';
  done: number;
  total: number | null;
  unit: 'bytes' | 'items' | 'reports' | 'channels' | 'partitions' | 'ranges' | 'parts';
  at: string;
}

/**
 * How far a run got, in words.
 *
 * @example
 * describeProgress({ phase: 'evaluate', done: 1200, total: 5000, unit: 'items', at }) // 'evaluating: 1,200 of 5,000 items read'
 * describeProgress({ phase: 'map', done: 3, total: 16, unit: 'partitions', at }) // 'mapping the partitions: 3 of 16 partitions done'
 * describeProgress({ phase: 'diff', done: 2, total: 16, unit: 'ranges', at }) // 'diffing with history: 2 of 16 ranges done'
 * describeProgress({ phase: 'assemble', done: 5, total: 8, unit: 'parts', at }) // 'writing the reports in parts: 5 of 8 parts done'
 */
export function describeProgress(progress: RunProgress | undefined): string {
  if (!progress) return 'before reading the snapshot';
  const amount = `${formatCount(progress.done)}${progress.total !== null ? ` of ${formatCount(progress.total)}` : ''} ${progress.unit}`;
  const phase = { map: 'mapping the partitions', diff: 'diffing with history', assemble: 'writing the reports in parts', evaluate: 'evaluating', write: 'writing the reports', store: 'storing the reports', notify: 'notifying', mail: 'sending the digest' }[progress.phase];
  return `${phase}: ${amount} ${progress.phase === 'evaluate' ? 'read' : 'done'}`;
}

/** What an evaluated run adds to its record, from its report's head. */
export type RunFacts = Required<Pick<RunRecord, 'finishedAt' | 'snapshotId' | 'catalogVersion' | 'changes' | 'stale' | 'summary'>> & Pick<RunRecord, 'snapshotSha256'>;

/**
 * The facts of an evaluated run as its record keeps them: the same for a
 * function's run and the command line's (whose record only its notifiers see).
 *
 * @example
 * runFacts(result.head) // { finishedAt, snapshotId: 'snap-2026-11-20', snapshotSha256: 'sha256:…', catalogVersion, changes, stale: false, summary }
 */
export function runFacts(head: ReportHead): RunFacts {
  const { run, summary, changes } = head;
  return {
    finishedAt: run.finishedAt,
    snapshotId: run.snapshotId,
    snapshotSha256: run.snapshotSha256,
    catalogVersion: run.catalogVersion,
    changes: changes
      ? { previousRunId: changes.previousRunId, new: changes.new, persisting: changes.persisting, resolved: changes.resolved, newViolations: changes.newViolations }
      : null,
    stale: head.stale?.stale ?? false,
    summary: {
      items: summary.items,
      complete: summary.complete,
      byVerdict: summary.byVerdict,
      bySeverity: summary.bySeverity,
      specialCategoryViolations: summary.specialCategoryViolations,
      incompleteReasons: summary.incompleteReasons,
    },
  };
}
