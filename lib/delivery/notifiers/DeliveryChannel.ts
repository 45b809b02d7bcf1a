/**
 * A delivery channel as the registry (channelRegistry.ts) holds it: its id, its
 * words for people, and how it builds its notifier from settings. The settings
 * are environment variables, the same on the command line and in the functions,
 * so one factory serves both; each channel reads and checks its own.
 */
import { z } from 'zod';
import { UsageError } from '../../errors';
import type { Mailer } from '../Mailer';
import type { ChannelId, Notifier } from './Notifier';

/** What a channel's factory is given: built once (per cold start, or per CLI run) and shared. */
export interface ChannelContext {
  /** The environment variables the channel reads its settings from (the function's, or the shell's). */
  env: Record<string, string | undefined>;
  /** Who asked for the channel, for the words of a configuration error: "--email", "--notify slack", "NOTIFY_CHANNELS". */
  origin: string;
  /** The mailer (SMTP when SMTP_URL is set, otherwise Amazon SES), built on first use and shared by the e-mail channels. */
  mailer: () => Mailer;
  log: (level: 'info' | 'warn' | 'error', message: string, data?: Record<string, unknown>) => void;
}

/** One entry of the channel registry. */
export interface DeliveryChannel<K extends ChannelId = ChannelId> {
  id: K;
  /** What it delivers, to whom, and the variables it reads: for `--help` and errors. */
  description: string;
  /**
   * Builds the channel's notifier; a missing or malformed setting throws a
   * UsageError naming the variable. Secrets (a webhook URL) are read on first
   * delivery, not here: building stays synchronous and logs nothing secret.
   */
  create(context: ChannelContext): Notifier;
}

/**
 * Reads a channel's settings from the environment with its schema. An unset
 * variable is `undefined` (serverless.yml writes unset ones as ''), so the
 * schema's defaults apply; a missing required one says what it is for (the
 * schema's `.describe()`), a malformed one why.
 *
 * @example
 * readChannelSettings(z.object({ DPO_EMAIL: z.string().describe('the DPO address') }), {}, '--email')
 * // throws UsageError('--email needs the DPO address in the environment variable DPO_EMAIL.')
 */
export function readChannelSettings<S extends z.ZodObject>(schema: S, env: Record<string, string | undefined>, origin: string): z.output<S> {
  const set = Object.fromEntries(Object.keys(schema.shape).flatMap((name) => (env[name] ? [[name, env[name]]] : [])));
  const parsed = schema.safeParse(set);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const name = String(issue.path[0] ?? '');
  if (set[name] === undefined) {
    const what = (schema.shape[name] as z.ZodType | undefined)?.description ?? 'a value';
    throw new UsageError(`${origin} needs ${what} in the environment variable ${name}.`);
  }
  throw new UsageError(`${origin}: the environment variable ${name} is invalid: ${issue.message}.`);
}
