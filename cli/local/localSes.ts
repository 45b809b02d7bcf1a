import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import nodemailer from 'nodemailer';

export interface LocalSes {
  endpoint: string;
  close(): Promise<void>;
}

async function body(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * A local stand-in for the Amazon SES v2 API (`AWS_ENDPOINT_URL_SESV2`): it
 * accepts `SendEmail` with raw content, the way nodemailer's SES transport
 * sends, and relays the message unchanged to an SMTP server (the mail sink).
 * It checks no identity and has no sandbox: those are SES's, and the IAM
 * check covers who may send as whom.
 *
 * @example
 * const ses = await startLocalSes('smtp://127.0.0.1:2525');
 */
export async function startLocalSes(smtpUrl: string, port = 0): Promise<LocalSes> {
  const relay = nodemailer.createTransport(smtpUrl);
  const server = createServer((request, response) => {
    const reply = (status: number, payload: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(payload));
    };
    if (request.method !== 'POST' || request.url !== '/v2/email/outbound-emails') {
      reply(404, { message: `The local SES supports SendEmail only, not ${request.method} ${request.url}.` });
      return;
    }
    body(request)
      .then(async (text) => {
        const input = JSON.parse(text) as {
          FromEmailAddress?: string;
          Destination?: { ToAddresses?: string[]; CcAddresses?: string[]; BccAddresses?: string[] };
          Content?: { Raw?: { Data?: string } };
        };
        const raw = input.Content?.Raw?.Data;
        if (!raw) return reply(400, { __type: 'BadRequestException', message: 'The local SES takes raw content only.' });
        const to = [...(input.Destination?.ToAddresses ?? []), ...(input.Destination?.CcAddresses ?? []), ...(input.Destination?.BccAddresses ?? [])];
        const mime = Buffer.from(raw, 'base64');
        const from = input.FromEmailAddress ?? /^From:.*?<?([^\s<>]+@[^\s<>]+)>?\s*$/im.exec(mime.toString('utf8'))?.[1] ?? 'unknown@localhost';
        await relay.sendMail({ envelope: { from, to: to.length > 0 ? to : parseRecipients(mime) }, raw: mime });
        reply(200, { MessageId: `local-${randomUUID()}` });
      })
      .catch((error: Error) => reply(500, { __type: 'InternalFailure', message: error.message }));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${bound}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Recipients from the To/Cc headers of a raw message (SES takes them from there when no destination is given). */
function parseRecipients(mime: Buffer): string[] {
  const head = mime.toString('utf8').split(/\r?\n\r?\n/, 1)[0] ?? '';
  const lines = head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/);
  return lines
    .filter((line) => /^(to|cc):/i.test(line))
    .flatMap((line) => line.slice(line.indexOf(':') + 1).match(/[^\s<>,"]+@[^\s<>,"]+/g) ?? []);
}
