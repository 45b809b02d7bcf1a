/**
 * The part Slack and Teams share: resolve the webhook URL from its secret at
 * send time, draw the message, post it with retries, and answer one outcome that
 * says who was told without the URL. A secret that cannot be read is a failed
 * outcome like a refused post: a chat channel never fails a run. Also the one
 * way both read their settings from the environment, for the channel registry.
 */
import { z } from 'zod';
import { UsageError } from '../../errors';
import { secretParameter } from '../secretParameter';
import { chatFailure, chatSummary, DEFAULT_FINDINGS, type ChatFailure, type ChatSummary } from './chatSummary';
import { readChannelSettings, type DeliveryChannel } from './DeliveryChannel';
import type { ChannelOutcome, FinishedRun, Notifier } from './Notifier';
import { checkWebhookUrl, DEFAULT_ATTEMPTS, DEFAULT_TIMEOUT_SECONDS, postWebhook, type WebhookLog, type WebhookPostOptions } from './webhookPost';

/** What makes a chat service a channel: its id, its name and how it draws the two messages. */
export interface WebhookChannel {
  channel: 'slack' | 'teams';
  /** "Slack webhook": the name in the outcome's `to` and in every error. */
  label: string;
  finishedPayload(summary: ChatSummary): unknown;
  failedPayload(failure: ChatFailure): unknown;
  /** A 2xx answer that still means "not delivered" (the service's quirk), see WebhookPostOptions. */
  failedBody?: (body: string) => boolean;
}

export interface WebhookNotifierOptions {
  /** Resolves the URL at send time (from an SSM SecureString, or an environment variable for the CLI). */
  webhookUrl: () => Promise<string>;
  /** Where the URL comes from, safe to show: "secret /retention-auditor/prod/slack-webhook", "SLACK_WEBHOOK_URL". */
  source: string;
  /** How many of the most serious findings the message lists (default 5, at most 10). */
  maxFindings?: number;
  /** Whether a failed run is announced too (default true). */
  announceFailures?: boolean;
  /** Retries, timeout and the injectable fetch, sleep and clock (the label is the channel's). */
  post?: Omit<WebhookPostOptions, 'label' | 'failedBody' | 'log'>;
  log?: WebhookLog;
}

/**
 * A notifier that posts a chat summary to one incoming webhook.
 *
 * @example
 * const slack = webhookNotifier(slackChannel, { webhookUrl: secretParameter({ name }), source: `secret ${name}` });
 * await slack.finished(run) // [{ channel: 'slack', to: 'Slack webhook (secret /…)', attempts: 1, sentAt: '…', subject: '…' }]
 */
export function webhookNotifier(channel: WebhookChannel, options: WebhookNotifierOptions): Notifier {
  const to = `${channel.label} (${options.source})`;
  // Failures are logged by whoever runs the notifiers (notifyAll), from the outcome; the retries only here.
  const send = async (draw: () => { subject: string; payload: unknown }): Promise<ChannelOutcome[]> => {
    let message: { subject: string; payload: unknown };
    try {
      message = draw();
    } catch (error) {
      // A drawing bug must not fail the run either: it is this channel's failure.
      return [{ channel: channel.channel, to, attempts: 0, error: `${channel.label} not sent: the message could not be drawn (${(error as Error).message}).` }];
    }
    const outcome: ChannelOutcome = { channel: channel.channel, to, subject: message.subject };
    let url: string;
    try {
      url = await options.webhookUrl();
    } catch (error) {
      return [{ ...outcome, attempts: 0, error: `${channel.label} not sent: ${(error as Error).message}` }];
    }
    const result = await postWebhook(url, message.payload, { ...options.post, label: channel.label, failedBody: channel.failedBody, log: options.log });
    if (!result.ok) return [{ ...outcome, attempts: result.attempts, error: result.error! }];
    return [{ ...outcome, attempts: result.attempts, sentAt: result.sentAt! }];
  };
  return {
    channel: channel.channel,
    finished: (run: FinishedRun) =>
      send(() => {
        const summary = chatSummary(run, { maxFindings: options.maxFindings });
        return { subject: summary.subject, payload: channel.finishedPayload(summary) };
      }),
    failed: async (record, error) => {
      if (options.announceFailures === false) return [];
      return send(() => {
        const failure = chatFailure(record, error);
        return { subject: failure.subject, payload: channel.failedPayload(failure) };
      });
    },
  };
}

/** The environment variables that name one chat channel's webhook. */
export interface WebhookVariables {
  /** The URL itself, for the command line on a person's machine: "SLACK_WEBHOOK_URL". */
  url: string;
  /** The name (or ARN) of the SSM SecureString that holds it, for the functions: "SLACK_WEBHOOK_PARAMETER". */
  parameter: string;
}

/** SSM parameter names (letters, digits, _ . - /) or ARNs. */
const PARAMETER_NAME = /^(?:arn:aws[a-z-]*:ssm:[a-z0-9-]+:\d{12}:parameter)?\/?[A-Za-z0-9_.\-/]{1,1011}$/;

/** What both chat channels read besides their webhook. */
const commonSettings = {
  WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(DEFAULT_ATTEMPTS),
  WEBHOOK_TIMEOUT_SECONDS: z.coerce.number().min(1).max(60).default(DEFAULT_TIMEOUT_SECONDS),
  CHAT_MAX_FINDINGS: z.coerce.number().int().min(0).max(10).default(DEFAULT_FINDINGS),
};

/**
 * The registry entry of a chat channel: its notifier built from the
 * environment, the same on the command line (the URL in `variables.url`) and in
 * the functions (the SSM SecureString named in `variables.parameter`, read on
 * first delivery and cached for the function instance). Exactly one of the two
 * must be set; a URL given directly is checked here, without ever quoting it.
 *
 * @example
 * export const slackDelivery = webhookDelivery(slackChannel, { url: 'SLACK_WEBHOOK_URL', parameter: 'SLACK_WEBHOOK_PARAMETER' }, 'a summary …');
 */
export function webhookDelivery<K extends WebhookChannel['channel']>(channel: WebhookChannel & { channel: K }, variables: WebhookVariables, description: string): DeliveryChannel<K> {
  const schema = z.object({
    [variables.url]: z.string().optional(),
    [variables.parameter]: z.string().regex(PARAMETER_NAME, 'must be an SSM parameter name such as /retention-auditor/prod/slack-webhook').optional(),
    ...commonSettings,
  });
  return {
    id: channel.channel,
    description,
    create(context) {
      const settings = readChannelSettings(schema, context.env, context.origin) as Record<string, unknown> & z.output<z.ZodObject<typeof commonSettings>>;
      const url = settings[variables.url] as string | undefined;
      const parameter = settings[variables.parameter] as string | undefined;
      const what = `the ${channel.label} URL`;
      if (url !== undefined && parameter !== undefined) {
        throw new UsageError(`${context.origin}: set ${variables.url} or ${variables.parameter}, not both (they would disagree on where ${what} comes from).`);
      }
      if (url === undefined && parameter === undefined) {
        throw new UsageError(`${context.origin} needs ${what} in the environment variable ${variables.url}, or the name of the SSM SecureString that holds it in ${variables.parameter}.`);
      }
      if (url !== undefined) {
        const checked = checkWebhookUrl(url, channel.label);
        if (typeof checked === 'string') throw new UsageError(`${context.origin}: ${variables.url} cannot be used. ${checked}`);
      }
      return webhookNotifier(channel, {
        webhookUrl: url !== undefined ? async () => url : secretParameter({ name: parameter!, purpose: what }),
        source: url !== undefined ? variables.url : `secret ${parameter}`,
        maxFindings: settings.CHAT_MAX_FINDINGS,
        post: { maxAttempts: settings.WEBHOOK_MAX_ATTEMPTS, timeoutMs: settings.WEBHOOK_TIMEOUT_SECONDS * 1000 },
        log: context.log,
      });
    },
  };
}
