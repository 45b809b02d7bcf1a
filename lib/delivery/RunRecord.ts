import type { FormatId } from '../report/formats/formatIds';
import type { Summary, Trigger } from '../report/ReportModel';

export const RUN_STATUSES = ['queued', 'running', 'succeeded', 'partial', 'failed'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export interface StoredReport {
  key: string;
  sha256: string;
  bytes: number;
}

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
  email?: EmailOutcome;
  error?: string;
  /** When the function running it will be stopped by Lambda: past this (and a minute), a `running` run is swept as failed. */
  deadlineAt?: string;
  /** How far the run got, written every few seconds while it runs: what a timeout or a kill reports. */
  progress?: RunProgress;
  /** Things the DPO should know that did not stop the run (e.g. it did not become history). */
  warnings?: string[];
}

export interface RunProgress {
  phase: 'evaluate' | 'write' | 'store' | 'mail';
  done: number;
  total: number | null;
  unit: 'bytes' | 'items' | 'reports';
  at: string;
}

/**
 * How far a run got, in words.
 *
 * @example
 * describeProgress({ phase: 'evaluate', done: 1200, total: 5000, unit: 'items', at }) // 'evaluating: 1,200 of 5,000 items read'
 */
export function describeProgress(progress: RunProgress | undefined): string {
  if (!progress) return 'before reading the snapshot';
  const count = (n: number) => n.toLocaleString('en-US');
  const amount = `${count(progress.done)}${progress.total !== null ? ` of ${count(progress.total)}` : ''} ${progress.unit}`;
  const phase = { evaluate: 'evaluating', write: 'writing the reports', store: 'storing the reports', mail: 'sending the digest' }[progress.phase];
  return `${phase}: ${amount} ${progress.phase === 'evaluate' ? 'read' : 'done'}`;
}
