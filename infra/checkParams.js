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
