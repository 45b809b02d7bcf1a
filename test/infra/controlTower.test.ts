/**
 * Packages the prod stage with `osls package` and validates its CloudFormation template
 * against the AWS Control Tower proactive controls: the cfn-guard rules and the cfn-guard 3
 * binary shipped by @cdklabs/cdk-validator-cfnguard.
 *
 * A rule that does not fit a resource is suppressed on that resource with
 * `Metadata: { guard: { SuppressedRules: [rule_name] } }` and the reason in a YAML comment
 * beside it (infra/*.yml). cfn-guard itself ignores that metadata (the Control Tower rules do
 * not filter on it), so this test applies it — and fails on a suppression that suppresses
 * nothing, so that none outlives its reason.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, chmodSync, constants, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageStage, REAL_ADDRESSES, ROOT } from './packageService';

const GUARD_PACKAGE = join(ROOT, 'node_modules/@cdklabs/cdk-validator-cfnguard');
const RULES = join(GUARD_PACKAGE, 'rules/control-tower/cfn-guard');

type Resource = { Type: string; Properties?: any; Metadata?: any; Condition?: string };
type Template = { Resources: Record<string, Resource>; Conditions?: Record<string, unknown>; Outputs?: Record<string, unknown> };
/** One cfn-guard result for a data file (`--structured` prints a list of them). */
type GuardReport = { name: string; status: string; not_compliant: Array<{ Rule?: { name: string } }>; not_applicable: string[]; compliant: string[] };
type Violation = { rule: string; control: string; resource: string; type: string; message: string };

let template: Template;
let report: GuardReport;
let violations: Violation[];

function guardBinary(): string {
  const platform = process.platform === 'darwin' ? 'macos' : 'ubuntu';
  const arch = process.arch === 'arm64' ? 'aarch64' : 'x86_64';
  const binary = join(GUARD_PACKAGE, 'bin', platform, arch, 'cfn-guard');
  try {
    accessSync(binary, constants.X_OK);
  } catch {
    chmodSync(binary, 0o755); // npm does not always keep the executable bit of a package's files
  }
  return binary;
}

function guardFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? guardFiles(join(dir, entry.name)) : entry.name.endsWith('.guard') ? [join(dir, entry.name)] : [],
  );
}

function runGuard(templatePath: string): GuardReport {
  const result = spawnSync(
    guardBinary(),
    ['validate', '--rules', RULES, '--data', templatePath, '--output-format', 'json', '--show-summary', 'none', '--structured'],
    { encoding: 'utf8', maxBuffer: 256 << 20 },
  );
  // 0: every rule passes or skips; 19: some rule fails; anything else: cfn-guard could not run.
  if (result.error || (result.status !== 0 && result.status !== 19)) {
    throw new Error(`cfn-guard exited with ${result.status}: ${result.error?.message ?? result.stderr}`);
  }
  const reports = JSON.parse(result.stdout) as GuardReport[];
  expect(reports).toHaveLength(1);
  return reports[0]!;
}

/** The logical ids a failed rule's checks traversed to (`/Resources/<id>/...`). */
function resourcesIn(node: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(node)) {
    for (const item of node) resourcesIn(item, found);
  } else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      const match = key === 'path' && typeof value === 'string' ? /^\/Resources\/([^/[]+)/.exec(value) : null;
      if (match) found.add(match[1]!);
      else resourcesIn(value, found);
    }
  }
  return found;
}

/** The rule's own message: `[CT.S3.PR.2]: Require ... [FIX]: ...`. */
function messageIn(node: unknown): string | undefined {
  if (Array.isArray(node)) {
    for (const item of node) {
      const found = messageIn(item);
      if (found) return found;
    }
  } else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'custom_message' && typeof value === 'string' && value.includes('[CT.')) return value.trim().replace(/\s*\n\s*/g, ' ');
      const found = messageIn(value);
      if (found) return found;
    }
  }
  return undefined;
}

function violationsOf(guard: GuardReport, resources: Template['Resources']): Violation[] {
  return guard.not_compliant.flatMap((entry) => {
    const rule = entry.Rule?.name ?? JSON.stringify(entry).slice(0, 200);
    const message = messageIn(entry) ?? rule;
    const control = /\[(CT\.[A-Z0-9.]+)\]/.exec(message)?.[1] ?? '?';
    const ids = [...resourcesIn(entry)];
    // A failure that names no resource cannot be suppressed: report it against the template.
    return (ids.length ? ids : ['(template)']).map((resource) => ({ rule, control, resource, type: resources[resource]?.Type ?? '?', message }));
  });
}

const suppressedRules = (resource: Resource | undefined): string[] => resource?.Metadata?.guard?.SuppressedRules ?? [];
const isSuppressed = (v: Violation) => suppressedRules(template.Resources[v.resource]).includes(v.rule);
const explain = (v: Violation) => `${v.control} ${v.rule} on ${v.resource} (${v.type}): ${v.message}`;

/** Fn::Not / Fn::Equals, the only condition functions the template uses. */
function evaluateCondition(node: any): boolean {
  if (node['Fn::Not']) return !evaluateCondition(node['Fn::Not'][0]);
  if (node['Fn::Equals']) return String(node['Fn::Equals'][0]) === String(node['Fn::Equals'][1]);
  throw new Error(`cannot evaluate ${JSON.stringify(node)}`);
}

const AUDIT_KEY = { 'Fn::GetAtt': ['AuditKey', 'Arn'] };
const byType = (type: string) => Object.entries(template.Resources).filter(([, r]) => r.Type === type);

beforeAll(async () => {
  // prod refuses example mail addresses.
  const { dir, template: packaged } = await packageStage('prod', { ...REAL_ADDRESSES });
  template = packaged as Template;
  report = runGuard(join(dir, 'cloudformation-template-update-stack.json'));
  violations = violationsOf(report, template.Resources);
}, 600_000);

describe('prod stack against the AWS Control Tower proactive controls (cfn-guard)', () => {
  it('evaluates every Control Tower rule', () => {
    const names = guardFiles(RULES).flatMap((file) => [...readFileSync(file, 'utf8').matchAll(/^rule\s+(\w+)\s+when\s+is_cfn_template/gm)].map((m) => m[1]!));
    expect(names.length).toBeGreaterThan(150);
    const evaluated = new Set([...report.compliant, ...report.not_applicable, ...violations.map((v) => v.rule)]);
    expect(names.filter((name) => !evaluated.has(name))).toEqual([]);
    expect(report.compliant.length).toBeGreaterThan(10);
  });

  it('passes every rule, apart from the suppressions in infra/*.yml', () => {
    const failing = violations.filter((v) => !isSuppressed(v));
    if (failing.length) {
      throw new Error(
        `${new Set(failing.map((v) => v.rule)).size} Control Tower rule(s) fail on ${failing.length} resource(s).\n` +
          'Fix the resource in infra/*.yml or serverless.yml (resources.extensions for what osls generates), or, if the rule does not fit, ' +
          'add the rule to the resource\'s Metadata.guard.SuppressedRules with the reason in a comment:\n' +
          failing.map((v) => `  - ${explain(v)}`).join('\n'),
      );
    }
  });

  it('suppresses a rule only on a resource it fails on', () => {
    const failures = new Set(violations.map((v) => `${v.resource} ${v.rule}`));
    const stale = Object.entries(template.Resources).flatMap(([id, resource]) =>
      suppressedRules(resource)
        .filter((rule) => !failures.has(`${id} ${rule}`))
        .map((rule) => `${id}: ${rule}`),
    );
    expect(stale).toEqual([]);
  });

  it('suppresses what the rules cannot see: scoped invoke permissions, Object Lock on in prod', () => {
    // CT.LAMBDA.PR.2 accepts only a literal SourceArn or a Ref/GetAtt; osls scopes each permission to the API with Fn::Join.
    for (const [id, permission] of byType('AWS::Lambda::Permission').filter(([, r]) => suppressedRules(r).includes('lambda_function_public_access_prohibited_check'))) {
      expect(`${id}: ${JSON.stringify(permission.Properties.SourceArn)}`).toMatch(/\{"Ref":"HttpApi"\},"\/\*"\]/);
    }
    // CT.S3.PR.9 cannot evaluate the !If: Object Lock depends on objectLockDays, which prod sets.
    const bucket = template.Resources.ReportsBucket!;
    expect(suppressedRules(bucket)).toContain('s3_bucket_object_lock_enabled_check');
    expect(bucket.Properties.ObjectLockEnabled).toEqual({ 'Fn::If': ['UseObjectLock', true, { Ref: 'AWS::NoValue' }] });
    expect(evaluateCondition(template.Conditions!.UseObjectLock)).toBe(true);
  });

  it("keeps the state machine's run files out of Object Lock: a bucket of their own, unlocked and unversioned, the suppressions saying why", () => {
    const bucket = template.Resources.RunFilesBucket!;
    // Locked, they would be kept objectLockDays (365 in prod) whatever the lifecycle; versioned, every overwrite kept.
    expect(bucket.Properties.ObjectLockEnabled).toBeUndefined();
    expect(bucket.Properties.ObjectLockConfiguration).toBeUndefined();
    expect(bucket.Properties.VersioningConfiguration).toBeUndefined();
    expect(suppressedRules(bucket).sort()).toEqual(['s3_bucket_object_lock_enabled_check', 's3_bucket_versioning_enabled_check', 's3_event_notifications_enabled_check']);
    // Every other control holds on it: KMS, public access, ACLs, logging, lifecycle, and the TLS-only policy.
    const failing = violations.filter((v) => v.resource === 'RunFilesBucket' || v.resource === 'RunFilesBucketPolicy').map((v) => v.rule).sort();
    expect(failing).toEqual(suppressedRules(bucket).sort());
    expect(report.compliant.length).toBeGreaterThan(0);
    // The reports bucket, locked in prod, has no rule for run files: none are written there.
    expect(template.Resources.ReportsBucket!.Properties.LifecycleConfiguration.Rules.map((rule: any) => rule.Prefix)).toEqual(['reports/']);
  });

  it('encrypts the reports, run files, logs, queues and alarm topic with the customer-managed key', () => {
    expect(template.Resources.AuditKey!.Properties).toMatchObject({ EnableKeyRotation: true });
    for (const id of ['ReportsBucket', 'RunFilesBucket']) {
      expect([id, template.Resources[id]!.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.KMSMasterKeyID]).toEqual([id, AUDIT_KEY]);
    }
    const logGroups = byType('AWS::Logs::LogGroup');
    expect(logGroups.map(([id]) => id)).toContain('HttpApiLogGroup');
    for (const [id, group] of logGroups) expect([id, group.Properties.KmsKeyId]).toEqual([id, AUDIT_KEY]);
    for (const [id, queue] of byType('AWS::SQS::Queue')) expect([id, queue.Properties.KmsMasterKeyId]).toEqual([id, AUDIT_KEY]);
    for (const [id, topic] of byType('AWS::SNS::Topic')) expect([id, topic.Properties.KmsMasterKeyId]).toEqual([id, AUDIT_KEY]);
    expect(template.Resources.AuditFailuresQueue!.Properties.RedrivePolicy.deadLetterTargetArn).toEqual({ 'Fn::GetAtt': ['AuditFailuresDeadLetterQueue', 'Arn'] });
  });

  it('hard-codes no partition, and the merged resource files left no doubled intrinsic function', () => {
    expect(JSON.stringify(template).match(/arn:aws:[^"]*/g) ?? []).toEqual([]);
    // osls deep-merges the infra/*.yml files with what it generates: a key defined twice becomes one object with two functions.
    const doubled: string[] = [];
    const walk = (node: unknown, path: string) => {
      if (Array.isArray(node)) node.forEach((item, i) => walk(item, `${path}[${i}]`));
      else if (node && typeof node === 'object') {
        const keys = Object.keys(node);
        if (keys.length > 1 && keys.some((key) => key === 'Ref' || key.startsWith('Fn::'))) doubled.push(`${path}: ${keys.join(', ')}`);
        for (const [key, value] of Object.entries(node)) walk(value, `${path}/${key}`);
      }
    };
    walk(template, '');
    expect(doubled).toEqual([]);
  });
});
