/**
 * The one interface every delivery channel implements, what a channel is given
 * and what it answers: the run record, GET /audits/{runId} and the CLI keep the
 * answers per channel. Channels are built from the registry (channelRegistry.ts)
 * and run side by side by notifyAll.ts.
 */
import type { ReportSource } from '../../report/ReportSource';
import type { AuditResult } from '../../audit/runAudit';
import type { FormatId } from '../../report/formats/formatIds';
import type { ReportFormat } from '../../report/formats/ReportFormat';
import type { RunRecord, StoredReport } from '../RunRecord';

/**
 * The channels a run can deliver through. `email` is the DPO's digest; `owner-email`
 * one digest per data owner; `slack` and `teams` chat incoming webhooks; `security-hub`
 * the non-compliant findings imported into AWS Security Hub.
 */
export const CHANNELS = ['email', 'owner-email', 'slack', 'teams', 'security-hub'] as const;
export type ChannelId = (typeof CHANNELS)[number];

/**
 * What each channel delivers, in words for people (the CLI's lines, warnings,
 * the help): here, beside the ids, so that the edges print them without loading
 * the channels. Typed over CHANNELS, so a new id without its words fails to compile.
 */
export const CHANNEL_TITLES: { readonly [K in ChannelId]: string } = {
  email: 'E-mail',
  'owner-email': 'Owner e-mail',
  slack: 'Slack message',
  teams: 'Teams message',
  'security-hub': 'Security Hub findings',
};

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
  /**
   * An account, not a delivery: findings the channel did not route and why (e.g. owner
   * digests: findings that name no owner). Neither sent nor failed: no alarm, no warning.
   */
  note?: string;
  attempts?: number;
  /** Reports attached to a mail. */
  attached?: FormatId[];
  /** How many findings it listed (owner digests). */
  findings?: number;
}

/** What a finished run gives each channel. */
export interface FinishedRun {
  /** The run as recorded once evaluated and stored; its status is not final (still `running`): it waits for the DPO's digest. */
  record: RunRecord;
  result: Pick<AuditResult, 'head' | 'mostSerious' | 'reports' | 'sha256'>;
  /**
   * The reports as stored (S3 key, SHA-256, size). Empty for the CLI, whose reports
   * stay on the machine that ran the audit, at `result.reports`' paths. (A dry run
   * notifies nobody.)
   */
  stored: Partial<Record<FormatId, StoredReport>>;
  /** The command that downloads the run's reports with the reader's own credentials; '' when `stored` is empty. */
  fetchCommand: string;
  /**
   * A report's bytes wherever it is: its file (`result.reports`), or for one put together in
   * the reports bucket (a partitioned run's JSON and CSV: in `stored`, not in `result.reports`)
   * the object, streamed. Null when the run wrote no report of that format.
   */
  report(format: FormatId): ReportSource | null;
  /**
   * What each format is (the registry, lib/report/formats/reportFormats.ts), handed
   * in: a channel that imported the registry would pack the writers' native
   * modules (pdfkit, DuckDB) into the failure handler, which builds every channel.
   */
  formats: { readonly [K in FormatId]: Pick<ReportFormat, 'contentType' | 'attachRank'> };
}

/**
 * One delivery channel. A notifier never throws for a delivery that fails: it
 * answers the failure as an outcome (retried first where the channel allows),
 * so one channel's failure neither fails the run nor stops the others.
 */
export interface Notifier {
  channel: ChannelId;
  /**
   * The reports it reads the run's findings back from, any one of them (owner digests:
   * the JSON; Security Hub: the OCSF feed or the JSON). A run that notifies it writes
   * the last of them when it was asked for none; the CLI refuses such a run instead.
   */
  reads?: readonly FormatId[];
  /** Delivers a finished run; one outcome per message sent (an owner digest sends several). */
  finished(run: FinishedRun): Promise<ChannelOutcome[]>;
  /** Tells of a run that failed (no reports); a channel that does not announce failures answers []. */
  failed(record: RunRecord, error: string): Promise<ChannelOutcome[]>;
}
