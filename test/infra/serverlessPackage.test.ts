/**
 * Packages the service with `osls package` (offline, no credentials) and checks
 * the CloudFormation template: schedule, IAM authorization, the reports
 * bucket's protections, least-privilege roles, failure handling.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { CHANNEL_PARAMS, packageCi, ROOT } from './packageService';
import { METRICS_NAMESPACE, RUN_METRICS } from '../../lib/delivery/RunMetrics';
import type { AwsCall } from '../helpers/aws/recordingProxy';
import { checkCalls, formatCheckResult } from '../helpers/aws/iamCheck';

type Resource = { Type: string; Properties: any };
let resources: Record<string, Resource>;
let out: string;
let template: any;
/** Log delivery (vended logs) and X-Ray: AWS documents Resource "*" for these, they take no resource-level permission. */
const WITHOUT_RESOURCES = [
  'logs:CreateLogDelivery', 'logs:GetLogDelivery', 'logs:UpdateLogDelivery', 'logs:DeleteLogDelivery', 'logs:ListLogDeliveries',
  'logs:PutResourcePolicy', 'logs:DescribeResourcePolicies', 'logs:DescribeLogGroups',
  'xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets',
];
const byType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

beforeAll(async () => {
  // Every stage but offline refuses example mail addresses (REAL_ADDRESSES in CI.params).
  const packaged = await packageCi();
  out = packaged.dir;
  template = packaged.template;
  resources = packaged.template.Resources;
}, 600_000);

describe('osls package', () => {
  it('schedules the nightly audit with the per-stage cron expression (default 02:00 UTC)', () => {
    // The nightly audit's rule (auditFailures has a schedule of its own: the sweep).
    const rules = byType('AWS::Events::Rule').filter(([, r]) => r.Properties.Targets[0].Arn['Fn::GetAtt']?.[0] === 'ScheduledAuditLambdaFunction');
    expect(rules).toHaveLength(1);
    expect(rules[0]![1].Properties).toMatchObject({ ScheduleExpression: 'cron(30 1 * * ? *)', State: 'ENABLED' });
    expect(rules[0]![1].Properties.Targets[0].Arn).toEqual({ 'Fn::GetAtt': ['ScheduledAuditLambdaFunction', 'Arn'] });
    // CloudFormation's short tags (!Ref, !If…) mean nothing to a plain YAML parser: drop them to read the parameters.
    const params = parse(readFileSync(join(ROOT, 'serverless.yml'), 'utf8').replace(/!(Ref|GetAtt|Sub|If|Not|Equals)\b/g, '')).params;
    expect(params.default.schedule).toBe('cron(0 2 * * ? *)');
  });

  it('requires AWS IAM authorization on the three routes', () => {
    const routes = Object.fromEntries(byType('AWS::ApiGatewayV2::Route').map(([, r]) => [r.Properties.RouteKey, r.Properties.AuthorizationType]));
    expect(routes).toEqual({ 'POST /audits': 'AWS_IAM', 'GET /audits/{runId}': 'AWS_IAM', 'GET /audits': 'AWS_IAM' });
  });

  it('throttles the HTTP API: every route, and POST /audits harder', () => {
    const [[, stage]] = byType('AWS::ApiGatewayV2::Stage') as [[string, Resource]];
    expect(stage.Properties.DefaultRouteSettings).toEqual({ ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 });
    expect(stage.Properties.RouteSettings).toEqual({ 'POST /audits': { ThrottlingRateLimit: 1, ThrottlingBurstLimit: 5 } });
  });

  it('protects the reports bucket: encryption, versioning, no public access, TLS only, a retention lifecycle', () => {
    const bucket = resources.ReportsBucket!.Properties;
    // SSE-KMS with the stack's customer-managed key, and a bucket key.
    expect(bucket.BucketEncryption.ServerSideEncryptionConfiguration[0]).toEqual({
      ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': ['AuditKey', 'Arn'] } },
      BucketKeyEnabled: true,
    });
    expect(resources.AuditKey!.Properties.EnableKeyRotation).toBe(true);
    expect(bucket.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(bucket.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    expect(bucket.LifecycleConfiguration.Rules[0]).toMatchObject({ Status: 'Enabled', Prefix: 'reports/' });
    // A --param value arrives as a string, which CloudFormation takes for an integer.
    expect(Number(bucket.LifecycleConfiguration.Rules[0].ExpirationInDays)).toBe(90);
    expect(bucket.ObjectLockConfiguration).toEqual({
      'Fn::If': ['UseObjectLock', { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: '30' } } }, { Ref: 'AWS::NoValue' }],
    });
    const statement = resources.ReportsBucketPolicy!.Properties.PolicyDocument.Statement[0];
    expect(statement).toMatchObject({ Effect: 'Deny', Principal: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
  });

  it("keeps the state machine's run files in a bucket of their own: encrypted, private, TLS only, logged, everything expired after runFilesDays, nothing locked or versioned", () => {
    const bucket = resources.RunFilesBucket!.Properties;
    expect(bucket.BucketEncryption.ServerSideEncryptionConfiguration).toEqual([
      { ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': ['AuditKey', 'Arn'] } }, BucketKeyEnabled: true },
    ]);
    expect(bucket.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    expect(bucket.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
    expect(bucket.LoggingConfiguration).toEqual({ DestinationBucketName: { Ref: 'AccessLogsBucket' }, LogFilePrefix: 'run-files-bucket/' });
    // Whatever objectLockDays says: a default retention would keep every copy of a finding that long, whatever the lifecycle.
    expect(Object.keys(bucket).filter((key) => /ObjectLock|Versioning/.test(key))).toEqual([]);
    const [rule, ...others] = bucket.LifecycleConfiguration.Rules;
    expect(others).toEqual([]);
    expect(rule).toMatchObject({ Status: 'Enabled', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } });
    expect(rule.Prefix ?? rule.Filter).toBeUndefined();
    expect(Number(rule.ExpirationInDays)).toBe(4);
    const policy = resources.RunFilesBucketPolicy!.Properties;
    expect(policy.Bucket).toEqual({ Ref: 'RunFilesBucket' });
    expect(policy.PolicyDocument.Statement).toEqual([
      expect.objectContaining({ Effect: 'Deny', Principal: '*', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    ]);
    // The access-log bucket takes its logs.
    const delivery = resources.AccessLogsBucketPolicy!.Properties.PolicyDocument.Statement.find((s: any) => s.Sid === 'S3ServerAccessLogDelivery');
    expect(delivery.Condition.ArnLike['aws:SourceArn']).toContainEqual({ 'Fn::GetAtt': ['RunFilesBucket', 'Arn'] });
    // runFilesDays defaults to lib/defaults.json's, as every shared default.
    const params = parse(readFileSync(join(ROOT, 'serverless.yml'), 'utf8').replace(/!(Ref|GetAtt|Sub|If|Not|Equals)\b/g, '')).params;
    expect(params.default.runFilesDays).toBe('${file(./lib/defaults.json):runFilesDays}');
    expect(JSON.parse(readFileSync(join(ROOT, 'lib/defaults.json'), 'utf8')).runFilesDays).toBe(7);
  });

  it('gives every function its own least-privilege role: no wildcard action, no wildcard resource', () => {
    const functions = byType('AWS::Lambda::Function');
    expect(functions.length).toBeGreaterThanOrEqual(5);
    const roles = new Set<string>();
    for (const [name, fn] of functions) {
      expect(fn.Properties.Runtime).toBe('nodejs22.x');
      const role = fn.Properties.Role['Fn::GetAtt'][0];
      expect(role).toBe(name.replace(/LambdaFunction$/, 'Role'));
      roles.add(role);
    }
    expect(roles.size).toBe(functions.length);
    expect(resources.IamRoleLambdaExecution).toBeUndefined();
    for (const [name, role] of byType('AWS::IAM::Role')) {
      for (const policy of role.Properties.Policies) {
        for (const statement of policy.PolicyDocument.Statement) {
          const actions: string[] = [statement.Action].flat();
          const targets = [statement.Resource].flat();
          for (const action of actions) expect(`${name}: ${action}`).not.toMatch(/: (\*|[a-z0-9]+:\*)$/);
          // Only actions that take no resource-level permission, and only for the state machine.
          if (targets.includes('*')) expect({ name, actions: actions.filter((a) => !WITHOUT_RESOURCES.includes(a)) }).toEqual({ name: 'AuditStateMachineRole', actions: [] });
        }
      }
    }
  });

  it('scopes each role to what its functions do', () => {
    // A statement that exists only with a condition (Fn::If: [condition, statement, NoValue]) counts with its statement.
    const actions = (role: string) => resources[role]!.Properties.Policies[0].PolicyDocument.Statement.flatMap((s: any) => [(s['Fn::If']?.[1] ?? s).Action].flat());
    expect(actions('ListAuditsRole')).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents', 'dynamodb:Query']);
    // kms:Decrypt: the reports are SSE-KMS objects.
    expect(actions('GetAuditRole')).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents', 'dynamodb:GetItem', 's3:GetObject', 'kms:Decrypt']);
    expect(actions('StartAuditRole')).toContain('lambda:InvokeFunction');
    expect(actions('StartAuditRole')).not.toContain('s3:GetObject');
    for (const role of ['AuditWorkerRole', 'ScheduledAuditRole']) {
      expect(actions(role)).toEqual(expect.arrayContaining(['dynamodb:Query', 'dynamodb:Scan', 's3:PutObject', 'ses:SendRawEmail', 'sqs:SendMessage', 'kms:GenerateDataKey']));
      expect(actions(role)).not.toContain('lambda:InvokeFunction');
    }
    // The state machine's steps (their resources and the state machine's role: stateMachine.test.ts).
    for (const role of ['PlanAuditRole', 'MapPartitionsRole']) {
      expect(actions(role)).toEqual(expect.arrayContaining(['dynamodb:Query', 'dynamodb:UpdateItem', 's3:GetObject', 's3:PutObject', 's3:ListBucket']));
      expect(actions(role)).not.toEqual(expect.arrayContaining(['ses:SendRawEmail']));
    }
    // The plan finds the latest snapshot without manifests (Scan) and sizes the table (DescribeTable); the map reads its itemId ranges by Query only.
    expect(actions('PlanAuditRole')).toEqual(expect.arrayContaining(['dynamodb:Scan', 'dynamodb:DescribeTable']));
    expect(actions('MapPartitionsRole')).not.toContain('dynamodb:Scan');
    expect(actions('MapPartitionsRole')).not.toContain('dynamodb:DescribeTable');
    expect(actions('ReduceAuditRole')).toEqual(expect.arrayContaining(['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 'ses:SendRawEmail', 'dynamodb:Query']));
    expect(actions('ReduceAuditRole')).not.toContain('dynamodb:Scan');
    // A diff child reads the run and the previous run's history (GetItem) and the manifest (Query), counts its ranges
    // on run records only (UpdateItem where the key is a run id), puts its ranges' history parts (PutItem where the key
    // is a history chunk's: never the head, which the reduce commits) and writes its ranges' run files: it never scans,
    // mails or writes reports.
    expect(actions('DiffRangesRole')).toEqual([
      'logs:CreateLogStream', 'logs:PutLogEvents', 'dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:PutItem', 'dynamodb:Query', 's3:GetObject', 's3:PutObject', 's3:ListBucket', 'kms:GenerateDataKey', 'kms:Decrypt',
    ]);
    const diffDynamo = resources.DiffRangesRole!.Properties.Policies[0].PolicyDocument.Statement.filter((s: any) => [s.Action].flat().some((a: string) => a.startsWith('dynamodb:')));
    expect(diffDynamo.map((s: any) => [s.Action, s.Resource, s.Condition ?? null])).toEqual([
      ['dynamodb:GetItem', { 'Fn::GetAtt': ['RunsTable', 'Arn'] }, null],
      ['dynamodb:UpdateItem', { 'Fn::GetAtt': ['RunsTable', 'Arn'] }, { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['audit-*'] } }],
      ['dynamodb:PutItem', { 'Fn::GetAtt': ['RunsTable', 'Arn'] }, { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['hist#*#p*'] } }],
      ['dynamodb:Query', { 'Fn::GetAtt': ['InventoryTable', 'Arn'] }, null],
    ]);
    // A part child reads its run record and counts its parts on it, only where the key is a run id (never the history), reads
    // the run files and writes its parts' files: no inventory, no report, no mail.
    expect(actions('AssemblePartsRole')).toEqual([
      'logs:CreateLogStream', 'logs:PutLogEvents', 'dynamodb:GetItem', 'dynamodb:UpdateItem', 's3:GetObject', 's3:ListBucket', 's3:PutObject', 'kms:GenerateDataKey', 'kms:Decrypt',
    ]);
    const assembleDynamo = resources.AssemblePartsRole!.Properties.Policies[0].PolicyDocument.Statement.filter((s: any) => [s.Action].flat().some((a: string) => a.startsWith('dynamodb:')));
    expect(assembleDynamo.map((s: any) => [s.Action, s.Resource, s.Condition ?? null])).toEqual([
      [['dynamodb:GetItem', 'dynamodb:UpdateItem'], { 'Fn::GetAtt': ['RunsTable', 'Arn'] }, { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['audit-*'] } }],
    ]);
    // Run files (runs/*) only in the run-files bucket; nothing else there. A part child writes only under runs/<runId>/parts/,
    // the reduce only the reports' tails there.
    const s3Resources = (role: string) =>
      resources[role]!.Properties.Policies[0].PolicyDocument.Statement.map((s: any) => s['Fn::If']?.[1] ?? s)
        .filter((s: any) => [s.Action].flat().some((a: string) => a.startsWith('s3:')))
        .map((s: any) => JSON.stringify(s.Resource));
    const runFiles = (key: string) => JSON.stringify({ 'Fn::Sub': `\${RunFilesBucket.Arn}/${key}` });
    const runFilesBucket = JSON.stringify({ 'Fn::GetAtt': ['RunFilesBucket', 'Arn'] });
    const expectedRunFiles: Record<string, string[]> = {
      PlanAuditRole: [runFiles('runs/*'), runFilesBucket],
      MapPartitionsRole: [runFiles('runs/*'), runFilesBucket],
      DiffRangesRole: [runFiles('runs/*'), runFilesBucket],
      AssemblePartsRole: [runFiles('runs/*'), runFilesBucket, runFiles('runs/*/parts/*')],
      ReduceAuditRole: [runFiles('runs/*'), runFilesBucket, runFiles('runs/*/parts/tail.*')],
    };
    for (const [role, expected] of Object.entries(expectedRunFiles)) {
      const touching = s3Resources(role).filter((r: string) => r.includes('runs/') || r.includes('RunFilesBucket'));
      expect({ role, touching }).toEqual({ role, touching: expected });
    }
    for (const role of ['MapPartitionsRole', 'DiffRangesRole', 'AssemblePartsRole']) expect({ role, reports: s3Resources(role).filter((r: string) => r.includes('ReportsBucket')) }).toEqual({ role, reports: [] });
    for (const [name] of byType('AWS::IAM::Role').filter(([id]) => !Object.keys(expectedRunFiles).includes(id))) {
      expect(`${name}: ${JSON.stringify(resources[name]!.Properties.Policies)}`).not.toMatch(/RunFilesBucket|runs\//);
    }
    expect(actions('MarkRunFailedRole')).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'ses:SendRawEmail', 'ssm:GetParameter']);
    for (const role of ['StartAuditRole', 'ScheduledAuditRole']) expect(actions(role)).toContain('states:StartExecution');
    expect(actions('AuditFailuresRole')).toContain('states:DescribeExecution');
    expect(actions('AuditFailuresRole')).not.toContain('states:StartExecution');
  });

  it('sends failed asynchronous audits to a queue and alarms on errors', () => {
    const configs = byType('AWS::Lambda::EventInvokeConfig').map(([, c]) => c.Properties);
    expect(configs).toHaveLength(2);
    for (const config of configs) {
      expect(config.DestinationConfig.OnFailure.Destination).toEqual({ 'Fn::GetAtt': ['AuditFailuresQueue', 'Arn'] });
      expect(config.MaximumRetryAttempts).toBe(0);
    }
    const alarms = byType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
    expect(alarms.filter((a) => a.MetricName === 'Errors').map((a) => a.Dimensions[0].Value).sort()).toEqual([
      'retention-auditor-ci-auditWorker',
      'retention-auditor-ci-scheduledAudit',
    ]);
  });

  it("alarms on the run's own metrics: an incomplete run, a digest that could not be sent, and any channel that could not deliver", () => {
    const alarms = byType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties).filter((a) => a.Namespace === METRICS_NAMESPACE);
    expect(alarms.map((a) => a.MetricName).sort()).toEqual(['DigestFailed', 'Incomplete', 'NotificationFailed']);
    for (const alarm of alarms) {
      // The metric and dimension that cloudWatchMetrics() publishes (test/lib/delivery/RunMetrics.test.ts).
      expect(Object.keys(RUN_METRICS)).toContain(alarm.MetricName);
      expect(alarm.Dimensions).toEqual([{ Name: 'service', Value: 'retention-auditor' }]);
      expect(alarm).toMatchObject({ Statistic: 'Sum', Threshold: 0, ComparisonOperator: 'GreaterThanThreshold', TreatMissingData: 'notBreaching', AlarmActions: [{ Ref: 'AlarmTopic' }] });
    }
  });

  it.each(['auditWorker', 'scheduledAudit', 'reduceAudit'])('ships the rule files, the e-mail templates, pdfkit and the embedded font with %s', (fn) => {
    const listing = execFileSync('unzip', ['-l', join(out, `${fn}.zip`)], { encoding: 'utf8', maxBuffer: 64 << 20 });
    for (const path of [
      `handlers/${fn}.js`,
      'policies/instant-messaging.json',
      'templates/email/digest.html.mustache',
      'node_modules/pdfkit/package.json',
      'node_modules/@fontsource/ibm-plex-sans/files/ibm-plex-sans-latin-400-normal.woff',
    ]) {
      expect(listing).toContain(path);
    }
    expect(listing).not.toContain('policies/sources/');
  });

  it.each(['auditWorker', 'scheduledAudit', 'reduceAudit'])('ships the PDF fallback font for CJK, Hangul and emoji with %s (the WOFF the PDF reads, not the unused WOFF2)', (fn) => {
    const listing = execFileSync('unzip', ['-l', join(out, `${fn}.zip`)], { encoding: 'utf8', maxBuffer: 64 << 20 });
    expect(listing).toContain('node_modules/@fontsource/unifontex/package.json');
    expect(listing).toContain('node_modules/@fontsource/unifontex/files/unifontex-latin-400-normal.woff\n');
    expect(listing).not.toContain('unifontex-latin-400-normal.woff2');
  });

  it.each(['auditWorker', 'scheduledAudit', 'mapPartitions', 'reduceAudit'])("ships DuckDB's binding for linux-arm64 with %s, and the engine setting", (fn) => {
    const listing = execFileSync('unzip', ['-l', join(out, `${fn}.zip`)], { encoding: 'utf8', maxBuffer: 64 << 20 });
    expect(listing).toContain('node_modules/@duckdb/node-api/package.json');
    expect(listing).toContain('node_modules/@duckdb/node-bindings-linux-arm64/duckdb.node');
    expect(listing).not.toContain('node-bindings-linux-x64');
    const lambda = resources[`${fn[0]!.toUpperCase()}${fn.slice(1)}LambdaFunction`]!;
    expect(lambda.Properties.Architectures).toEqual(['arm64']);
    expect(lambda.Properties.Environment.Variables).toMatchObject({ ENGINE: expect.stringMatching(/^(auto|sql|reference)$/), DUCKDB_MEMORY_LIMIT: '1GB' });
  });

  it('leaves the fonts and DuckDB out of the functions that draw no PDF and run no audit', () => {
    // diffRanges diffs and sorts in JavaScript: it evaluates nothing and writes no report; assembleParts writes the JSON and CSV parts only.
    for (const fn of ['startAudit', 'getAudit', 'listAudits', 'auditFailures', 'planAudit', 'diffRanges', 'assembleParts', 'markRunFailed']) {
      const listing = execFileSync('unzip', ['-l', join(out, `${fn}.zip`)], { encoding: 'utf8', maxBuffer: 64 << 20 });
      expect({ fn, fonts: listing.includes('@fontsource/'), duckdb: listing.includes('@duckdb/') }).toEqual({ fn, fonts: false, duckdb: false });
      expect(listing).toContain('templates/email/');
    }
    // mapPartitions evaluates with DuckDB but draws no PDF; none of the maps' steps ships pdfkit.
    for (const fn of ['mapPartitions', 'diffRanges', 'assembleParts']) {
      const listing = execFileSync('unzip', ['-l', join(out, `${fn}.zip`)], { encoding: 'utf8', maxBuffer: 64 << 20 });
      expect({ fn, fonts: listing.includes('@fontsource/'), pdfkit: listing.includes('node_modules/pdfkit/') }).toEqual({ fn, fonts: false, pdfkit: false });
    }
  });

  it.each(['mapPartitions', 'diffRanges', 'assembleParts'])('loads %s from its zip, which lacks the fonts, without loading pdfkit or a font', (fn) => {
    const dir = mkdtempSync(join(tmpdir(), `retention-auditor-${fn}-zip-`));
    try {
      execFileSync('unzip', ['-q', join(out, `${fn}.zip`), '-d', dir]);
      // As Lambda's runtime loads the handler at a cold start: a font looked for then would fail it (DuckDB, loaded when a
      // query first runs, is left alone: its binding here is arm64's).
      const script = `const m = require(${JSON.stringify(join(dir, 'handlers', `${fn}.js`))}); process.stdout.write(JSON.stringify({ handler: typeof m.handler, loaded: Object.keys(require.cache).filter((k) => ['pdfkit', 'fontkit', '@fontsource'].some((p) => k.includes('/node_modules/' + p + '/'))) }));`;
      const loaded = JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } }));
      expect(loaded).toEqual({ handler: 'function', loaded: [] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('delivers through the stage\'s channels, with Security Hub added when securityHub is true', () => {
    for (const [, fn] of byType('AWS::Lambda::Function')) {
      const env = fn.Properties.Environment.Variables;
      expect(env.NOTIFY_CHANNELS).toBe('email,owner-email,slack,teams,security-hub');
      expect(env.SLACK_WEBHOOK_PARAMETER).toBe(CHANNEL_PARAMS.slackWebhookParameter);
      expect(env.OWNER_ALLOWLIST).toBe(CHANNEL_PARAMS.ownerAllowlist);
      expect(env.SECURITY_HUB_ACCOUNT_ID).toEqual({ Ref: 'AWS::AccountId' });
      // The webhook URLs themselves are never in the template.
      expect(JSON.stringify(env)).not.toMatch(/hooks\.slack\.com|webhook\.office\.com|https:/);
    }
  });

  it('lets the audit functions read exactly the two webhook parameters and import into Security Hub, and nothing near it', async () => {
    const ACCOUNT = '123456789012';
    const REGION = 'eu-west-1';
    const call = (key: string, action: string, resource: string): AwsCall => ({
      // The calls the SSM and Security Hub clients make (no local peer records them: made up here, as they would be recorded).
      accessKeyId: key, presigned: false, service: action.split(':')[0] as AwsCall['service'], operation: action.split(':')[1]!, action, resources: [resource], context: {},
      status: 200, region: REGION, method: 'POST', url: `https://${action.split(':')[0]}.${REGION}.amazonaws.com/`,
    });
    const parameter = (name: string) => `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter${name}`;
    const product = `arn:aws:securityhub:${REGION}:${ACCOUNT}:product/${ACCOUNT}/default`;
    const keys = { AKIAWORKER: 'AuditWorkerRole', AKIANIGHTLY: 'ScheduledAuditRole', AKIAFAILURES: 'AuditFailuresRole' };
    const check = (calls: AwsCall[]) =>
      checkCalls({
        template,
        calls,
        roleOfAccessKey: keys,
        names: { accountId: ACCOUNT, region: REGION, resources: {
          InventoryTable: { Arn: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/inventory` },
          RunsTable: { Arn: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/runs` },
          ReportsBucket: { Ref: 'reports', Arn: 'arn:aws:s3:::reports' },
          RunFilesBucket: { Ref: 'run-files', Arn: 'arn:aws:s3:::run-files' },
          AuditFailuresQueue: { Arn: `arn:aws:sqs:${REGION}:${ACCOUNT}:failures` },
          AuditKey: { Arn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/k` },
        } },
        conditions: { UseObjectLock: true, SlackWebhook: true, TeamsWebhook: true, AnyChatWebhook: true, UseSecurityHub: true },
        roles: [],
      });
    const allowed = [
      ...Object.keys(keys).flatMap((key) => [call(key, 'ssm:GetParameter', parameter(CHANNEL_PARAMS.slackWebhookParameter)), call(key, 'ssm:GetParameter', parameter(CHANNEL_PARAMS.teamsWebhookParameter))]),
      call('AKIAWORKER', 'securityhub:BatchImportFindings', product),
      call('AKIANIGHTLY', 'securityhub:BatchImportFindings', product),
    ];
    const result = await check(allowed);
    expect(formatCheckResult(result)).toBe(formatCheckResult({ denied: [], unused: [], allowed: allowed.length }));
    // Another parameter, or a finding imported as another product or by the failure handler: denied.
    const near = [
      call('AKIAWORKER', 'ssm:GetParameter', parameter('/retention-auditor/ci/other')),
      call('AKIAWORKER', 'ssm:GetParameters', parameter(CHANNEL_PARAMS.slackWebhookParameter)),
      call('AKIAWORKER', 'securityhub:BatchImportFindings', `arn:aws:securityhub:${REGION}::product/aws/guardduty`),
      call('AKIAFAILURES', 'securityhub:BatchImportFindings', product),
    ];
    expect((await check(near)).denied).toHaveLength(near.length);
  });
});
