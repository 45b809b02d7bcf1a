/**
 * The Microsoft Teams channel: a run's chat summary as an Adaptive Card posted
 * to an incoming webhook (a Teams Workflows "when a webhook request is received"
 * flow, or a classic connector URL: both take the same message). A TextBlock
 * renders Markdown, so only our own words go into TextBlocks and FactSets;
 * everything that can come from the inventory goes into TextRuns of a
 * RichTextBlock, which Teams shows as plain text. Teams refuses a message over
 * about 28 KB, so the list of findings is cut to fit and says "…and N more".
 */
import type { ChatFailure, ChatSummary, ChatTone } from './chatSummary';
import type { Notifier } from './Notifier';
import type { DeliveryChannel } from './DeliveryChannel';
import { webhookDelivery, webhookNotifier, type WebhookChannel, type WebhookNotifierOptions } from './webhookNotifier';

/** Teams' message size limit is about 28 KB; a margin is kept for what the service adds. */
export const TEAMS_MAX_BYTES = 27_000;

const COLORS: Record<ChatTone, string> = { good: 'Good', warning: 'Warning', attention: 'Attention' };

interface TextRun {
  type: 'TextRun';
  text: string;
  weight?: 'Bolder';
  fontType?: 'Monospace';
  color?: string;
  isSubtle?: boolean;
}

/** A run of plain text: TextRun is never read as Markdown. */
const run = (text: string, style: Omit<TextRun, 'type' | 'text'> = {}): TextRun => ({ type: 'TextRun', text, ...style });
const plain = (inlines: TextRun[], extra: Record<string, unknown> = {}) => ({ type: 'RichTextBlock', inlines, ...extra });
/** Our own words only (TextBlock reads Markdown). */
const heading = (text: string, extra: Record<string, unknown> = {}) => ({ type: 'TextBlock', text, wrap: true, weight: 'Bolder', ...extra });

const card = (body: object[]) => ({
  type: 'message',
  attachments: [
    {
      contentType: 'application/vnd.microsoft.card.adaptive',
      contentUrl: null,
      content: { $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', type: 'AdaptiveCard', version: '1.4', msteams: { width: 'Full' }, body },
    },
  ],
});

const bytes = (payload: unknown) => Buffer.byteLength(JSON.stringify(payload), 'utf8');

function seriousBlocks(summary: ChatSummary, shown: number): object[] {
  if (summary.serious.length === 0) return [];
  const more = summary.moreSerious + summary.serious.length - shown;
  const mono = { fontType: 'Monospace' } as const;
  return [
    heading(`Most serious (${shown} of ${summary.actionable.toLocaleString('en-US')} violations and deadlines due soon)`, { separator: true, spacing: 'Medium' }),
    ...summary.serious.slice(0, shown).map((s) =>
      plain([
        run(`${s.severity} `, { weight: 'Bolder' }),
        run(`${s.what}: tenant `),
        run(s.tenant, mono),
        run(', '),
        run(s.where, mono),
        ...(s.resource === null ? [] : [run(' ('), run(s.resource, mono), run(')')]),
        run(`, ${s.when}`),
      ]),
    ),
    ...(more > 0 ? [plain([run(`…and ${more.toLocaleString('en-US')} more in the reports.`, { isSubtle: true })])] : []),
  ];
}

function reportBlocks(summary: ChatSummary): object[] {
  const mono = { fontType: 'Monospace' } as const;
  const where = [run('run '), run(summary.runId, mono), run(', snapshot '), run(summary.snapshotId, mono)];
  if (summary.reports.length === 0) return [plain([run('No reports were written by '), ...where, run('.')], { separator: true })];
  const reports = [run('Reports', { weight: 'Bolder' }), run(` (${summary.reports.join(', ')}) of `), ...where];
  if ('folder' in summary.retrieval) {
    return [plain([...reports, run(', in '), run(summary.retrieval.folder, mono), run(' on the machine that ran the audit.')], { separator: true })];
  }
  return [plain([...reports, run(', downloaded with your own AWS credentials:')], { separator: true }), plain([run(summary.retrieval.command, mono)])];
}

/**
 * The Adaptive Card of a finished run: title, what is new and any warning, the
 * counts as a FactSet, the most serious findings, where the reports are.
 *
 * @example
 * teamsMessage(chatSummary(run)).attachments[0].contentType // 'application/vnd.microsoft.card.adaptive'
 */
export function teamsMessage(summary: ChatSummary) {
  const top = [
    heading(summary.title, { size: 'Large', color: COLORS[summary.tone] }),
    plain([run(summary.news)]),
    ...summary.alerts.map((alert) => plain([run(alert, { color: 'Warning' })])),
    { type: 'FactSet', facts: summary.facts.map((fact) => ({ title: fact.label, value: fact.value })) },
  ];
  const bottom = [...reportBlocks(summary), plain([run(`Audited ${summary.finishedAt} with rule catalog ${summary.catalogVersion}.`, { isSubtle: true })])];
  // Fewer findings until the card fits; the counts, the warnings and the reports' whereabouts always stay.
  for (let shown = summary.serious.length; ; shown -= 1) {
    const payload = card([...top, ...seriousBlocks(summary, shown), ...bottom]);
    if (shown === 0 || bytes(payload) <= TEAMS_MAX_BYTES) return payload;
  }
}

/**
 * The Adaptive Card of a failed run.
 *
 * @example
 * teamsFailureMessage(chatFailure(record, 'Access denied')).attachments[0].content.body[0].text // 'Retention audit FAILED'
 */
export function teamsFailureMessage(failure: ChatFailure) {
  return card([
    heading(failure.title, { size: 'Large', color: 'Attention' }),
    plain([run(failure.sentence)]),
    heading('Error'),
    plain([run(failure.error, { fontType: 'Monospace' })]),
    plain([run(`Started ${failure.startedAt}. ${failure.note}`, { isSubtle: true })]),
  ]);
}

/** Teams as a chat channel. A classic connector answers 200 with an error text when it drops a message. */
export const teamsChannel: WebhookChannel & { channel: 'teams' } = {
  channel: 'teams',
  label: 'Teams webhook',
  finishedPayload: teamsMessage,
  failedPayload: teamsFailureMessage,
  failedBody: (body) => /fail|error/i.test(body) && body.trim() !== '1',
};

/**
 * The Teams notifier: one Adaptive Card per run to an incoming webhook whose
 * URL is read from its secret at send time.
 *
 * @example
 * const teams = teamsNotifier({ webhookUrl: secretParameter({ name: '/retention-auditor/prod/teams-webhook' }), source: 'secret /retention-auditor/prod/teams-webhook' });
 */
export function teamsNotifier(options: WebhookNotifierOptions): Notifier {
  return webhookNotifier(teamsChannel, options);
}

/** The registry's entry for Teams (lib/delivery/notifiers/channelRegistry.ts). */
export const teamsDelivery: DeliveryChannel<'teams'> = webhookDelivery(
  teamsChannel,
  { url: 'TEAMS_WEBHOOK_URL', parameter: 'TEAMS_WEBHOOK_PARAMETER' },
  'the same summary as an Adaptive Card, and a card when a run fails, to the Microsoft Teams incoming webhook (a Workflows webhook or a classic connector) whose URL is in TEAMS_WEBHOOK_URL or, in AWS, in the SSM SecureString named by TEAMS_WEBHOOK_PARAMETER (WEBHOOK_MAX_ATTEMPTS, WEBHOOK_TIMEOUT_SECONDS, CHAT_MAX_FINDINGS)',
);
