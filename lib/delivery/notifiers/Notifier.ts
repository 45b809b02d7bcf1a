import type { AuditResult } from '../../audit/runAudit';
import type { FormatId } from '../../report/formats/formatIds';
import type { RunRecord, StoredReport } from '../RunRecord';

/**
 * The channels a run can deliver through. `email` is the DPO's digest; `owner-email`
 * one digest per data owner; `slack` and `teams` chat incoming webhooks.
 */
export const CHANNELS = ['email', 'owner-email', 'slack', 'teams'] as const;
export type ChannelId = (typeof CHANNELS)[number];

/**
 * What one delivery did, kept in the run record (`notifications`) and shown by
 * `GET /audits/{id}` and the CLI. `to` says who, in words that are safe to log: an
 * address, or "Slack webhook (secret)" — never a webhook URL.
 */
export interface ChannelOutcome {
  channel: ChannelId;
  to: string;
  /** What was sent, e.g. the mail's subject. */
  subject?: string;
  sentAt?: string;
  messageId?: string;
  /** Why it failed after its retries (the run does not fail for it). */
  error?: string;
  attempts?: number;
  /** Reports attached to a mail. */
  attached?: FormatId[];
  /** How many findings it listed (owner digests). */
  findings?: number;
}

/** What a finished run gives each channel. */
export interface FinishedRun {
  record: RunRecord;
  result: Pick<AuditResult, 'head' | 'mostSerious' | 'reports' | 'sha256'>;
  /** The reports as stored (S3 key, SHA-256, size); empty for a dry run or the CLI. */
  stored: Partial<Record<FormatId, StoredReport>>;
  /** The command that downloads the run's reports with the reader's own credentials. */
  fetchCommand: string;
}

/**
 * One delivery channel. A notifier never throws for a delivery that fails: it
 * answers the failure as an outcome (retried first where the channel allows),
 * so one channel's failure neither fails the run nor stops the others.
 */
export interface Notifier {
  channel: ChannelId;
  /** Delivers a finished run; one outcome per message sent (an owner digest sends several). */
  finished(run: FinishedRun): Promise<ChannelOutcome[]>;
  /** Tells of a run that failed (no reports); a channel that does not announce failures answers []. */
  failed(record: RunRecord, error: string): Promise<ChannelOutcome[]>;
}
