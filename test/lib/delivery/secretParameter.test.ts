/** Reading a SecureString from SSM Parameter Store: decrypted, cached, and every failure one sentence without the value. */
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { secretParameter } from '../../../lib/delivery/secretParameter';
import { AccessDeniedError, NotFoundError, StoreError, ThrottledError, UsageError } from '../../../lib/errors';

const ssm = mockClient(SSMClient);
const client = new SSMClient({ region: 'eu-central-1' });
const NAME = '/retention-auditor/prod/slack-webhook';
const VALUE = 'https://hooks.slack.com/services/T0SECRET01/B0SECRET02/Xk9sEcReTt0kEnVaLuE123';

beforeEach(() => ssm.reset());

const secureString = (value = VALUE) => ({ Parameter: { Name: NAME, Type: 'SecureString' as const, Value: value, Version: 3 } });
const sdkError = (name: string, status: number, message = `${name} happened`) => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });

/** The sentence of what `resolve` rejects with; it must never hold the value. */
async function failure(resolve: () => Promise<string>): Promise<Error> {
  const error = await resolve().then(
    () => {
      throw new Error('expected a failure');
    },
    (e: Error) => e,
  );
  expect(error.message).not.toContain('Xk9sEcReTt0kEnVaLuE123');
  return error;
}

describe('secretParameter', () => {
  it('answers the decrypted value, asking SSM WithDecryption for that name', async () => {
    ssm.on(GetParameterCommand).resolves(secureString(` ${VALUE}\n`));
    expect(await secretParameter({ name: NAME, client })()).toBe(VALUE);
    expect(ssm).toHaveReceivedCommandWith(GetParameterCommand, { Name: NAME, WithDecryption: true });
  });

  it('reads once per function instance: later and concurrent calls share the value', async () => {
    ssm.on(GetParameterCommand).resolves(secureString());
    const secret = secretParameter({ name: NAME, client });
    expect(await Promise.all([secret(), secret(), secret()])).toEqual([VALUE, VALUE, VALUE]);
    expect(await secret()).toBe(VALUE);
    expect(ssm).toHaveReceivedCommandTimes(GetParameterCommand, 1);
  });

  it('reads again after maxAgeMs, so a rotated URL arrives in a warm function', async () => {
    let now = 0;
    ssm.on(GetParameterCommand).resolvesOnce(secureString('https://old.example/1')).resolves(secureString('https://new.example/2'));
    const secret = secretParameter({ name: NAME, client, maxAgeMs: 60_000, now: () => now });
    expect(await secret()).toBe('https://old.example/1');
    now = 59_999;
    expect(await secret()).toBe('https://old.example/1');
    now = 60_000;
    expect(await secret()).toBe('https://new.example/2');
    expect(ssm).toHaveReceivedCommandTimes(GetParameterCommand, 2);
  });

  it('does not keep a failure: the next call asks again', async () => {
    ssm.on(GetParameterCommand).rejectsOnce(sdkError('InternalServerError', 500)).resolves(secureString());
    const secret = secretParameter({ name: NAME, client });
    await expect(secret()).rejects.toBeInstanceOf(StoreError);
    expect(await secret()).toBe(VALUE);
  });

  it('says that a missing parameter does not exist, and how to create it', async () => {
    ssm.on(GetParameterCommand).rejects(sdkError('ParameterNotFound', 400, ''));
    const error = await failure(secretParameter({ name: NAME, client, purpose: 'the Slack webhook URL' }));
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error.message).toBe(
      `SSM parameter ${NAME} (the Slack webhook URL) does not exist: create it with \`aws ssm put-parameter --type SecureString --name ${NAME} --value …\`, or clear the stage parameter that names it.`,
    );
  });

  it('names the IAM action to grant when refused, and KMS when the key is unusable', async () => {
    ssm.on(GetParameterCommand).rejects(sdkError('AccessDeniedException', 400, 'User: arn:aws:sts::1:assumed-role/x is not authorized to perform: ssm:GetParameter'));
    const denied = await failure(secretParameter({ name: NAME, client, purpose: 'the Slack webhook URL' }));
    expect(denied).toBeInstanceOf(AccessDeniedError);
    expect(denied.message).toMatch(new RegExp(`^SSM refused GetParameter on parameter ${NAME} \\(the Slack webhook URL\\) \\(AccessDeniedException\\): the function's role needs ssm:GetParameter on it`));
    expect(denied.message).toContain('kms:Decrypt');

    ssm.on(GetParameterCommand).rejects(sdkError('InvalidKeyId', 400));
    const key = await failure(secretParameter({ name: NAME, client }));
    expect(key.message).toBe(`SSM could not decrypt parameter ${NAME} (a secret): its KMS key is disabled, deleted or not one this account may use (InvalidKeyId).`);

    ssm.on(GetParameterCommand).rejects(sdkError('ThrottlingException', 400));
    expect(await failure(secretParameter({ name: NAME, client }))).toBeInstanceOf(ThrottledError);
  });

  it('refuses a plain String or StringList parameter, without quoting its value', async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Name: NAME, Type: 'String', Value: VALUE } });
    const error = await failure(secretParameter({ name: NAME, client, purpose: 'the Slack webhook URL' }));
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toMatch(new RegExp(`^SSM parameter ${NAME} \\(the Slack webhook URL\\) is a String, not a SecureString: a secret must be stored encrypted`));
  });

  it('refuses an empty value', async () => {
    ssm.on(GetParameterCommand).resolves(secureString('  '));
    expect((await failure(secretParameter({ name: NAME, client }))).message).toBe(`SSM parameter ${NAME} (a secret) is empty.`);
  });
});
