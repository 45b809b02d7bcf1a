import type { Readable } from 'node:stream';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import nodemailer from 'nodemailer';
import { StoreError } from '../errors';

export interface MailMessage {
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  /** Each from its file (`path`), or streamed (`content`: a report put together in the reports bucket). */
  attachments?: ({ filename: string; contentType: string } & ({ path: string } | { content: Readable }))[];
}

export interface Mailer {
  /** Sends one message; resolves to the message id the server gave it. */
  send(message: MailMessage): Promise<string>;
  describe(): string;
}

/**
 * A nodemailer transport: SMTP when `smtpUrl` is given (local: an SMTP sink),
 * otherwise Amazon SES v2 through the given client (or a default one).
 *
 * @example
 * const mailer = createMailer({ smtpUrl: 'smtp://127.0.0.1:2525' });
 */
export function createMailer(options: { smtpUrl?: string; sesClient?: SESv2Client }): Mailer {
  const transport = options.smtpUrl
    ? nodemailer.createTransport(options.smtpUrl)
    : nodemailer.createTransport({ SES: { sesClient: options.sesClient ?? new SESv2Client({}), SendEmailCommand } });
  const via = options.smtpUrl ? `SMTP ${new URL(options.smtpUrl).host}` : 'Amazon SES';
  return {
    describe: () => via,
    async send(message) {
      try {
        const info = await transport.sendMail(message);
        return String(info.messageId);
      } catch (cause) {
        throw new StoreError(`Sending the e-mail through ${via} failed: ${(cause as Error).message}`, { cause });
      }
    },
  };
}
