/**
 * Secrets the functions need (the chat webhook URLs: whoever holds one can post
 * to the channel) live in SSM Parameter Store as SecureStrings, never in an
 * environment variable, the stack's template or a run record. A secret is read
 * when first needed and kept in the function instance for `maxAgeMs` (15
 * minutes by default), so a rotated value arrives within that or with the next
 * instance; a failed read is not kept. Every failure is one sentence
 * that names the parameter and never its value.
 */
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { translateSdkError } from '../aws/sdkErrors';
import { NotFoundError, StoreError, UsageError } from '../errors';

/** Reads a secret when called; cached as its factory says. */
export type SecretResolver = () => Promise<string>;

export interface SecretParameterOptions {
  /** The parameter's name, e.g. "/retention-auditor/prod/slack-webhook". */
  name: string;
  /** Built once per cold start and injected; absent, one default client is built on first use and shared. */
  client?: SSMClient;
  /** What the secret is, for the error sentences, e.g. "the Slack webhook URL". */
  purpose?: string;
  /** How long a value read is reused (default: 15 minutes, so a rotated URL arrives soon even in a warm function). */
  maxAgeMs?: number;
  now?: () => number;
}

const DEFAULT_MAX_AGE_MS = 15 * 60_000;

/** One client per function instance for every secret that was given none. */
let sharedClient: SSMClient | undefined;

function translate(cause: unknown, name: string, purpose: string): StoreError {
  const code = (cause as Error)?.name;
  const options = { cause, context: { service: 'SSM', operation: 'GetParameter', parameter: name } };
  if (code === 'ParameterNotFound') {
    return new NotFoundError(
      `SSM parameter ${name} (${purpose}) does not exist: create it with \`aws ssm put-parameter --type SecureString --name ${name} --value …\`, or clear the stage parameter that names it.`,
      options,
    );
  }
  if (code === 'InvalidKeyId') {
    return new StoreError(`SSM could not decrypt parameter ${name} (${purpose}): its KMS key is disabled, deleted or not one this account may use (InvalidKeyId).`, options);
  }
  return translateSdkError(cause, {
    service: 'SSM',
    operation: 'GetParameter',
    iamAction: 'ssm:GetParameter',
    target: `parameter ${name} (${purpose})`,
    deniedHint: 'a SecureString under a customer managed KMS key also needs kms:Decrypt on that key',
  });
}

/**
 * A resolver of one SecureString parameter, decrypted, read on first use and
 * cached; concurrent first calls share one request.
 *
 * @example
 * const slackUrl = secretParameter({ name: '/retention-auditor/prod/slack-webhook', client: ssm, purpose: 'the Slack webhook URL' });
 * await slackUrl() // 'https://hooks.slack.com/services/…' (read once, then cached)
 */
export function secretParameter(options: SecretParameterOptions): SecretResolver {
  const { name } = options;
  const purpose = options.purpose ?? 'a secret';
  const maxAge = options.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
  const now = options.now ?? Date.now;
  let client = options.client;
  let cached: { value: Promise<string>; readAt: number } | undefined;

  const read = async (): Promise<string> => {
    client ??= sharedClient ??= new SSMClient({});
    let parameter;
    try {
      ({ Parameter: parameter } = await client.send(new GetParameterCommand({ Name: name, WithDecryption: true })));
    } catch (cause) {
      throw translate(cause, name, purpose);
    }
    if (parameter?.Type !== 'SecureString') {
      throw new UsageError(
        `SSM parameter ${name} (${purpose}) is a ${parameter?.Type ?? 'parameter of unknown type'}, not a SecureString: a secret must be stored encrypted ` +
          `(\`aws ssm put-parameter --type SecureString --overwrite --name ${name} --value …\`, after deleting the plain one).`,
        { context: { parameter: name } },
      );
    }
    const value = parameter.Value?.trim() ?? '';
    if (value === '') throw new UsageError(`SSM parameter ${name} (${purpose}) is empty.`, { context: { parameter: name } });
    return value;
  };

  return () => {
    if (cached && now() - cached.readAt < maxAge) return cached.value;
    const entry = { value: read(), readAt: now() };
    cached = entry;
    // A failure is not kept: the next run asks again.
    entry.value.catch(() => {
      if (cached === entry) cached = undefined;
    });
    return entry.value;
  };
}
