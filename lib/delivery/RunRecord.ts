import type { FormatId } from '../report/formats/reportFormats';
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
}
