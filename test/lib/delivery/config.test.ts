import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { DEFAULTS } from '../../../lib/defaults';
import { createAuditContainer } from '../../../lib/delivery/auditContainer';
import { readDeliveryConfig } from '../../../lib/delivery/config';
import { TEST_DEPLOYMENT_ENV } from '../../helpers/delivery';

const ROOT = resolve(__dirname, '../../..');
const ENV = {
  ...TEST_DEPLOYMENT_ENV,
};

const LONG_WAIVER = `waivers:
  - id: W-LONG
    scope: { tenantId: tenant-a }
    reason: r
    approver: dpo@example.com
    createdAt: "2026-01-01T00:00:00Z"
    expiresAt: "2026-03-01T00:00:00Z"
`;

describe('MAX_WAIVER_DAYS', () => {
  it('defaults to maxWaiverDays of lib/defaults.json; serverless.yml passes its per-stage parameter, which defaults to the same', () => {
    expect(readDeliveryConfig(ENV).MAX_WAIVER_DAYS).toBe(DEFAULTS.maxWaiverDays);
    // serverless.yml writes an unset parameter as an empty string.
    expect(readDeliveryConfig({ ...ENV, MAX_WAIVER_DAYS: '' }).MAX_WAIVER_DAYS).toBe(DEFAULTS.maxWaiverDays);
    expect(readDeliveryConfig({ ...ENV, MAX_WAIVER_DAYS: '30' }).MAX_WAIVER_DAYS).toBe(30);
    const yml = parse(readFileSync(join(ROOT, 'serverless.yml'), 'utf8').replace(/!(Ref|GetAtt|Sub|If|Not|Equals)\b/g, ''));
    expect(yml.params.default.maxWaiverDays).toBe('${file(./lib/defaults.json):maxWaiverDays}');
    expect(yml.provider.environment.MAX_WAIVER_DAYS).toBe('${param:maxWaiverDays}');
  });

  it.each(['0', '-1', '1.5', 'a year'])('refuses %j with one sentence naming it', (value) => {
    expect(() => readDeliveryConfig({ ...ENV, MAX_WAIVER_DAYS: value })).toThrow(/^Configuration MAX_WAIVER_DAYS is invalid: /);
  });

  it('the audit functions load the bucket waivers with it: a 59-day waiver passes at the default and is refused at 30', async () => {
    const withDefault = createAuditContainer(ENV);
    withDefault.audit.reports.readText = async () => LONG_WAIVER;
    await expect(withDefault.audit.waivers()).resolves.toHaveLength(1);
    const strict = createAuditContainer({ ...ENV, MAX_WAIVER_DAYS: '30' });
    strict.audit.reports.readText = async () => LONG_WAIVER;
    await expect(strict.audit.waivers()).rejects.toThrow(
      /^Waiver W-LONG in s3:\/\/reports-bucket\/waivers\.yaml lasts 59 days .*, longer than the 30 days a waiver may last \(maxWaiverDays\)\.$/,
    );
  });
});

describe('NOTIFY_CHANNELS', () => {
  it('defaults to the DPO e-mail; takes a comma-separated list of channel ids', () => {
    expect(readDeliveryConfig(ENV).NOTIFY_CHANNELS).toEqual(['email']);
    expect(readDeliveryConfig({ ...ENV, NOTIFY_CHANNELS: '' }).NOTIFY_CHANNELS).toEqual(['email']);
    expect(readDeliveryConfig({ ...ENV, NOTIFY_CHANNELS: 'email, slack' }).NOTIFY_CHANNELS).toEqual(['email', 'slack']);
  });

  it.each([
    ['sms', /^Configuration NOTIFY_CHANNELS is invalid: Invalid option: expected one of "email"\|/],
    ['email,email', 'Configuration NOTIFY_CHANNELS is invalid: must not repeat a channel.'],
    [' , ', 'Configuration NOTIFY_CHANNELS is invalid: name at least one channel.'],
  ])('refuses %j with one sentence naming it', (value, message) => {
    expect(() => readDeliveryConfig({ ...ENV, NOTIFY_CHANNELS: value })).toThrow(message);
  });

  it("the audit functions deliver through its channels, each built from the deployment's variables", () => {
    expect(createAuditContainer(ENV).audit.notifiers.map((notifier) => notifier.channel)).toEqual(['email']);
    // A channel that cannot be built fails the cold start with one sentence, not the first run.
    expect(() => createAuditContainer({ ...ENV, NOTIFY_CHANNELS: 'email,slack' })).toThrow(/^The slack channel of NOTIFY_CHANNELS needs the Slack webhook URL in the environment variable SLACK_WEBHOOK_URL, or /);
    const built = createAuditContainer({ ...ENV, NOTIFY_CHANNELS: 'email,slack,owner-email', SLACK_WEBHOOK_PARAMETER: '/auditor/slack', OWNER_ALLOWLIST: '@example.com' });
    expect(built.audit.notifiers.map((notifier) => notifier.channel)).toEqual(['email', 'slack', 'owner-email']);
  });
});
