/**
 * The Slack channel: a run's chat summary as a Block Kit message for an incoming
 * webhook. Inventory text is hostile until escaped: every mrkdwn text is
 * `verbatim` (no auto-links, no channel or user mentions parsed) and has &, <, >
 * as entities, so no `<!channel>`, `<@U…>` or `<url|label>` can be formed;
 * identifiers go in inline code, where no formatting applies. Slack refuses a
 * section text over 3,000 characters and a message over 50 blocks, so the list
 * of findings is cut to fit and says "…and N more".
 */
import type { ChatFailure, ChatSummary, ChatTone } from './chatSummary';
import type { Notifier } from './Notifier';
import type { DeliveryChannel } from './DeliveryChannel';
import { webhookDelivery, webhookNotifier, type WebhookChannel, type WebhookNotifierOptions } from './webhookNotifier';

/** Block Kit's limits (https://api.slack.com/reference/block-kit/blocks). */
export const SLACK_LIMITS = { sectionText: 3_000, headerText: 150, fieldText: 2_000, blocks: 50, text: 4_000 } as const;

const ICONS: Record<ChatTone, string> = { good: '✅', warning: '⚠️', attention: '🚨' };

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/**
 * Text made safe for Slack mrkdwn: &, <, > as entities, and @channel, @here and
 * @everyone broken by a word joiner (invisible) so that no setting can make them broadcasts.
 *
 * @example
 * slackText('<!channel> & @here') // '&lt;!channel&gt; &amp; @\u2060here'
 */
export function slackText(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/@(?=(?:channel|here|everyone)\b)/gi, '@\u2060');
}

/**
 * An identifier as inline code: no bold, italics, links or mentions apply
 * inside; a backtick would close the span, so it becomes a look-alike (ˋ).
 *
 * @example
 * slackCode('tenant`*x*') // '`tenantˋ*x*`'
 */
export function slackCode(text: string): string {
  return `\`${slackText(text === '' ? '(empty)' : text.replace(/`/g, 'ˋ'))}\``;
}

const mrkdwn = (text: string) => ({ type: 'mrkdwn', text: clip(text, SLACK_LIMITS.sectionText), verbatim: true });
const section = (text: string) => ({ type: 'section', text: mrkdwn(text) });
const header = (text: string) => ({ type: 'header', text: { type: 'plain_text', text: clip(text, SLACK_LIMITS.headerText) } });
const context = (text: string) => ({ type: 'context', elements: [mrkdwn(text)] });

/**
 * As many of `lines` as fit in one section under `heading`, then "…and N more"
 * counting those cut and those the list never held (`beyond`).
 *
 * @example
 * fitLines((n) => `*Most serious (${n})*`, ['a', 'b'], 3) // '*Most serious (2)*\na\nb\n…and 3 more in the reports.'
 */
export function fitLines(heading: (shown: number) => string, lines: string[], beyond: number, max: number = SLACK_LIMITS.sectionText): string {
  for (let shown = lines.length; shown >= 0; shown -= 1) {
    const more = lines.length - shown + beyond;
    const tail = more > 0 ? [`…and ${more.toLocaleString('en-US')} more in the reports.`] : [];
    const text = [heading(shown), ...lines.slice(0, shown), ...tail].join('\n');
    if (text.length <= max) return text;
  }
  return clip(heading(0), max);
}

function seriousSection(summary: ChatSummary) {
  const lines = summary.serious.map(
    (s) =>
      `• *${s.severity}* ${slackText(s.what)}: tenant ${slackCode(s.tenant)}, ${slackCode(s.where)}` +
      `${s.resource === null ? '' : ` (${slackCode(s.resource)})`}, ${slackText(s.when)}`,
  );
  const heading = (shown: number) => `*Most serious* (${shown} of ${summary.actionable.toLocaleString('en-US')} violations and deadlines due soon):`;
  return section(fitLines(heading, lines, summary.moreSerious));
}

function reportsSection(summary: ChatSummary) {
  const where = `run ${slackCode(summary.runId)}, snapshot ${slackCode(summary.snapshotId)}`;
  if (summary.reports.length === 0) return section(`No reports were written by ${where}.`);
  const reports = `*Reports* (${summary.reports.join(', ')}) of ${where}`;
  if ('folder' in summary.retrieval) return section(`${reports}, in ${slackCode(summary.retrieval.folder)} on the machine that ran the audit.`);
  // The command is ours (names from the stage's configuration), escaped all the same; no ``` can close the block early.
  const command = slackText(summary.retrieval.command.replace(/`/g, 'ˋ'));
  return section(`${clip(`${reports}, downloaded with your own AWS credentials:`, 1_000)}\n\`\`\`${clip(command, SLACK_LIMITS.sectionText - 1_100)}\`\`\``);
}

/**
 * The Block Kit message of a finished run: header, what is new and any warning,
 * the counts as fields, the most serious findings, where the reports are.
 *
 * @example
 * slackMessage(chatSummary(run)) // { text: '[Retention audit] …', blocks: [{ type: 'header', … }, …] }
 */
export function slackMessage(summary: ChatSummary) {
  const blocks: object[] = [header(`${ICONS[summary.tone]} ${summary.title}`), section(fitLines(() => slackText(summary.news), summary.alerts.map(slackText), 0))];
  blocks.push({ type: 'section', fields: summary.facts.slice(0, 10).map((fact) => mrkdwn(clip(`*${fact.label}*\n${slackText(fact.value)}`, SLACK_LIMITS.fieldText))) });
  if (summary.serious.length > 0) blocks.push({ type: 'divider' }, seriousSection(summary));
  blocks.push({ type: 'divider' }, reportsSection(summary));
  blocks.push(context(`Audited ${slackText(summary.finishedAt)} with rule catalog ${slackCode(summary.catalogVersion)}.`));
  return { text: clip(slackText(summary.subject), SLACK_LIMITS.text), blocks: blocks.slice(0, SLACK_LIMITS.blocks), unfurl_links: false, unfurl_media: false };
}

/**
 * The Block Kit message of a failed run.
 *
 * @example
 * slackFailureMessage(chatFailure(record, 'Access denied')) // { text: '[Retention audit] FAILED — run audit-…', blocks: [...] }
 */
export function slackFailureMessage(failure: ChatFailure) {
  const error = slackText(failure.error.replace(/`/g, 'ˋ'));
  return {
    text: clip(slackText(failure.subject), SLACK_LIMITS.text),
    blocks: [
      header(`🛑 ${failure.title}`),
      section(slackText(failure.sentence)),
      section(`*Error*\n\`\`\`${clip(error, SLACK_LIMITS.sectionText - 20)}\`\`\``),
      context(slackText(`Started ${failure.startedAt}. ${failure.note}`)),
    ],
    unfurl_links: false,
    unfurl_media: false,
  };
}

/** Slack as a chat channel. */
export const slackChannel: WebhookChannel & { channel: 'slack' } = {
  channel: 'slack',
  label: 'Slack webhook',
  finishedPayload: slackMessage,
  failedPayload: slackFailureMessage,
};

/**
 * The Slack notifier: one Block Kit message per run to an incoming webhook
 * whose URL is read from its secret at send time.
 *
 * @example
 * const slack = slackNotifier({ webhookUrl: secretParameter({ name: '/retention-auditor/prod/slack-webhook' }), source: 'secret /retention-auditor/prod/slack-webhook' });
 */
export function slackNotifier(options: WebhookNotifierOptions): Notifier {
  return webhookNotifier(slackChannel, options);
}

/** The registry's entry for Slack (lib/delivery/notifiers/channelRegistry.ts). */
export const slackDelivery: DeliveryChannel<'slack'> = webhookDelivery(
  slackChannel,
  { url: 'SLACK_WEBHOOK_URL', parameter: 'SLACK_WEBHOOK_PARAMETER' },
  'a short Block Kit summary of each run (counts, what is new, the most serious findings, where the reports are) and a line when a run fails, to the Slack incoming webhook whose URL is in SLACK_WEBHOOK_URL or, in AWS, in the SSM SecureString named by SLACK_WEBHOOK_PARAMETER (WEBHOOK_MAX_ATTEMPTS, WEBHOOK_TIMEOUT_SECONDS, CHAT_MAX_FINDINGS)',
);
