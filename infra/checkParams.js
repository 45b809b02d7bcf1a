'use strict';
// Resolved as a serverless.yml variable (custom.paramsChecked): packaging fails, with one
// sentence, when a stage that deploys to AWS still uses example mail addresses. Only the
// `offline` stage (npm run offline) may: nothing there leaves this machine.
const RESERVED = /@(?:[^@]*\.)?(?:example\.(?:com|net|org)|example|test|invalid|localhost)$/i;

module.exports.check = async ({ resolveVariable, options }) => {
  const stage = options.stage || 'dev';
  if (stage === 'offline') return 'offline: example addresses allowed';
  const names = ['dpoEmail', 'senderEmail', 'alarmEmail'];
  const bad = [];
  for (const name of names) {
    const value = String(await resolveVariable(`param:${name}`));
    const addresses = value.split(',').map((part) => part.trim());
    if (addresses.some((address) => address === '' || RESERVED.test(address))) bad.push(`${name} (${value})`);
  }
  if (bad.length > 0) {
    throw new Error(
      `Stage ${stage} still uses example mail addresses: ${bad.join(', ')}. Set real ones under params.${stage} in serverless.yml ` +
        `or with --param "dpoEmail=…" --param "senderEmail=…" --param "alarmEmail=…" (the sender must be an SES-verified address or domain).`,
    );
  }
  return `${stage}: mail addresses set`;
};

// Resolved as NOTIFY_CHANNELS (serverless.yml): the stage's notifyChannels, with security-hub added when
// securityHub is true. Packaging fails, with one sentence, when a listed channel lacks its settings, so a
// deployment never starts functions that refuse their first cold start.
// The same list as lib/delivery/notifiers/Notifier.ts (test/infra/checkParams.test.ts ties them).
const CHANNELS = ['email', 'owner-email', 'slack', 'teams', 'security-hub'];
module.exports.CHANNELS = CHANNELS;
module.exports.notifyChannels = async ({ resolveVariable, options }) => {
  const stage = options.stage || 'dev';
  const param = async (name) => String((await resolveVariable(`param:${name}`)) ?? '').trim();
  const listed = (await param('notifyChannels')).split(',').map((part) => part.trim()).filter(Boolean);
  const problems = [];
  for (const id of listed) if (!CHANNELS.includes(id)) problems.push(`notifyChannels names "${id}", which is not a channel (${CHANNELS.join(', ')})`);
  if (listed.includes('security-hub')) problems.push('notifyChannels names security-hub: set securityHub: true instead (it also grants the import permission)');
  const securityHub = (await param('securityHub')).toLowerCase();
  if (!['true', 'false'].includes(securityHub)) problems.push(`securityHub is "${securityHub}", not true or false`);
  for (const [id, name] of [['slack', 'slackWebhookParameter'], ['teams', 'teamsWebhookParameter']]) {
    const value = await param(name);
    if (listed.includes(id) && value === '') problems.push(`notifyChannels names ${id} but ${name} (the SSM SecureString holding its webhook URL) is empty`);
    if (value !== '' && !/^\/[\w./-]{1,1010}$/.test(value)) problems.push(`${name} must be an SSM parameter name starting with "/" (letters, digits, _ . - /)`);
  }
  if (listed.includes('owner-email') && (await param('ownerAllowlist')) === '') problems.push('notifyChannels names owner-email but ownerAllowlist (the addresses and @domains owners may have) is empty');
  if (problems.length > 0) throw new Error(`Stage ${stage}: ${problems.join('; ')}.`);
  return [...listed, ...(securityHub === 'true' ? ['security-hub'] : [])].join(',') || 'email';
};
