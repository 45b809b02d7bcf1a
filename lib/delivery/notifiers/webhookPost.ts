/**
 * One POST of a JSON payload to a chat incoming webhook, retried the way the
 * services ask: exponential backoff with jitter on network errors, timeouts and
 * 5xx, the server's Retry-After on 429 (and 503), no retry on any other 4xx
 * (the payload or the URL is wrong and stays wrong). It never throws: it answers
 * what happened. A webhook URL is a credential (whoever holds it can post), so
 * no answer, error or log line built here contains it or any part of its path
 * or query.
 */
import { printable } from '../../text/printable';

export type WebhookLog = (level: 'info' | 'warn' | 'error', message: string, data?: Record<string, unknown>) => void;

export interface WebhookPostOptions {
  /** How the webhook is named in errors and logs, e.g. "Slack webhook". */
  label: string;
  /** Per attempt, for the answer and its body (default 10 s). */
  timeoutMs?: number;
  /** Attempts in all, the first included (default 4). */
  maxAttempts?: number;
  /** The first backoff (default 1 s); it doubles per attempt, with jitter. */
  baseDelayMs?: number;
  /** No backoff is longer than this (default 8 s). */
  maxDelayMs?: number;
  /** A Retry-After longer than this is not waited for: the delivery fails instead (default 30 s). */
  maxRetryAfterMs?: number;
  /** A 2xx answer whose body nonetheless says that the message was not delivered. */
  failedBody?: (body: string) => boolean;
  fetch?: typeof globalThis.fetch;
  sleep?: (ms: number) => Promise<void>;
  /** In [0, 1): the jitter. */
  random?: () => number;
  /** For a Retry-After given as an HTTP date. */
  now?: () => Date;
  log?: WebhookLog;
}

export interface WebhookPostResult {
  ok: boolean;
  attempts: number;
  /** The last HTTP status, when there was an answer. */
  status?: number;
  /** When the service accepted the message. */
  sentAt?: string;
  /** Why it was not delivered, in one sentence without the URL. */
  error?: string;
}

/** Attempts in all, and the time each may take, unless configured (WEBHOOK_MAX_ATTEMPTS, WEBHOOK_TIMEOUT_SECONDS). */
export const DEFAULT_ATTEMPTS = 4;
export const DEFAULT_TIMEOUT_SECONDS = 10;
const DEFAULTS = { timeoutMs: DEFAULT_TIMEOUT_SECONDS * 1000, maxAttempts: DEFAULT_ATTEMPTS, baseDelayMs: 1_000, maxDelayMs: 8_000, maxRetryAfterMs: 30_000 };
/** Characters of an answer's body quoted in an error (Slack answers a word such as "invalid_blocks"). */
const BODY_CHARS = 200;

type Attempt =
  | { kind: 'sent'; status: number }
  | { kind: 'retry'; error: string; status?: number; waitMs?: number }
  | { kind: 'fail'; error: string; status?: number };

const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;
const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Everything of `text` that could reveal the URL replaced by "[webhook URL]":
 * the URL itself, its path and query, and each path segment or query value
 * long enough to be a token (Slack's are in the path, Teams workflows' in `sig`).
 *
 * @example
 * redactUrl('connect ECONNREFUSED https://hooks.slack.com/services/T0/B0/XyZsecret', url) // 'connect ECONNREFUSED [webhook URL]'
 */
export function redactUrl(text: string, url: URL | null): string {
  if (!url) return text;
  const secrets = [url.href, `${url.pathname}${url.search}`, url.search.slice(1), url.pathname];
  for (const segment of url.pathname.split('/')) secrets.push(segment);
  for (const value of url.searchParams.values()) secrets.push(value);
  // As written in the URL too (a "+" stays a "+"), not only as decoded.
  for (const part of url.search.slice(1).split('&')) secrets.push(part, part.slice(part.indexOf('=') + 1));
  let out = text;
  for (const secret of secrets.filter((s) => s.length >= 6).sort((a, b) => b.length - a.length)) {
    out = out.split(secret).join('[webhook URL]');
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret) out = out.split(encoded).join('[webhook URL]');
  }
  return out;
}

/**
 * The webhook URL parsed, or why it cannot be used, in a sentence that does not
 * quote it. Only https leaves this machine; plain http is allowed to a loopback
 * sink (tests, a local relay).
 *
 * @example
 * checkWebhookUrl('http://hooks.slack.com/services/…', 'Slack webhook') // 'The Slack webhook URL must be an https URL (it starts with http://); …'
 */
export function checkWebhookUrl(text: string, label: string): URL | string {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return `The ${label} URL is not a valid URL (check the secret's value).`;
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    return `The ${label} URL must be an https URL (it starts with ${url.protocol}//); refusing to send the message in clear.`;
  }
  if (url.username || url.password) return `The ${label} URL must not carry a user name or password.`;
  return url;
}

/**
 * Retry-After in ms: delta-seconds or an HTTP date; null when absent or unreadable.
 *
 * @example
 * retryAfterMs('3', new Date()) // 3000
 */
export function retryAfterMs(header: string | null, now: Date): number | null {
  if (header === null || header.trim() === '') return null;
  const value = header.trim();
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now.getTime());
}

function networkError(cause: unknown, label: string, timeoutMs: number, timedOut: boolean): string {
  if (timedOut) return `${label} did not answer within ${seconds(timeoutMs)}`;
  // undici says "fetch failed" and keeps the reason in `cause`; only its code is quoted (its message may hold the host).
  const inner = (cause as { cause?: { code?: string; name?: string } })?.cause;
  const code = inner?.code ?? inner?.name ?? (cause as { code?: string })?.code ?? (cause as Error)?.name ?? 'Error';
  return `${label} could not be reached (${code})`;
}

function statusError(status: number, statusText: string, body: string, label: string): string {
  const said = body.trim() === '' ? '' : `: ${printable(body.trim().slice(0, BODY_CHARS))}`;
  const hint =
    status === 403 || status === 404 || status === 410
      ? '; the webhook was removed, its channel archived or the URL is wrong: create a new webhook and put its URL in the secret'
      : '';
  return `${label} answered HTTP ${status}${statusText ? ` ${statusText}` : ''}${said}${hint}`;
}

async function attempt(url: URL, body: string, options: Required<Pick<WebhookPostOptions, 'label' | 'timeoutMs' | 'maxRetryAfterMs'>> & WebhookPostOptions): Promise<Attempt> {
  const { label, timeoutMs } = options;
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  try {
    const response = await (options.fetch ?? globalThis.fetch)(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body,
      // A webhook does not redirect; following one would send the message somewhere else.
      redirect: 'manual',
      signal: controller.signal,
    });
    const text = await response.text();
    const { status } = response;
    if (status >= 200 && status < 300) {
      if (options.failedBody?.(text)) {
        return { kind: 'fail', status, error: `${label} answered HTTP ${status} but did not deliver the message: ${printable(text.trim().slice(0, BODY_CHARS))}` };
      }
      return { kind: 'sent', status };
    }
    const error = statusError(status, response.statusText, text, label);
    if (status === 429 || status === 503) {
      const wait = retryAfterMs(response.headers.get('retry-after'), (options.now ?? (() => new Date()))());
      if (wait !== null && wait > options.maxRetryAfterMs) {
        return { kind: 'fail', status, error: `${error}, asking to wait ${seconds(wait)}, longer than the ${seconds(options.maxRetryAfterMs)} a run waits` };
      }
      return { kind: 'retry', status, error, ...(wait !== null ? { waitMs: wait } : {}) };
    }
    if (status >= 500 || status === 408) return { kind: 'retry', status, error };
    if (status >= 300 && status < 400) return { kind: 'fail', status, error: `${label} answered with a redirect (HTTP ${status}), which is not followed` };
    return { kind: 'fail', status, error };
  } catch (cause) {
    return { kind: 'retry', error: networkError(cause, label, timeoutMs, timedOut) };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Posts `payload` as JSON to a webhook and answers what happened; never throws.
 *
 * @example
 * const result = await postWebhook(url, { text: 'hello' }, { label: 'Slack webhook' });
 * // { ok: true, attempts: 1, status: 200, sentAt: '2026-11-20T02:14:00.000Z' }
 * // { ok: false, attempts: 1, status: 400, error: 'Slack webhook answered HTTP 400 Bad Request: invalid_blocks; not retried.' }
 */
export async function postWebhook(webhookUrl: string, payload: unknown, options: WebhookPostOptions): Promise<WebhookPostResult> {
  const settings = { ...DEFAULTS, ...stripUndefined(options) };
  const checked = checkWebhookUrl(webhookUrl, settings.label);
  if (typeof checked === 'string') return { ok: false, attempts: 0, error: checked };
  const url = checked;
  const body = JSON.stringify(payload);
  const sleep = settings.sleep ?? sleepFor;
  const random = settings.random ?? Math.random;
  const maxAttempts = Math.max(1, Math.floor(settings.maxAttempts));
  for (let n = 1; ; n += 1) {
    const result = await attempt(url, body, settings);
    if (result.kind === 'sent') return { ok: true, attempts: n, status: result.status, sentAt: (settings.now ?? (() => new Date()))().toISOString() };
    const status = result.status !== undefined ? { status: result.status } : {};
    const error = redactUrl(result.error, url);
    if (result.kind === 'fail') return { ok: false, attempts: n, ...status, error: `${error}; not retried.` };
    if (n >= maxAttempts) return { ok: false, attempts: n, ...status, error: `${error}; gave up after ${n} attempt${n === 1 ? '' : 's'}.` };
    // Equal jitter: half the backoff is fixed, half random, so retries of many runs spread out.
    const backoff = Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** (n - 1));
    const waitMs = result.waitMs ?? Math.round(backoff / 2 + random() * (backoff / 2));
    settings.log?.('warn', `${settings.label} attempt ${n} of ${maxAttempts} failed; retrying in ${seconds(waitMs)}`, { error, attempt: n });
    await sleep(waitMs);
  }
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as T;
}
