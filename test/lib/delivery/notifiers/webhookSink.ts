/**
 * A real HTTP server on 127.0.0.1 standing in for a chat incoming webhook: it
 * keeps every request it receives and answers from a script (status, headers,
 * body, or no answer at all, for timeouts), then 200 "ok" like Slack.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SinkRequest {
  method: string;
  /** Path and query, as the webhook URL had them. */
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One scripted answer; 'hang' reads the request and never answers. */
export type SinkAnswer = { status: number; headers?: Record<string, string>; body?: string } | 'hang';

export interface WebhookSink {
  /** The base URL, e.g. http://127.0.0.1:41234 */
  origin: string;
  requests: SinkRequest[];
  /** The next answers, in order; once used up, 200 "ok". */
  script(...answers: SinkAnswer[]): void;
  close(): Promise<void>;
}

export async function startWebhookSink(): Promise<WebhookSink> {
  const requests: SinkRequest[] = [];
  const answers: SinkAnswer[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const answer = answers.shift() ?? { status: 200, body: 'ok' };
      if (answer === 'hang') return;
      res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
      res.end(answer.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    script: (...next) => answers.push(...next),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
