import { checkCalls, formatCheckResult, resolveRoles, type CfnNames } from './iamCheck';
import { describeRequest, type AwsCall } from './recordingProxy';

const ACCOUNT = '123456789012';
const REGION = 'eu-central-1';

const names: CfnNames = {
  accountId: ACCOUNT,
  region: REGION,
  resources: {
    RunsTable: { Ref: 'ci-runs', Arn: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/ci-runs` },
    ReportsBucket: { Ref: 'ci-reports', Arn: 'arn:aws:s3:::ci-reports' },
    FailuresQueue: { Ref: 'https://sqs/ci-failures', Arn: `arn:aws:sqs:${REGION}:${ACCOUNT}:ci-failures` },
    SesIdentity: { Ref: 'example.com' },
  },
};

/** A tiny packaged template: two roles, written by hand. */
function template(extra: Record<string, unknown> = {}) {
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Parameters: { Stage: { Type: 'String', Default: 'ci' } },
    Resources: {
      RunsTable: { Type: 'AWS::DynamoDB::Table', Properties: {} },
      ReportsBucket: { Type: 'AWS::S3::Bucket', Properties: {} },
      WorkerRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          AssumeRolePolicyDocument: {},
          Policies: [
            {
              PolicyName: 'worker',
              PolicyDocument: {
                Version: '2012-10-17',
                Statement: [
                  {
                    Sid: 'Logs',
                    Effect: 'Allow',
                    Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
                    Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/worker-${Stage}:*' },
                  },
                  { Sid: 'Runs', Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:PutItem'], Resource: { 'Fn::GetAtt': ['RunsTable', 'Arn'] } },
                  {
                    Sid: 'ListWaivers',
                    Effect: 'Allow',
                    Action: 's3:ListBucket',
                    Resource: { 'Fn::GetAtt': 'ReportsBucket.Arn' },
                    Condition: { StringEquals: { 's3:prefix': ['waivers.yaml'] } },
                  },
                  { Sid: 'Reports', Effect: 'Allow', Action: 's3:GetObject', Resource: { 'Fn::Sub': '${ReportsBucket.Arn}/reports/*' } },
                  {
                    Sid: 'Mail',
                    Effect: 'Allow',
                    Action: 'ses:SendRawEmail',
                    Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/${SesIdentity}' },
                  },
                  {
                    Sid: 'Failures',
                    Effect: 'Allow',
                    Action: 'sqs:SendMessage',
                    Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':sqs:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':ci-failures']] },
                  },
                ],
              },
            },
          ],
        },
      },
      ReaderRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          AssumeRolePolicyDocument: {},
          RoleName: { 'Fn::Sub': 'reader-${Stage}' },
          Policies: [
            {
              PolicyName: 'reader',
              PolicyDocument: {
                Version: '2012-10-17',
                Statement: [
                  {
                    Effect: 'Allow',
                    Action: 'dynamodb:Query',
                    Resource: { 'Fn::Sub': ['${TableArn}/index/byCreatedAt', { TableArn: { 'Fn::GetAtt': ['RunsTable', 'Arn'] } }] },
                  },
                  {
                    'Fn::If': [
                      'WithPresign',
                      {
                        Sid: 'Presign',
                        Effect: 'Allow',
                        Action: 's3:*',
                        Resource: {
                          'Fn::Join': ['/', [{ 'Fn::Select': [0, { 'Fn::Split': ['/', { 'Fn::Sub': '${ReportsBucket.Arn}/x' }] }] }, 'reports', '*']],
                        },
                      },
                      { Ref: 'AWS::NoValue' },
                    ],
                  },
                ],
              },
            },
          ],
        },
      },
      ...extra,
    },
  };
}

let seq = 0;
function call(partial: Partial<AwsCall> & Pick<AwsCall, 'action' | 'resources'>): AwsCall {
  seq++;
  return {
    accessKeyId: 'AKIAWORKER',
    presigned: false,
    service: 'dynamodb',
    operation: partial.action.split(':')[1] ?? 'x',
    context: {},
    status: 200,
    region: REGION,
    method: 'POST',
    url: `/call-${seq}`,
    ...partial,
  };
}

const roleOfAccessKey = { AKIAWORKER: 'WorkerRole', AKIAREADER: 'ReaderRole' };
const RUNS = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/ci-runs`;
const check = (calls: AwsCall[], extra: { conditions?: Record<string, boolean>; ignoreActions?: RegExp } = {}) =>
  checkCalls({ template: template(), calls, roleOfAccessKey, names, conditions: { WithPresign: true }, ignoreActions: /^logs:/, ...extra });

describe('resolveRoles', () => {
  it('resolves Fn::Sub (pseudo parameters, parameters, Logical.Attr, two-argument form), GetAtt, Join, Select, Split and If', () => {
    const roles = resolveRoles(template(), names, { WithPresign: true });
    expect(Object.keys(roles).sort()).toEqual(['ReaderRole', 'WorkerRole']);
    const worker = roles.WorkerRole!.policies[0]!.document.Statement;
    expect(worker[0].Resource).toBe(`arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/worker-ci:*`);
    expect(worker[1].Resource).toBe(RUNS);
    expect(worker[2].Resource).toBe('arn:aws:s3:::ci-reports');
    expect(worker[3].Resource).toBe('arn:aws:s3:::ci-reports/reports/*');
    expect(worker[4].Resource).toBe(`arn:aws:ses:${REGION}:${ACCOUNT}:identity/example.com`);
    expect(worker[5].Resource).toBe(`arn:aws:sqs:${REGION}:${ACCOUNT}:ci-failures`);
    const reader = roles.ReaderRole!;
    expect(reader.arn).toBe(`arn:aws:iam::${ACCOUNT}:role/reader-ci`);
    expect(reader.policies[0]!.document.Statement.map((s) => s.Resource)).toEqual([`${RUNS}/index/byCreatedAt`, 'arn:aws:s3:::ci-reports/reports/*']);
  });

  it('drops an Fn::If branch that is AWS::NoValue, and fails on an unknown condition', () => {
    const roles = resolveRoles(template(), names, { WithPresign: false });
    expect(roles.ReaderRole!.policies[0]!.document.Statement).toHaveLength(1);
    expect(() => resolveRoles(template(), names)).toThrow(/unknown condition WithPresign: give options\.conditions\.WithPresign/);
  });

  it('fails loudly on ManagedPolicyArns and on what it cannot resolve', () => {
    const managed = template({
      OtherRole: { Type: 'AWS::IAM::Role', Properties: { ManagedPolicyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'], Policies: [] } },
    });
    expect(() => resolveRoles(managed, names, { WithPresign: true })).toThrow(/OtherRole has ManagedPolicyArns/);
    const unresolvable = template({
      OtherRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          Policies: [{ PolicyName: 'p', PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: { 'Fn::GetAtt': ['Nowhere', 'Arn'] } }] } }],
        },
      },
    });
    expect(() => resolveRoles(unresolvable, names, { WithPresign: true })).toThrow(/OtherRole\.Policies.*cannot resolve Fn::GetAtt Nowhere\.Arn: give names\.resources\.Nowhere\.Arn/);
  });
});

describe('checkCalls', () => {
  it('allows a call its role grants and counts it', async () => {
    const result = await check([call({ action: 'dynamodb:GetItem', resources: [RUNS] })]);
    expect(result.denied).toEqual([]);
    expect(result.allowed).toBe(1);
  });

  it('denies a call on the wrong table with an obvious message', async () => {
    const other = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/other`;
    const result = await check([call({ action: 'dynamodb:GetItem', resources: [other] })]);
    expect(result.allowed).toBe(0);
    expect(result.denied).toHaveLength(1);
    expect(result.denied[0]!.role).toBe('WorkerRole');
    expect(result.denied[0]!.reason).toBe(`WorkerRole may not dynamodb:GetItem on ${other}: no statement allows it`);
    expect(result.denied[0]!.hint).toContain(`statement Runs of policy worker allows the action only on ${RUNS}`);
  });

  it('allows a listing only with the prefix its Condition names', async () => {
    const listing = (prefix: string) => call({ service: 's3', action: 's3:ListBucket', resources: ['arn:aws:s3:::ci-reports'], context: { 's3:prefix': prefix } });
    const result = await check([listing('waivers.yaml'), listing(''), listing('reports/')]);
    expect(result.allowed).toBe(1);
    expect(result.denied.map((d) => d.reason)).toEqual([
      'WorkerRole may not s3:ListBucket on arn:aws:s3:::ci-reports (context s3:prefix=""): no statement allows it',
      'WorkerRole may not s3:ListBucket on arn:aws:s3:::ci-reports (context s3:prefix=reports/): no statement allows it',
    ]);
    expect(result.denied[1]!.hint).toMatch(/statement ListWaivers of policy worker matches action and resource but its Condition fails: StringEquals s3:prefix \["waivers.yaml"\]/);
  });

  it('reports each granted (statement, action, resource) no allowed call used, except ignored actions', async () => {
    const result = await check([
      call({ action: 'dynamodb:GetItem', resources: [RUNS] }),
      call({ service: 's3', action: 's3:ListBucket', resources: ['arn:aws:s3:::ci-reports'], context: { 's3:prefix': 'waivers.yaml' } }),
      call({ service: 's3', action: 's3:GetObject', resources: ['arn:aws:s3:::ci-reports/reports/r1.json'] }),
      // A denied call does not make a statement used.
      call({ service: 's3', action: 's3:PutObject', resources: ['arn:aws:s3:::ci-reports/reports/r1.json'] }),
      call({ accessKeyId: 'AKIAREADER', action: 'dynamodb:Query', resources: [`${RUNS}/index/byCreatedAt`] }),
    ]);
    expect(result.allowed).toBe(4);
    const unused = result.unused.map((u) => `${u.role} ${u.sid ?? `#${u.statement}`} ${u.action} ${u.resource}`);
    expect(unused).toEqual([
      `WorkerRole Runs dynamodb:PutItem ${RUNS}`,
      `WorkerRole Mail ses:SendRawEmail arn:aws:ses:${REGION}:${ACCOUNT}:identity/example.com`,
      `WorkerRole Failures sqs:SendMessage arn:aws:sqs:${REGION}:${ACCOUNT}:ci-failures`,
      'ReaderRole Presign s3:* arn:aws:s3:::ci-reports/reports/*',
    ]);
    expect(result.unused[0]).toEqual({ role: 'WorkerRole', policy: 'worker', statement: 2, sid: 'Runs', action: 'dynamodb:PutItem', resource: RUNS });
    expect(formatCheckResult(result)).toContain('UNUSED WorkerRole grants dynamodb:PutItem on');
  });

  it('counts a wildcard action as used when it allowed some call, e.g. a presigned GET attributed by its key id', async () => {
    const result = await check([
      call({ accessKeyId: 'AKIAREADER', presigned: true, service: 's3', method: 'GET', action: 's3:GetObject', resources: ['arn:aws:s3:::ci-reports/reports/r1.json'] }),
    ]);
    expect(result.denied).toEqual([]);
    expect(result.unused.filter((u) => u.role === 'ReaderRole').map((u) => u.action)).toEqual(['dynamodb:Query']);
  });

  it('allows an SES call through the domain identity only, when any of its identities suffices', async () => {
    const identity = (x: string) => `arn:aws:ses:${REGION}:${ACCOUNT}:identity/${x}`;
    const send = (from: string) =>
      call({
        service: 'sesv2',
        operation: 'SendEmail',
        action: 'ses:SendRawEmail',
        resources: [identity(from), identity(from.split('@')[1]!)],
        resourcesAnyOf: true,
        context: { 'ses:FromAddress': from },
      });
    const result = await check([send('audit@example.com'), send('audit@other.example')]);
    expect(result.allowed).toBe(1);
    expect(result.unused.some((u) => u.sid === 'Mail')).toBe(false);
    expect(result.denied.map((d) => d.reason)).toEqual([
      `WorkerRole may not ses:SendRawEmail on any of ${identity('audit@other.example')}, ${identity('other.example')} (context ses:FromAddress=audit@other.example): no statement allows it`,
    ]);
    // Without anyOf every resource must be allowed: the address identity is not granted.
    const strict = await check([{ ...send('audit@example.com'), resourcesAnyOf: false }]);
    expect(strict.denied[0]!.reason).toBe(`WorkerRole may not ses:SendRawEmail on ${identity('audit@example.com')} (context ses:FromAddress=audit@example.com): no statement allows it`);
  });

  it('requires every authorization of a call (alsoRequires)', async () => {
    const result = await check([
      call({
        service: 's3',
        action: 's3:GetObject',
        resources: ['arn:aws:s3:::ci-reports/reports/a'],
        alsoRequires: [{ action: 's3:PutObject', resources: ['arn:aws:s3:::ci-reports/reports/b'] }],
      }),
    ]);
    expect(result.denied.map((d) => d.reason)).toEqual(['WorkerRole may not s3:PutObject on arn:aws:s3:::ci-reports/reports/b: no statement allows it']);
  });

  it('denies calls it cannot attribute or the proxy did not recognise', async () => {
    const result = await check([
      call({ accessKeyId: 'AKIASTRANGER', action: 'dynamodb:GetItem', resources: [RUNS] }),
      call({ accessKeyId: null, action: 'dynamodb:GetItem', resources: [RUNS] }),
      call({ action: 'unknown:POST /whatever', resources: [] }),
    ]);
    expect(result.allowed).toBe(0);
    expect(result.denied.map((d) => d.reason)).toEqual([
      expect.stringContaining('access key AKIASTRANGER is not in roleOfAccessKey'),
      expect.stringContaining('unsigned request'),
      expect.stringContaining('WorkerRole made a request the proxy does not recognise'),
    ]);
  });

  it('reports explicit denies by their statement', async () => {
    const denyTemplate = template();
    (denyTemplate.Resources.WorkerRole.Properties.Policies[0]!.PolicyDocument.Statement as unknown[]).push({
      Sid: 'NoPlainText',
      Effect: 'Deny',
      Action: 's3:*',
      Resource: '*',
      Condition: { Bool: { 'aws:SecureTransport': false } },
    });
    const ok = await checkCalls({
      template: denyTemplate,
      calls: [call({ service: 's3', action: 's3:GetObject', resources: ['arn:aws:s3:::ci-reports/reports/a'] })],
      roleOfAccessKey,
      names,
      conditions: { WithPresign: true },
    });
    expect(ok.denied).toEqual([]);
    denyTemplate.Resources.WorkerRole.Properties.Policies[0]!.PolicyDocument.Statement.pop();
    (denyTemplate.Resources.WorkerRole.Properties.Policies[0]!.PolicyDocument.Statement as unknown[]).push({ Sid: 'NoReports', Effect: 'Deny', Action: 's3:GetObject', Resource: '*' });
    const denied = await checkCalls({
      template: denyTemplate,
      calls: [call({ service: 's3', action: 's3:GetObject', resources: ['arn:aws:s3:::ci-reports/reports/a'] })],
      roleOfAccessKey,
      names,
      conditions: { WithPresign: true },
    });
    expect(denied.denied[0]!.reason).toBe('WorkerRole may not s3:GetObject on arn:aws:s3:::ci-reports/reports/a: explicitly denied by statement NoReports of policy worker');
  });

  it('evaluates calls as the proxy records them (context keys of every service are accepted by the simulator)', async () => {
    const auth = (key: string, service: string) => ({ authorization: `AWS4-HMAC-SHA256 Credential=${key}/20260101/${REGION}/${service}/aws4_request, SignedHeaders=host, Signature=x` });
    const mime = Buffer.from('From: "Auditor" <audit@example.com>\r\nTo: a@b.example, c@d.example\r\nSubject: s\r\n\r\nbody').toString('base64');
    const calls = [
      describeRequest({ service: 's3', method: 'GET', url: '/ci-reports?list-type=2&prefix=waivers.yaml&delimiter=%2F&max-keys=10', headers: auth('AKIAWORKER', 's3') }),
      describeRequest({ service: 's3', method: 'GET', url: '/ci-reports/reports/r%201.json?x-id=GetObject', headers: auth('AKIAWORKER', 's3') }),
      describeRequest({
        service: 'dynamodb',
        method: 'POST',
        url: '/',
        headers: { ...auth('AKIAWORKER', 'dynamodb'), 'x-amz-target': 'DynamoDB_20120810.GetItem' },
        body: Buffer.from(JSON.stringify({ TableName: 'ci-runs', Key: {}, ReturnConsumedCapacity: 'TOTAL', AttributesToGet: ['id'] })),
      }),
      describeRequest({
        service: 'sesv2',
        method: 'POST',
        url: '/v2/email/outbound-emails',
        headers: auth('AKIAWORKER', 'ses'),
        body: Buffer.from(JSON.stringify({ Content: { Raw: { Data: mime } } })),
      }),
      describeRequest({
        service: 'dynamodb',
        method: 'POST',
        url: '/',
        headers: { ...auth('AKIAREADER', 'dynamodb'), 'x-amz-target': 'DynamoDB_20120810.Query' },
        body: Buffer.from(JSON.stringify({ TableName: 'ci-runs', IndexName: 'byCreatedAt', Select: 'ALL_PROJECTED_ATTRIBUTES', ReturnConsumedCapacity: 'NONE' })),
      }),
    ];
    const result = await check(calls);
    expect(formatCheckResult({ ...result, unused: [] })).toBe('');
    expect(result.allowed).toBe(5);
  });
});
