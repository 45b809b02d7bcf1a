/**
 * The Slack and Teams notifiers end to end against a real HTTP server on
 * 127.0.0.1: the payloads as the services take them, retries, a secret that
 * cannot be read, hostile inventory text, truncation, and the URL never told.
 */
import { chatSummary } from '../../../../lib/delivery/notifiers/chatSummary';
import type { ChannelOutcome, Notifier } from '../../../../lib/delivery/notifiers/Notifier';
import { SLACK_LIMITS, slackCode, slackMessage, slackNotifier, slackText } from '../../../../lib/delivery/notifiers/slackNotifier';
import { TEAMS_MAX_BYTES, teamsMessage, teamsNotifier } from '../../../../lib/delivery/notifiers/teamsNotifier';
import type { WebhookNotifierOptions } from '../../../../lib/delivery/notifiers/webhookNotifier';
import { NotFoundError } from '../../../../lib/errors';
import { FETCH_COMMAND, finishedRun, head, record, SECRET_PATH, serious } from './webhookFixtures';
import { startWebhookSink, type WebhookSink } from './webhookSink';

let sink: WebhookSink;
let logged: string[];
beforeEach(async () => {
  sink = await startWebhookSink();
  logged = [];
});
afterEach(() => sink.close());

const SLACK_SECRET = '/retention-auditor/prod/slack-webhook';
const TEAMS_SECRET = '/retention-auditor/prod/teams-webhook';

function options(secret: string, extra: Partial<WebhookNotifierOptions> = {}): WebhookNotifierOptions {
  return {
    webhookUrl: async () => `${sink.origin}${SECRET_PATH}?sig=Zm9vYmFyc2VjcmV0c2ln`,
    source: `secret ${secret}`,
    post: { sleep: async () => {}, random: () => 0.5 },
    log: (level, message, data) => logged.push(`${level} ${message} ${JSON.stringify(data ?? {})}`),
    ...extra,
  };
}

const slack = (extra: Partial<WebhookNotifierOptions> = {}) => slackNotifier(options(SLACK_SECRET, extra));
const teams = (extra: Partial<WebhookNotifierOptions> = {}) => teamsNotifier(options(TEAMS_SECRET, extra));
const received = (index = 0) => JSON.parse(sink.requests[index]!.body) as Record<string, any>;

/** Neither the token, the path nor the signature may be in an outcome or a log line. */
function expectNoSecret(outcomes: ChannelOutcome[]) {
  for (const text of [JSON.stringify(outcomes), ...logged]) {
    expect(text).not.toMatch(/Xk9sEcReTt0kEnVaLuE123|T0SECRET01|B0SECRET02|Zm9vYmFyc2VjcmV0c2ln|services\//);
  }
}

/** Every object in a card, depth first. */
function nodes(value: unknown): Record<string, any>[] {
  if (Array.isArray(value)) return value.flatMap(nodes);
  if (value && typeof value === 'object') return [value as Record<string, any>, ...Object.values(value).flatMap(nodes)];
  return [];
}

/** Every mrkdwn and plain_text object of a Slack message. */
const slackTexts = (message: Record<string, any>) => nodes(message.blocks).filter((node) => node.type === 'mrkdwn' || node.type === 'plain_text');

describe('the Slack notifier', () => {
  it('posts one Block Kit message: counts, what is new, the most serious findings, where the reports are', async () => {
    const outcomes = await slack().finished(finishedRun());
    expect(outcomes).toEqual([
      {
        channel: 'slack',
        to: `Slack webhook (secret ${SLACK_SECRET})`,
        subject: '[Retention audit] 3 new violations, 2 resolved — 18 open (4 special-category), 6 due soon — snapshot snap-2026-11-20',
        attempts: 1,
        sentAt: expect.any(String),
      },
    ]);
    const message = received();
    expect(message.text).toBe(outcomes[0]!.subject);
    expect(message.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: '🚨 Retention audit: 18 violations' } });
    expect(message.blocks[1].text.text).toBe('Since the last audit (run audit-20261119-0200-cd34): 3 new violations, 2 resolved, 40 findings unchanged.');
    const fields = message.blocks.find((block: any) => block.fields).fields.map((field: any) => field.text);
    expect(fields).toEqual([
      '*Items audited*\n12,345',
      '*Violations*\n18',
      '*Due soon*\n6',
      '*Special-category violations*\n4',
      '*Complete*\nyes',
      '*New violations*\n3',
      '*Resolved*\n2',
    ]);
    const texts = slackTexts(message).map((t) => t.text as string);
    expect(texts).toContainEqual(
      [
        '*Most serious* (2 of 24 violations and deadlines due soon):',
        '• *CRITICAL* violation, biometric data: tenant `tenant-1`, `facial-recognition / face-templates` (`s3://faces/tenant-1/`), 173 days overdue',
        '• *HIGH* violation: tenant `tenant-2`, `facial-recognition / face-templates` (`s3://faces/tenant-2/`), 12.5 days overdue',
        '…and 22 more in the reports.',
      ].join('\n'),
    );
    expect(texts).toContainEqual(
      '*Reports* (JSON, PDF) of run `audit-20261120-0200-ab12`, snapshot `snap-2026-11-20`, downloaded with your own AWS credentials:\n' + `\`\`\`${FETCH_COMMAND}\`\`\``,
    );
    // No auto-links, channel names or mentions parsed anywhere.
    for (const text of slackTexts(message).filter((t) => t.type === 'mrkdwn')) expect(text.verbatim).toBe(true);
    expect(message).toMatchObject({ unfurl_links: false, unfurl_media: false });
  });

  it("names the reports' folder for a command-line run", async () => {
    const local = { ...finishedRun(), stored: {}, fetchCommand: '' };
    local.result = { ...local.result, reports: { json: '/home/dpo/audits/audit-1.json' } };
    await slack().finished(local);
    await teams().finished(local);
    expect(slackTexts(received(0)).map((t) => t.text)).toContain(
      '*Reports* (JSON) of run `audit-20261120-0200-ab12`, snapshot `snap-2026-11-20`, in `/home/dpo/audits` on the machine that ran the audit.',
    );
    const rich = nodes(received(1)).filter((node) => node.type === 'RichTextBlock').map((block) => block.inlines.map((inline: any) => inline.text).join(''));
    expect(rich).toContain('Reports (JSON) of run audit-20261120-0200-ab12, snapshot snap-2026-11-20, in /home/dpo/audits on the machine that ran the audit.');
  });

  it('retries a 500 and reports the attempts it took', async () => {
    sink.script({ status: 500, body: 'oops' });
    const [outcome] = await slack().finished(finishedRun());
    expect(outcome).toMatchObject({ attempts: 2, sentAt: expect.any(String) });
    expect(outcome!.error).toBeUndefined();
    expect(sink.requests).toHaveLength(2);
    expectNoSecret([outcome!]);
  });

  it('answers a refused message as a failed outcome, without throwing and without the URL', async () => {
    sink.script({ status: 400, body: 'invalid_blocks' });
    const outcomes = await slack().finished(finishedRun());
    expect(outcomes).toEqual([
      {
        channel: 'slack',
        to: `Slack webhook (secret ${SLACK_SECRET})`,
        subject: expect.any(String),
        attempts: 1,
        error: 'Slack webhook answered HTTP 400 Bad Request: invalid_blocks; not retried.',
      },
    ]);
    // Not retried, so nothing logged here: whoever runs the notifiers logs the failed outcome.
    expect(logged).toEqual([]);
    expectNoSecret(outcomes);
  });

  it('gives up after its attempts on a service that keeps failing, and never tells the URL', async () => {
    sink.script(...Array.from({ length: 4 }, () => ({ status: 502, body: `gateway error for ${SECRET_PATH}` })));
    const outcomes = await slack().finished(finishedRun());
    expect(outcomes[0]).toMatchObject({ attempts: 4, error: expect.stringMatching(/^Slack webhook answered HTTP 502 Bad Gateway: gateway error for \[webhook URL\]; gave up after 4 attempts\.$/) });
    expect(logged.filter((line) => line.startsWith('warn'))).toHaveLength(3);
    expectNoSecret(outcomes);
  });

  it('turns a secret that cannot be read into a failed outcome, and sends nothing', async () => {
    const missing = new NotFoundError(`SSM parameter ${SLACK_SECRET} (the Slack webhook URL) does not exist: create it …`);
    const outcomes = await slack({ webhookUrl: () => Promise.reject(missing) }).finished(finishedRun());
    expect(outcomes).toEqual([
      {
        channel: 'slack',
        to: `Slack webhook (secret ${SLACK_SECRET})`,
        subject: expect.any(String),
        attempts: 0,
        error: `Slack webhook not sent: SSM parameter ${SLACK_SECRET} (the Slack webhook URL) does not exist: create it …`,
      },
    ]);
    expect(sink.requests).toHaveLength(0);
  });

  it('announces a failed run briefly, and not at all when told not to', async () => {
    const [outcome] = await slack().failed(record(), 'DynamoDB refused Query on table inventory (AccessDeniedException).');
    expect(outcome).toMatchObject({ channel: 'slack', subject: '[Retention audit] FAILED — run audit-20261120-0200-ab12', attempts: 1 });
    const message = received();
    expect(message.text).toBe('[Retention audit] FAILED — run audit-20261120-0200-ab12');
    expect(message.blocks.map((block: any) => block.type)).toEqual(['header', 'section', 'section', 'context']);
    expect(message.blocks[0].text.text).toBe('🛑 Retention audit FAILED');
    expect(message.blocks[2].text.text).toBe('*Error*\n```DynamoDB refused Query on table inventory (AccessDeniedException).```');
    expect(await slack({ announceFailures: false }).failed(record(), 'x')).toEqual([]);
    expect(sink.requests).toHaveLength(1);
  });
});

describe('the Teams notifier', () => {
  it('posts one Adaptive Card: the counts as a FactSet, what is new, the findings, where the reports are', async () => {
    const outcomes = await teams().finished(finishedRun());
    expect(outcomes).toEqual([
      { channel: 'teams', to: `Teams webhook (secret ${TEAMS_SECRET})`, subject: expect.stringMatching(/^\[Retention audit\] 3 new violations/), attempts: 1, sentAt: expect.any(String) },
    ]);
    const message = received();
    expect(message.type).toBe('message');
    expect(message.attachments).toHaveLength(1);
    expect(message.attachments[0]).toMatchObject({ contentType: 'application/vnd.microsoft.card.adaptive', content: { type: 'AdaptiveCard', version: '1.4' } });
    const body = message.attachments[0].content.body as Record<string, any>[];
    expect(body[0]).toMatchObject({ type: 'TextBlock', text: 'Retention audit: 18 violations', color: 'Attention', size: 'Large' });
    expect(body.find((block) => block.type === 'FactSet')!.facts).toEqual([
      { title: 'Items audited', value: '12,345' },
      { title: 'Violations', value: '18' },
      { title: 'Due soon', value: '6' },
      { title: 'Special-category violations', value: '4' },
      { title: 'Complete', value: 'yes' },
      { title: 'New violations', value: '3' },
      { title: 'Resolved', value: '2' },
    ]);
    const runs = nodes(body).filter((node) => node.type === 'TextRun');
    const prose = (block: Record<string, any>) => (block.inlines as { text: string }[]).map((inline) => inline.text).join('');
    const rich = body.filter((block) => block.type === 'RichTextBlock').map(prose);
    expect(rich).toContain('Since the last audit (run audit-20261119-0200-cd34): 3 new violations, 2 resolved, 40 findings unchanged.');
    expect(rich).toContain('CRITICAL violation, biometric data: tenant tenant-1, facial-recognition / face-templates (s3://faces/tenant-1/), 173 days overdue');
    expect(rich).toContain('…and 22 more in the reports.');
    expect(runs).toContainEqual({ type: 'TextRun', text: FETCH_COMMAND, fontType: 'Monospace' });
    expect(body.find((block) => block.type === 'TextBlock' && /^Most serious/.test(block.text))!.text).toBe('Most serious (2 of 24 violations and deadlines due soon)');
  });

  it('retries a 429 as Retry-After says, then succeeds', async () => {
    const sleeps: number[] = [];
    sink.script({ status: 429, headers: { 'retry-after': '1' } });
    const [outcome] = await teams({ post: { sleep: async (ms) => void sleeps.push(ms) } }).finished(finishedRun());
    expect(outcome).toMatchObject({ attempts: 2, sentAt: expect.any(String) });
    expect(sleeps).toEqual([1_000]);
  });

  it('treats a classic connector answering 200 with an error as a failure', async () => {
    sink.script({ status: 200, body: 'Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 413' });
    const [outcome] = await teams().finished(finishedRun());
    expect(outcome).toMatchObject({ attempts: 1, error: expect.stringMatching(/^Teams webhook answered HTTP 200 but did not deliver the message/) });
  });

  it('accepts a Workflows webhook answering 202 with no body, and a connector answering "1"', async () => {
    sink.script({ status: 202 }, { status: 200, body: '1' });
    expect((await teams().finished(finishedRun()))[0]).toMatchObject({ attempts: 1, sentAt: expect.any(String) });
    expect((await teams().finished(finishedRun()))[0]).toMatchObject({ attempts: 1, sentAt: expect.any(String) });
  });

  it('announces a failed run as a short card', async () => {
    await teams().failed(record(), 'Lambda timed out.');
    const body = received().attachments[0].content.body as Record<string, any>[];
    expect(body[0]).toMatchObject({ type: 'TextBlock', text: 'Retention audit FAILED', color: 'Attention' });
    expect(nodes(body).filter((node) => node.type === 'TextRun')).toContainEqual({ type: 'TextRun', text: 'Lambda timed out.', fontType: 'Monospace' });
  });
});

describe('hostile inventory text', () => {
  const HOSTILE = '<!channel> @here <@U024BE7LH> <http://evil.example|click me> *bold* `tick` &amp;';
  const run = () =>
    finishedRun({
      head: head({ run: { ...head().run, snapshotId: 'snap <!here> & @everyone' } }, { complete: false, incompleteReasons: ['Item <!everyone> http://evil.example failed.'] }),
      mostSerious: [serious(1, { tenantId: HOSTILE, module: '<@U024BE7LH>', resource: null })],
    });

  it('is escaped for Slack: no mention, broadcast or link can be formed', async () => {
    await slack().finished(run());
    const raw = sink.requests[0]!.body;
    for (const forbidden of ['<!channel>', '<!here>', '<!everyone>', '<@U024BE7LH>', '<http://evil', '|click me>']) expect(raw).not.toContain(forbidden);
    expect(raw).not.toMatch(/@(here|channel|everyone)/);
    const message = received();
    const lines = slackTexts(message).map((t) => t.text as string).join('\n');
    expect(lines).toContain(
      'tenant `&lt;!channel&gt; @\u2060here &lt;@U024BE7LH&gt; &lt;http://evil.example|click me&gt; *bold* ˋtickˋ &amp;amp;`, `&lt;@U024BE7LH&gt; / face-templates`',
    );
    expect(lines).toContain('- Item &lt;!everyone&gt; http://evil.example failed.');
    expect(message.text).toContain('snapshot snap &lt;!here&gt; &amp; @\u2060everyone');
    for (const text of slackTexts(message).filter((t) => t.type === 'mrkdwn')) expect(text.verbatim).toBe(true);
  });

  it('is plain text for Teams: only TextRuns carry it, never a Markdown TextBlock or a FactSet', async () => {
    await teams().finished(run());
    const all = nodes(received());
    const markdown = all.filter((node) => node.type === 'TextBlock').map((node) => node.text as string);
    const facts = all.filter((node) => node.type === 'FactSet').flatMap((node) => node.facts.map((fact: any) => `${fact.title} ${fact.value}`));
    for (const text of [...markdown, ...facts]) expect(text).not.toMatch(/evil|<!|<@|@here|@everyone/);
    expect(all.filter((node) => node.type === 'TextRun')).toContainEqual({ type: 'TextRun', text: HOSTILE, fontType: 'Monospace' });
    // No mention can be made without msteams.entities.
    expect(JSON.stringify(received())).not.toContain('entities');
  });

  it('slackText and slackCode', () => {
    expect(slackText('a < b & c > d @channel @Here @everyone @channels')).toBe('a &lt; b &amp; c &gt; d @\u2060channel @\u2060Here @\u2060everyone @channels');
    expect(slackCode('')).toBe('`(empty)`');
    expect(slackCode('a`b')).toBe('`aˋb`');
  });
});

describe('truncation', () => {
  const long = (tag: string, index: number) => `${tag}-${index}-${'&<x'.repeat(40)}`.slice(0, 120);
  const many = () =>
    finishedRun({
      head: head({}, { byVerdict: { ...head().summary.byVerdict, violation: 480, 'due-soon': 20 } }),
      mostSerious: Array.from({ length: 10 }, (_, i) => serious(i, { tenantId: long('tenant', i), module: long('module', i), dataCategory: long('category', i), resource: long('resource', i) })),
    });

  it('keeps every Slack section within 3,000 characters and says how many more there are', async () => {
    await slack({ maxFindings: 10 }).finished(many());
    const message = received();
    expect(message.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
    for (const text of slackTexts(message)) expect(text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
    const list = slackTexts(message).find((t) => /^\*Most serious\*/.test(t.text))!.text as string;
    const shown = Number(/^\*Most serious\* \((\d+) of 500 /.exec(list)![1]);
    expect(shown).toBeGreaterThan(0);
    expect(shown).toBeLessThan(10);
    expect(list.split('\n').filter((line) => line.startsWith('• '))).toHaveLength(shown);
    expect(list.endsWith(`…and ${500 - shown} more in the reports.`)).toBe(true);
  });

  it('keeps the Teams card within its size by listing fewer findings', () => {
    const summary = chatSummary(many(), { maxFindings: 10 });
    // Far longer than describeSerious ever makes them, to force the cut.
    summary.serious = summary.serious.map((s) => ({ ...s, resource: 'r'.repeat(5_000) }));
    const card = teamsMessage(summary);
    expect(Buffer.byteLength(JSON.stringify(card))).toBeLessThanOrEqual(TEAMS_MAX_BYTES);
    const body = card.attachments[0]!.content.body as Record<string, any>[];
    const heading = body.find((block) => block.type === 'TextBlock' && /^Most serious/.test(block.text))!.text as string;
    const shown = Number(/\((\d+) of 500 /.exec(heading)![1]);
    expect(shown).toBeLessThan(10);
    expect(nodes(body).filter((node) => node.type === 'TextRun' && node.text === `…and ${500 - shown} more in the reports.`)).toHaveLength(1);
    // The counts and where the reports are always stay.
    expect(body.some((block) => block.type === 'FactSet')).toBe(true);
    expect(nodes(body).some((node) => node.text === FETCH_COMMAND)).toBe(true);
  });

  it('a Slack message drawn from the same summary also stays within its limits', () => {
    const summary = chatSummary(many(), { maxFindings: 10 });
    summary.serious = summary.serious.map((s) => ({ ...s, resource: 'r'.repeat(5_000) }));
    const message = slackMessage(summary);
    for (const text of slackTexts(message as Record<string, any>)) expect(text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
  });
});

describe('both channels together', () => {
  it('one failing channel does not stop the other', async () => {
    sink.script({ status: 404, body: 'no_service' });
    const notifiers: Notifier[] = [slack(), teams()];
    const outcomes = (await Promise.all(notifiers.map((notifier) => notifier.finished(finishedRun())))).flat();
    expect(outcomes.map((o) => [o.channel, o.error === undefined])).toEqual(
      expect.arrayContaining([
        ['slack', expect.any(Boolean)],
        ['teams', expect.any(Boolean)],
      ]),
    );
    expect(outcomes.filter((o) => o.error)).toHaveLength(1);
    expect(outcomes.filter((o) => o.sentAt)).toHaveLength(1);
    expectNoSecret(outcomes);
  });
});
