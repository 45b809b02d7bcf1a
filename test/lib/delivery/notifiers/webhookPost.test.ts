/** Posting to a chat webhook, against a real HTTP server on 127.0.0.1: retries, Retry-After, timeouts, and the URL kept secret. */
import { postWebhook, redactUrl, retryAfterMs, type WebhookPostOptions } from '../../../../lib/delivery/notifiers/webhookPost';
import { SECRET_PATH } from './webhookFixtures';
import { startWebhookSink, type WebhookSink } from './webhookSink';

let sink: WebhookSink;
beforeEach(async () => {
  sink = await startWebhookSink();
});
afterEach(() => sink.close());

/** Every log line and every sleep, so that tests see what the poster did without waiting for real. */
function harness(extra: Partial<WebhookPostOptions> = {}) {
  const logged: string[] = [];
  const sleeps: number[] = [];
  const options: WebhookPostOptions = {
    label: 'Slack webhook',
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    log: (level, message, data) => logged.push(`${level} ${message} ${JSON.stringify(data ?? {})}`),
    ...extra,
  };
  return { options, logged, sleeps };
}

const url = () => `${sink.origin}${SECRET_PATH}?sig=Zm9vYmFyc2VjcmV0c2ln`;
const payload = { text: 'hello' };

/** Nothing that leaves the poster may hold the token, the path or the signature. */
function expectNoSecret(...texts: unknown[]) {
  for (const text of texts) {
    const json = JSON.stringify(text);
    expect(json).not.toContain('Xk9sEcReTt0kEnVaLuE123');
    expect(json).not.toContain('T0SECRET01');
    expect(json).not.toContain('Zm9vYmFyc2VjcmV0c2ln');
  }
}

describe('postWebhook', () => {
  it('posts the payload as JSON once when the service accepts it', async () => {
    const { options, sleeps } = harness();
    const result = await postWebhook(url(), payload, options);
    expect(result).toEqual({ ok: true, attempts: 1, status: 200, sentAt: expect.any(String) });
    expect(sink.requests).toHaveLength(1);
    expect(sink.requests[0]).toMatchObject({ method: 'POST', path: `${SECRET_PATH}?sig=Zm9vYmFyc2VjcmV0c2ln` });
    expect(sink.requests[0]!.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(sink.requests[0]!.body)).toEqual(payload);
    expect(sleeps).toEqual([]);
  });

  it('retries a 500 and succeeds on the second attempt, logging the retry without the URL', async () => {
    sink.script({ status: 500, body: 'internal <error>' });
    const { options, logged, sleeps } = harness();
    const result = await postWebhook(url(), payload, options);
    expect(result).toMatchObject({ ok: true, attempts: 2, status: 200 });
    expect(sink.requests).toHaveLength(2);
    expect(sink.requests[1]!.body).toBe(sink.requests[0]!.body);
    expect(sleeps).toHaveLength(1);
    expect(logged).toEqual([expect.stringMatching(/^warn Slack webhook attempt 1 of 4 failed; retrying in .*HTTP 500 Internal Server Error: internal <error>/)]);
    expectNoSecret(result, logged);
  });

  it('backs off exponentially with jitter, within the cap, and gives up after maxAttempts', async () => {
    sink.script(...Array.from({ length: 5 }, () => ({ status: 503, body: 'busy' })));
    const { options, sleeps } = harness({ random: () => 0, baseDelayMs: 1_000, maxDelayMs: 3_000, maxAttempts: 5 });
    const result = await postWebhook(url(), payload, options);
    expect(result).toEqual({ ok: false, attempts: 5, status: 503, error: 'Slack webhook answered HTTP 503 Service Unavailable: busy; gave up after 5 attempts.' });
    // Equal jitter with random 0: half of 1, 2, 3 (capped), 3 s.
    expect(sleeps).toEqual([500, 1_000, 1_500, 1_500]);
    const { options: high, sleeps: highSleeps } = harness({ random: () => 0.999, baseDelayMs: 1_000, maxDelayMs: 3_000, maxAttempts: 2 });
    sink.script({ status: 502 });
    await postWebhook(url(), payload, high);
    expect(highSleeps[0]).toBeGreaterThan(990);
    expect(highSleeps[0]).toBeLessThanOrEqual(1_000);
  });

  it('waits what a 429 says in Retry-After (seconds or an HTTP date) before trying again', async () => {
    sink.script({ status: 429, headers: { 'retry-after': '2' }, body: 'rate_limited' });
    const { options, sleeps } = harness();
    expect(await postWebhook(url(), payload, options)).toMatchObject({ ok: true, attempts: 2 });
    expect(sleeps).toEqual([2_000]);

    const now = new Date('2026-11-20T02:00:00Z');
    sink.script({ status: 429, headers: { 'retry-after': 'Fri, 20 Nov 2026 02:00:07 GMT' } });
    const dated = harness({ now: () => now });
    expect(await postWebhook(url(), payload, dated.options)).toMatchObject({ ok: true, attempts: 2 });
    expect(dated.sleeps).toEqual([7_000]);
  });

  it('does not wait for a Retry-After longer than a run waits', async () => {
    sink.script({ status: 429, headers: { 'retry-after': '3600' } });
    const { options, sleeps } = harness();
    const result = await postWebhook(url(), payload, options);
    expect(result).toEqual({
      ok: false,
      attempts: 1,
      status: 429,
      error: 'Slack webhook answered HTTP 429 Too Many Requests, asking to wait 3600 s, longer than the 30 s a run waits; not retried.',
    });
    expect(sleeps).toEqual([]);
  });

  it('does not retry a 400: the payload stays wrong', async () => {
    sink.script({ status: 400, body: 'invalid_blocks' });
    const { options } = harness();
    const result = await postWebhook(url(), payload, options);
    expect(result).toEqual({ ok: false, attempts: 1, status: 400, error: 'Slack webhook answered HTTP 400 Bad Request: invalid_blocks; not retried.' });
    expect(sink.requests).toHaveLength(1);
  });

  it('says what to do when the webhook is gone (404, 410)', async () => {
    sink.script({ status: 404, body: 'no_service' });
    const result = await postWebhook(url(), payload, harness().options);
    expect(result.error).toBe(
      'Slack webhook answered HTTP 404 Not Found: no_service; the webhook was removed, its channel archived or the URL is wrong: create a new webhook and put its URL in the secret; not retried.',
    );
  });

  it('gives up on a service that does not answer within the timeout, after its attempts', async () => {
    sink.script('hang', 'hang');
    const { options, sleeps } = harness({ timeoutMs: 100, maxAttempts: 2 });
    const result = await postWebhook(url(), payload, options);
    expect(result).toEqual({ ok: false, attempts: 2, error: 'Slack webhook did not answer within 0.1 s; gave up after 2 attempts.' });
    expect(sink.requests).toHaveLength(2);
    expect(sleeps).toHaveLength(1);
  });

  it('retries a connection that is refused, and names only the error code', async () => {
    const closed = sink.origin;
    await sink.close();
    const { options, logged } = harness({ maxAttempts: 3 });
    const result = await postWebhook(`${closed}${SECRET_PATH}`, payload, options);
    expect(result).toEqual({ ok: false, attempts: 3, error: 'Slack webhook could not be reached (ECONNREFUSED); gave up after 3 attempts.' });
    expectNoSecret(result, logged);
    sink = await startWebhookSink();
  });

  it('does not follow a redirect', async () => {
    sink.script({ status: 302, headers: { location: 'http://127.0.0.1:1/elsewhere' } });
    const result = await postWebhook(url(), payload, harness().options);
    expect(result).toEqual({ ok: false, attempts: 1, status: 302, error: 'Slack webhook answered with a redirect (HTTP 302), which is not followed; not retried.' });
    expect(sink.requests).toHaveLength(1);
  });

  it('treats a 2xx whose body says the message was dropped as a failure (classic Teams connectors)', async () => {
    sink.script({ status: 200, body: 'Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 413' });
    const { options } = harness({ label: 'Teams webhook', failedBody: (body) => /fail|error/i.test(body) });
    const result = await postWebhook(url(), payload, options);
    expect(result).toMatchObject({ ok: false, attempts: 1, status: 200 });
    expect(result.error).toMatch(/^Teams webhook answered HTTP 200 but did not deliver the message: Webhook message delivery failed/);
  });

  it('refuses a URL that would send the message in clear, or is not a URL, without quoting it', async () => {
    const clear = await postWebhook(`http://hooks.example.com${SECRET_PATH}`, payload, harness().options);
    expect(clear).toEqual({ ok: false, attempts: 0, error: 'The Slack webhook URL must be an https URL (it starts with http://); refusing to send the message in clear.' });
    const junk = await postWebhook(`not a url ${SECRET_PATH}`, payload, harness().options);
    expect(junk).toEqual({ ok: false, attempts: 0, error: "The Slack webhook URL is not a valid URL (check the secret's value)." });
    const userinfo = await postWebhook(`https://user:Xk9sEcReTt0kEnVaLuE123@hooks.example.com/x`, payload, harness().options);
    expect(userinfo.error).toBe('The Slack webhook URL must not carry a user name or password.');
    expectNoSecret(clear, junk, userinfo);
    expect(sink.requests).toHaveLength(0);
  });

  it('keeps the URL out of an error body that quotes it back', async () => {
    sink.script({ status: 400, body: `bad request to ${url()} (path ${SECRET_PATH})` });
    const result = await postWebhook(url(), payload, harness().options);
    expect(result.error).toContain('[webhook URL]');
    expectNoSecret(result);
  });
});

describe('redactUrl', () => {
  it('hides the URL, its path, its query and each token-like part, plain or encoded', () => {
    const secret = new URL(`https://hooks.slack.com${SECRET_PATH}?sig=a/b+c=d`);
    const text = `POST ${secret.href} failed; path ${SECRET_PATH}; token Xk9sEcReTt0kEnVaLuE123; sig ${encodeURIComponent('a/b+c=d')}`;
    const redacted = redactUrl(text, secret);
    expect(redacted).not.toMatch(/Xk9sEcReTt0kEnVaLuE123|B0SECRET02|a%2Fb|a\/b\+c=d/);
    expect(redacted).toBe('POST [webhook URL] failed; path [webhook URL]; token [webhook URL]; sig [webhook URL]');
  });
});

describe('retryAfterMs', () => {
  const now = new Date('2026-11-20T02:00:00Z');
  it.each([
    ['2', 2_000],
    ['0.5', 500],
    ['Fri, 20 Nov 2026 02:00:30 GMT', 30_000],
    ['Fri, 20 Nov 2026 01:00:00 GMT', 0],
    ['soon', null],
    ['', null],
    [null, null],
  ])('%s → %s', (header, expected) => {
    expect(retryAfterMs(header, now)).toBe(expected);
  });
});
