/**
 * The channel registry: every declared channel has an entry, the lists the CLI
 * and NOTIFY_CHANNELS give are checked, and building a channel without its
 * settings fails before anything runs, naming who asked and the variable.
 */
import { channels, createNotifiers, parseChannels } from '../../../../lib/delivery/notifiers/channelRegistry';
import type { Mailer } from '../../../../lib/delivery/Mailer';
import { CHANNEL_TITLES, CHANNELS } from '../../../../lib/delivery/notifiers/Notifier';

const mailer: Mailer = { describe: () => 'fake', send: async () => '<1@fake>' };
const context = (env: Record<string, string | undefined>) => ({ env, origin: (id: string) => `--notify ${id}`, mailer: () => mailer, log: () => undefined });

describe('the channel registry', () => {
  it('has an entry, under its own id, and words for people for every declared channel', () => {
    expect(Object.keys(channels).sort()).toEqual([...CHANNELS].sort());
    for (const id of CHANNELS) {
      expect(channels[id].id).toBe(id);
      expect(CHANNEL_TITLES[id]).toMatch(/^[A-Z]/);
    }
  });

  it.each([
    ['owner-email', 'in the environment variable OWNER_ALLOWLIST.'],
    ['slack', 'in the environment variable SLACK_WEBHOOK_URL, or the name of the SSM SecureString that holds it in SLACK_WEBHOOK_PARAMETER.'],
    ['teams', 'in the environment variable TEAMS_WEBHOOK_URL, or the name of the SSM SecureString that holds it in TEAMS_WEBHOOK_PARAMETER.'],
    ['security-hub', 'in the environment variable SECURITY_HUB_ACCOUNT_ID.'],
  ] as const)('refuses %s without its settings, with one sentence naming who asked and the variable', (id, ending) => {
    expect(() => createNotifiers([id], context({}))).toThrow(new RegExp(`^--notify ${id} needs .*${ending.replace(/[.]/g, '\\.')}$`));
  });
});

describe('parseChannels', () => {
  it('reads a comma-separated list, trimmed, lower-cased, without repeats', () => {
    expect(parseChannels(' Email , email,', '--notify')).toEqual(['email']);
  });

  it.each([
    ['', /^--notify needs at least one of email, owner-email, slack, teams, security-hub\./],
    ['email,sms', /^Unknown channel "sms" in --notify: use email, owner-email, slack, teams, security-hub\./],
  ])('refuses %j', (list, message) => {
    expect(() => parseChannels(list, '--notify')).toThrow(message);
  });
});

describe('createNotifiers', () => {
  it('builds the asked channels in the order asked, each from the environment', () => {
    const notifiers = createNotifiers(['email'], context({ DPO_EMAIL: 'dpo@example.com' }));
    expect(notifiers.map((notifier) => notifier.channel)).toEqual(['email']);
  });

  it('names who asked and the missing variable', () => {
    expect(() => createNotifiers(['email'], context({}))).toThrow('--notify email needs the DPO address in the environment variable DPO_EMAIL.');
  });
});
