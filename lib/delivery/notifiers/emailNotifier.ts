/**
 * The DPO's e-mail, the first delivery channel: the run's one digest (never one
 * mail per finding) and the mail of a run that failed. Its digest is the
 * product's promise, so a run whose digest is not sent ends `partial`
 * (executeAudit); every other channel only warns.
 */
import { stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { z } from 'zod';
import type { FormatId } from '../../report/formats/formatIds';
import { deliveryConfigSchema } from '../config';
import { composeDigest, composeFailure, splitAttachments, type ComposedMail, type DigestDelivery, type MailedReport } from '../digest';
import type { Mailer, MailMessage } from '../Mailer';
import type { EmailOutcome, StoredReport } from '../RunRecord';
import { readChannelSettings, type DeliveryChannel } from './DeliveryChannel';
import type { ChannelOutcome, FinishedRun, Notifier } from './Notifier';

export interface EmailNotifierOptions {
  mailer: Mailer;
  from: string;
  /** The DPO's addresses: from configuration only, never from a request. */
  to: string[];
  /** Reports are attached (the PDF first) while their total stays within this; the others are named with their key and SHA-256. */
  attachLimitBytes: number;
}

/** The sender when none is configured: the functions require SENDER_EMAIL; the command line may mail a local SMTP sink without one. */
export const LOCAL_SENDER = 'retention-auditor@localhost';

/** The outcomes' `to`: the addresses, separated by ", " (an address cannot hold a comma: DPO_EMAIL is split on them). */
const RECIPIENT_SEPARATOR = ', ';

/** `path`: the report's file on this machine, if it has one (a report put together in the reports bucket has none). */
type MailableReport = MailedReport & { format: FormatId; path?: string; attachRank: number | null };

/** The run's reports as the digest lists them: stored ones by S3 key; the CLI's, which stay where they were written, by path. */
async function reportsOf(run: FinishedRun): Promise<MailableReport[]> {
  const stored = Object.entries(run.stored) as [FormatId, StoredReport][];
  if (stored.length > 0) {
    return stored.map(([format, report]) => ({ format, path: run.result.reports[format], key: report.key, sha256: report.sha256, bytes: report.bytes, attachRank: run.formats[format].attachRank }));
  }
  return Promise.all(
    (Object.entries(run.result.reports) as [FormatId, string][]).map(async ([format, path]) => ({
      format,
      path,
      key: resolve(path),
      sha256: run.result.sha256[format]!,
      bytes: (await stat(path)).size,
      attachRank: run.formats[format].attachRank,
    })),
  );
}

/** Where every report can be had: the fetch command for stored reports, the folder for the CLI's. Never a link that expires before it is read. */
function retrievalOf(run: FinishedRun, reports: readonly MailableReport[]): Pick<DigestDelivery, 'retrieval' | 'command'> {
  if (Object.keys(run.stored).length > 0) {
    return { retrieval: 'Every report of this run, downloaded with your own AWS credentials and checked against its SHA-256:', command: run.fetchCommand };
  }
  return { retrieval: `Every report of this run is in ${resolve(dirname(reports[0]?.path ?? '.'))} on the machine that ran the audit.` };
}

/**
 * The DPO's e-mail channel. It never throws: a mail the server refuses (or a
 * digest that cannot be composed) is answered as an outcome with its error.
 *
 * @example
 * const email = emailNotifier({ mailer: createMailer({ smtpUrl }), from: 'auditor@example.com', to: ['dpo@example.com'], attachLimitBytes: 7_000_000 });
 * await email.finished(run) // [{ channel: 'email', to: 'dpo@example.com', subject: '[Retention audit] …', messageId: '<…>', sentAt: '…', attached: ['pdf'] }]
 */
export function emailNotifier(options: EmailNotifierOptions): Notifier {
  const to = options.to.join(RECIPIENT_SEPARATOR);
  const send = async (mail: ComposedMail, outcome: ChannelOutcome, attachments?: MailMessage['attachments']): Promise<ChannelOutcome> => {
    try {
      const messageId = await options.mailer.send({ from: options.from, to: options.to, ...mail, ...(attachments ? { attachments } : {}) });
      return { ...outcome, messageId, sentAt: new Date().toISOString() };
    } catch (error) {
      return { ...outcome, error: (error as Error).message };
    }
  };
  return {
    channel: 'email',
    async finished(run) {
      let mail: ComposedMail;
      let attached: MailableReport[];
      try {
        const reports = await reportsOf(run);
        let notAttached: MailableReport[];
        ({ attached, notAttached } = splitAttachments(reports, options.attachLimitBytes));
        mail = composeDigest(run.result.head, { attached, notAttached, ...retrievalOf(run, reports) }, run.result.mostSerious);
      } catch (error) {
        return [{ channel: 'email', to, error: `The digest could not be composed: ${(error as Error).message}` }];
      }
      // A report put together in the reports bucket is attached from there, streamed.
      const attachments = attached.map(({ format, path, key }) => ({
        filename: basename(path ?? key),
        ...(path ? { path } : { content: Readable.from(run.report(format)!.bytes()) }),
        contentType: run.formats[format].contentType,
      }));
      return [await send(mail, { channel: 'email', to, subject: mail.subject, attached: attached.map((report) => report.format) }, attachments)];
    },
    async failed(record, error) {
      const mail = composeFailure(record, error);
      return [await send(mail, { channel: 'email', to, subject: mail.subject })];
    },
  };
}

/** The channel's settings: the deployment's own variables (lib/delivery/config.ts), the sender optional for the command line. */
const emailSettings = deliveryConfigSchema.pick({ DPO_EMAIL: true, ATTACH_MAX_BYTES: true }).extend({ SENDER_EMAIL: z.email().optional() });

/** The registry's entry for the DPO's e-mail. */
export const emailDelivery: DeliveryChannel<'email'> = {
  id: 'email',
  description: "the run's digest, reports attached up to ATTACH_MAX_BYTES, and the failure mail, to DPO_EMAIL from SENDER_EMAIL (through SMTP_URL when set, otherwise Amazon SES)",
  create(context) {
    const settings = readChannelSettings(emailSettings, context.env, context.origin);
    return emailNotifier({ mailer: context.mailer(), from: settings.SENDER_EMAIL ?? LOCAL_SENDER, to: settings.DPO_EMAIL, attachLimitBytes: settings.ATTACH_MAX_BYTES });
  },
};

/**
 * The run record's `email` (kept for readers of GET /audits/{id} written before
 * `notifications`): the e-mail channel's outcome in its former shape.
 *
 * @example
 * emailOutcomeOf({ channel: 'email', to: 'a@example.com, b@example.com', subject: 'S', messageId: '<1@x>' })
 * // { to: ['a@example.com', 'b@example.com'], subject: 'S', messageId: '<1@x>' }
 */
export function emailOutcomeOf(outcome: ChannelOutcome): EmailOutcome {
  const { to, subject, attached, messageId, sentAt, error } = outcome;
  return {
    to: to.split(RECIPIENT_SEPARATOR),
    subject: subject ?? '',
    ...(attached ? { attached } : {}),
    ...(messageId ? { messageId } : {}),
    ...(sentAt ? { sentAt } : {}),
    ...(error ? { error } : {}),
  };
}
