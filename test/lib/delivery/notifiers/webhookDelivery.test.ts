/**
 * The Slack and Teams registry entries: their notifiers built from environment
 * variables, the URL given directly (the command line) or read from an SSM
 * SecureString (the functions), posting to a real HTTP server on 127.0.0.1.
 */
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import type { ChannelContext } from '../../../../lib/delivery/notifiers/DeliveryChannel';
import { slackDelivery } from '../../../../lib/delivery/notifiers/slackNotifier';
import { teamsDelivery } from '../../../../lib/delivery/notifiers/teamsNotifier';
import { UsageError } from '../../../../lib/errors';
import { finishedRun, SECRET_PATH } from './webhookFixtures';
import { startWebhookSink, type WebhookSink } from './webhookSink';

const ssm = mockClient(SSMClient);
let sink: WebhookSink;
let logged: string[];
beforeEach(async () => {
  ssm.reset();
  sink = await startWebhookSink();
  logged = [];
});
afterEach(() => sink.close());

function context(env: Record<string, string | undefined>, origin = '--notify slack'): ChannelContext {
  return {
    env,
    origin,
    mailer: () => {
      throw new Error('a chat channel sends no mail');
    },
    log: (level, message, data) => logged.push(`${level} ${message} ${JSON.stringify(data ?? {})}`),
  };
}

describe('the chat channels read their settings from the environment', () => {
  it('need the URL or the parameter that holds it, and say which variables', () => {
    expect(() => slackDelivery.create(context({}))).toThrow(
      new UsageError('--notify slack needs the Slack webhook URL in the environment variable SLACK_WEBHOOK_URL, or the name of the SSM SecureString that holds it in SLACK_WEBHOOK_PARAMETER.'),
    );
    expect(() => teamsDelivery.create(context({ TEAMS_WEBHOOK_URL: '' }, '--notify teams'))).toThrow(/^--notify teams needs the Teams webhook URL in the environment variable TEAMS_WEBHOOK_URL, or/);
  });

  it('refuse both at once', () => {
    expect(() => slackDelivery.create(context({ SLACK_WEBHOOK_URL: `https://hooks.slack.com${SECRET_PATH}`, SLACK_WEBHOOK_PARAMETER: '/x/slack' }))).toThrow(
      '--notify slack: set SLACK_WEBHOOK_URL or SLACK_WEBHOOK_PARAMETER, not both (they would disagree on where the Slack webhook URL comes from).',
    );
  });

  it('refuse a URL that would go in clear before anything is audited, without quoting it', () => {
    let error: Error | undefined;
    try {
      slackDelivery.create(context({ SLACK_WEBHOOK_URL: `http://hooks.slack.com${SECRET_PATH}` }));
    } catch (e) {
      error = e as Error;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect(error!.message).toBe(
      '--notify slack: SLACK_WEBHOOK_URL cannot be used. The Slack webhook URL must be an https URL (it starts with http://); refusing to send the message in clear.',
    );
  });

  it('refuse a malformed parameter name or setting, naming the variable', () => {
    expect(() => slackDelivery.create(context({ SLACK_WEBHOOK_PARAMETER: 'not a name!' }))).toThrow(
      '--notify slack: the environment variable SLACK_WEBHOOK_PARAMETER is invalid: must be an SSM parameter name such as /retention-auditor/prod/slack-webhook.',
    );
    expect(() => slackDelivery.create(context({ SLACK_WEBHOOK_PARAMETER: '/x/slack', WEBHOOK_MAX_ATTEMPTS: 'many' }))).toThrow(/the environment variable WEBHOOK_MAX_ATTEMPTS is invalid/);
    expect(() => slackDelivery.create(context({ SLACK_WEBHOOK_PARAMETER: '/x/slack', CHAT_MAX_FINDINGS: '11' }))).toThrow(/the environment variable CHAT_MAX_FINDINGS is invalid/);
  });

  it('accept a parameter ARN', () => {
    expect(() => slackDelivery.create(context({ SLACK_WEBHOOK_PARAMETER: 'arn:aws:ssm:eu-central-1:123456789012:parameter/retention-auditor/prod/slack-webhook' }))).not.toThrow();
  });
});

describe('a chat channel built from the environment', () => {
  it('posts to the URL given directly (the command line), naming only the variable', async () => {
    const slack = slackDelivery.create(context({ SLACK_WEBHOOK_URL: `${sink.origin}${SECRET_PATH}` }));
    const [outcome] = await slack.finished(finishedRun());
    expect(outcome).toMatchObject({ channel: 'slack', to: 'Slack webhook (SLACK_WEBHOOK_URL)', attempts: 1, sentAt: expect.any(String) });
    expect(sink.requests[0]!.path).toBe(SECRET_PATH);
  });

  it('reads the URL from its SSM SecureString on first delivery, once per container', async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Name: '/ra/prod/teams', Type: 'SecureString', Value: `${sink.origin}${SECRET_PATH}?sig=Zm9vYmFyc2VjcmV0c2ln` } });
    const teams = teamsDelivery.create(context({ TEAMS_WEBHOOK_PARAMETER: '/ra/prod/teams' }, 'The teams channel of NOTIFY_CHANNELS'));
    expect(ssm).toHaveReceivedCommandTimes(GetParameterCommand, 0);
    const [first] = await teams.finished(finishedRun());
    const [second] = await teams.failed(finishedRun().record, 'boom');
    expect(first).toMatchObject({ channel: 'teams', to: 'Teams webhook (secret /ra/prod/teams)', attempts: 1 });
    expect(second).toMatchObject({ channel: 'teams', to: 'Teams webhook (secret /ra/prod/teams)', attempts: 1 });
    expect(ssm).toHaveReceivedCommandTimes(GetParameterCommand, 1);
    expect(ssm).toHaveReceivedCommandWith(GetParameterCommand, { Name: '/ra/prod/teams', WithDecryption: true });
    expect(sink.requests).toHaveLength(2);
  });

  it('turns a missing parameter into a failed outcome that says so', async () => {
    ssm.on(GetParameterCommand).rejects(Object.assign(new Error(''), { name: 'ParameterNotFound', $metadata: { httpStatusCode: 400 } }));
    const slack = slackDelivery.create(context({ SLACK_WEBHOOK_PARAMETER: '/ra/prod/slack' }));
    const outcomes = await slack.finished(finishedRun());
    expect(outcomes).toEqual([
      {
        channel: 'slack',
        to: 'Slack webhook (secret /ra/prod/slack)',
        subject: expect.any(String),
        attempts: 0,
        error:
          'Slack webhook not sent: SSM parameter /ra/prod/slack (the Slack webhook URL) does not exist: create it with `aws ssm put-parameter --type SecureString --name /ra/prod/slack --value …`, or clear the stage parameter that names it.',
      },
    ]);
    expect(sink.requests).toHaveLength(0);
  });

  it('retries as WEBHOOK_MAX_ATTEMPTS says, logging each retry without the URL', async () => {
    sink.script({ status: 500 }, { status: 500 });
    const slack = slackDelivery.create(context({ SLACK_WEBHOOK_URL: `${sink.origin}${SECRET_PATH}`, WEBHOOK_MAX_ATTEMPTS: '2' }));
    const [outcome] = await slack.finished(finishedRun());
    expect(outcome).toMatchObject({ attempts: 2, error: 'Slack webhook answered HTTP 500 Internal Server Error; gave up after 2 attempts.' });
    expect(logged).toEqual([expect.stringMatching(/^warn Slack webhook attempt 1 of 2 failed; retrying in /)]);
    expect(JSON.stringify([outcome, logged])).not.toMatch(/Xk9sEcReTt0kEnVaLuE123|services\//);
  });

  it('lists CHAT_MAX_FINDINGS findings', async () => {
    const slack = slackDelivery.create(context({ SLACK_WEBHOOK_URL: `${sink.origin}/hook`, CHAT_MAX_FINDINGS: '1' }));
    await slack.finished(finishedRun());
    expect(sink.requests[0]!.body).toContain('*Most serious* (1 of 24 violations and deadlines due soon)');
  });
});
