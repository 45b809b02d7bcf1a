/**
 * The delivery channels by id, as lib/catalog/ruleKindRegistry.ts holds the rule
 * kinds: the CLI (`--email`, `--notify`), the functions (NOTIFY_CHANNELS) and the
 * help read only this registry, so a new channel is one file and one line here.
 */
import { UsageError } from '../../errors';
import type { ChannelContext, DeliveryChannel } from './DeliveryChannel';
import { emailDelivery } from './emailNotifier';
import { ownerEmailDelivery } from './ownerNotifier';
import { securityHubDelivery } from './securityHubNotifier';
import { slackDelivery } from './slackNotifier';
import { teamsDelivery } from './teamsNotifier';
import { CHANNELS, type ChannelId, type Notifier } from './Notifier';

/**
 * The registry. Its type makes a channel declared in CHANNELS but not
 * registered here a compile error.
 */
export const channels: { readonly [K in ChannelId]: DeliveryChannel<K> } = {
  email: emailDelivery,
  'owner-email': ownerEmailDelivery,
  slack: slackDelivery,
  teams: teamsDelivery,
  'security-hub': securityHubDelivery,
};

/**
 * Parses a comma-separated list of channel ids (the CLI's `--notify`), without
 * repeats; an unknown id is bad usage, named with the ids there are.
 *
 * @example
 * parseChannels('email, email', '--notify') // ['email']
 */
export function parseChannels(list: string, flag: string): ChannelId[] {
  const ids = [...new Set(list.split(',').map((part) => part.trim().toLowerCase()).filter(Boolean))];
  if (ids.length === 0) throw new UsageError(`${flag} needs at least one of ${CHANNELS.join(', ')}.`);
  for (const id of ids) {
    if (!(CHANNELS as readonly string[]).includes(id)) throw new UsageError(`Unknown channel "${id}" in ${flag}: use ${CHANNELS.join(', ')}.`);
  }
  return ids as ChannelId[];
}

/**
 * Builds the notifiers of the asked channels, in the order asked; a channel
 * whose settings are missing or malformed throws a UsageError that names the
 * variable, before anything is audited or sent.
 *
 * @example
 * createNotifiers(['email'], { env: process.env, origin: (id) => `--notify ${id}`, mailer, log }) // [emailNotifier]
 */
export function createNotifiers(ids: readonly ChannelId[], context: Omit<ChannelContext, 'origin'> & { origin: (id: ChannelId) => string }): Notifier[] {
  return ids.map((id) => channels[id].create({ ...context, origin: context.origin(id) }));
}
