/**
 * infra/checkParams.js, resolved by osls while packaging: NOTIFY_CHANNELS from the stage's
 * parameters, and one sentence when a listed channel lacks its settings.
 */
import { CHANNELS as DECLARED } from '../../lib/delivery/notifiers/Notifier';

const checkParams = require('../../infra/checkParams.js') as {
  CHANNELS: string[];
  notifyChannels: (context: { resolveVariable: (name: string) => Promise<string>; options: { stage?: string } }) => Promise<string>;
};

const DEFAULTS: Record<string, string> = { notifyChannels: 'email', securityHub: 'false', slackWebhookParameter: '', teamsWebhookParameter: '', ownerAllowlist: '' };
const resolve = (params: Record<string, string>) => ({
  resolveVariable: async (name: string) => ({ ...DEFAULTS, ...params })[name.replace(/^param:/, '')] ?? '',
  options: { stage: 'prod' },
});

describe('infra/checkParams.js notifyChannels', () => {
  it('knows the channels the registry declares', () => {
    expect(checkParams.CHANNELS).toEqual([...DECLARED]);
  });

  it('gives the stage\'s channels, with security-hub when securityHub is true', async () => {
    expect(await checkParams.notifyChannels(resolve({}))).toBe('email');
    expect(await checkParams.notifyChannels(resolve({ notifyChannels: 'email, slack', slackWebhookParameter: '/auditor/slack', securityHub: 'true' }))).toBe('email,slack,security-hub');
  });

  it.each([
    [{ notifyChannels: 'email,slack' }, /notifyChannels names slack but slackWebhookParameter .* is empty/],
    [{ notifyChannels: 'email,owner-email' }, /notifyChannels names owner-email but ownerAllowlist .* is empty/],
    [{ notifyChannels: 'email,sms' }, /notifyChannels names "sms", which is not a channel/],
    [{ notifyChannels: 'email,security-hub' }, /set securityHub: true instead/],
    [{ securityHub: 'yes' }, /securityHub is "yes", not true or false/],
    [{ teamsWebhookParameter: 'https://example.webhook.office.com/x' }, /teamsWebhookParameter must be an SSM parameter name starting with "\/"/],
  ])('refuses %j with one sentence naming the stage and the setting', async (params, message) => {
    await expect(checkParams.notifyChannels(resolve(params))).rejects.toThrow(message);
    await expect(checkParams.notifyChannels(resolve(params))).rejects.toThrow(/^Stage prod: .*\.$/);
  });
});
