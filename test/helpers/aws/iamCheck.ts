import { getDenialReasons, runSimulation, type RequestAnalysis } from '@cloud-copilot/iam-simulate';
import type { AwsAuthorization, AwsCall } from './recordingProxy';

/**
 * Checks recorded AWS calls (see recordingProxy.ts) against the IAM roles of a packaged
 * CloudFormation template: every call must be allowed by the identity policies of the role
 * that made it, and every (statement, action, resource) an Allow statement grants must be used
 * by some allowed call. Evaluation is done by @cloud-copilot/iam-simulate (identity policies only:
 * no SCPs, resource policies, permission boundaries or session policies).
 */

/** How to resolve Ref / Fn::GetAtt of the template's logical ids (and parameters). */
export interface CfnNames {
  accountId: string;
  region: string;
  /** Default aws. */
  partition?: string;
  /** Default amazonaws.com (amazonaws.com.cn for aws-cn). */
  urlSuffix?: string;
  /** For Ref AWS::StackName. */
  stackName?: string;
  /** Logical id → { Ref, Arn, other attributes }; also used for template parameters (Ref). */
  resources: Record<string, { Ref?: string; Arn?: string; [attr: string]: string | undefined }>;
}

export interface CheckCallsOptions {
  /** The packaged CloudFormation template (JSON). */
  template: any;
  calls: AwsCall[];
  /** Access key id → role logical id, e.g. { AKIAWORKER: 'AuditWorkerRole' }. */
  roleOfAccessKey: Record<string, string>;
  names: CfnNames;
  /** Values of the template's conditions (Fn::If, a resource's Condition); an unknown condition fails the resolution. */
  conditions?: Record<string, boolean>;
  /** Granted actions that the runtime itself uses (e.g. /^logs:/): not reported as unused. */
  ignoreActions?: RegExp;
  /** Roles whose unused grants are reported. Default: every AWS::IAM::Role of the template. */
  roles?: string[];
}

export interface DeniedCall {
  call: AwsCall;
  role: string;
  /** e.g. `AuditWorkerRole may not s3:ListBucket on arn:aws:s3:::bucket (context s3:prefix=waivers.yaml): no statement allows it` */
  reason: string;
  /** Statements that came close (matching action but not resource or condition), when there are any. */
  hint?: string;
}

export interface UnusedGrant {
  role: string;
  /** PolicyName of the inline policy. */
  policy: string;
  /** 1-based index of the statement in its policy. */
  statement: number;
  sid?: string;
  /** The statement's action pattern (`NotAction […]` for a NotAction statement). */
  action: string;
  /** The statement's resource pattern (`NotResource […]` for a NotResource statement). */
  resource: string;
}

export interface CheckResult {
  denied: DeniedCall[];
  unused: UnusedGrant[];
  /** Number of calls that were allowed. */
  allowed: number;
}

export interface ResolvedPolicy {
  name: string;
  document: { Version?: string; Statement: any[] };
}

export interface ResolvedRole {
  logicalId: string;
  arn: string;
  policies: ResolvedPolicy[];
}

// ---------------------------------------------------------------------------------------------
// CloudFormation intrinsic functions

const NO_VALUE = Symbol('AWS::NoValue');

interface ResolveContext {
  template: any;
  names: CfnNames;
  conditions: Record<string, boolean>;
}

class ResolveError extends Error {}

function partitionOf(names: CfnNames): string {
  return names.partition ?? 'aws';
}

function pseudoParameter(name: string, ctx: ResolveContext): string | typeof NO_VALUE | undefined {
  const { names } = ctx;
  switch (name) {
    case 'AWS::Region':
      return names.region;
    case 'AWS::AccountId':
      return names.accountId;
    case 'AWS::Partition':
      return partitionOf(names);
    case 'AWS::URLSuffix':
      return names.urlSuffix ?? (partitionOf(names) === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com');
    case 'AWS::NoValue':
      return NO_VALUE;
    case 'AWS::StackName':
      if (names.stackName === undefined) throw new ResolveError('cannot resolve AWS::StackName: give names.stackName');
      return names.stackName;
  }
  if (name.startsWith('AWS::')) throw new ResolveError(`cannot resolve pseudo parameter ${name}`);
  return undefined;
}

function resolveRef(name: string, ctx: ResolveContext): string | typeof NO_VALUE {
  const pseudo = pseudoParameter(name, ctx);
  if (pseudo !== undefined) return pseudo;
  const given = ctx.names.resources[name]?.Ref;
  if (given !== undefined) return given;
  const parameter = ctx.template?.Parameters?.[name];
  if (parameter && parameter.Default !== undefined) return String(parameter.Default);
  throw new ResolveError(`cannot resolve Ref ${name}: give names.resources.${name}.Ref`);
}

function resolveGetAtt(logicalId: string, attribute: string): (ctx: ResolveContext) => string {
  return (ctx) => {
    const value = ctx.names.resources[logicalId]?.[attribute];
    if (value === undefined) throw new ResolveError(`cannot resolve Fn::GetAtt ${logicalId}.${attribute}: give names.resources.${logicalId}.${attribute}`);
    return value;
  };
}

function condition(name: unknown, ctx: ResolveContext): boolean {
  if (typeof name !== 'string') throw new ResolveError(`condition name must be a string, got ${JSON.stringify(name)}`);
  const value = ctx.conditions[name];
  if (typeof value !== 'boolean') throw new ResolveError(`unknown condition ${name}: give options.conditions.${name}`);
  return value;
}

function asString(value: unknown, what: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new ResolveError(`${what} must resolve to a string, got ${JSON.stringify(value)}`);
}

function asList(value: unknown, what: string): unknown[] {
  if (Array.isArray(value)) return value;
  throw new ResolveError(`${what} must resolve to a list, got ${JSON.stringify(value)}`);
}

function substitute(template: string, variables: Record<string, unknown>, ctx: ResolveContext): string {
  return template.replace(/\$\{([^}]*)\}/g, (_match, expression: string) => {
    if (expression.startsWith('!')) return `\${${expression.slice(1)}}`;
    const name = expression.trim();
    if (name in variables) return asString(variables[name], `Fn::Sub variable ${name}`);
    const pseudo = pseudoParameter(name, ctx);
    if (pseudo === NO_VALUE) throw new ResolveError('Fn::Sub cannot use AWS::NoValue');
    if (pseudo !== undefined) return pseudo;
    const dot = name.indexOf('.');
    if (dot > 0) return resolveGetAtt(name.slice(0, dot), name.slice(dot + 1))(ctx);
    const ref = resolveRef(name, ctx);
    if (ref === NO_VALUE) throw new ResolveError('Fn::Sub cannot use AWS::NoValue');
    return ref;
  });
}

/** Resolves the intrinsic functions of a template fragment. Throws with the fragment's path when it cannot. */
function resolveValue(value: unknown, ctx: ResolveContext, path: string): unknown {
  try {
    return resolveInner(value, ctx, path);
  } catch (err) {
    if (err instanceof ResolveError && !err.message.startsWith(path)) throw new ResolveError(`${path}: ${err.message}`);
    throw err;
  }
}

function resolveInner(value: unknown, ctx: ResolveContext, path: string): unknown {
  if (Array.isArray(value)) {
    return value.map((item, i) => resolveValue(item, ctx, `${path}[${i}]`)).filter((item) => item !== NO_VALUE);
  }
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 1) {
    const [fn, arg] = entries[0]!;
    switch (fn) {
      case 'Ref':
        return resolveRef(asString(arg, 'Ref'), ctx);
      case 'Fn::GetAtt': {
        const [logicalId, attribute] = typeof arg === 'string' ? [arg.slice(0, arg.indexOf('.')), arg.slice(arg.indexOf('.') + 1)] : (asList(resolveValue(arg, ctx, path), 'Fn::GetAtt') as string[]);
        if (!logicalId || !attribute) throw new ResolveError(`bad Fn::GetAtt ${JSON.stringify(arg)}`);
        return resolveGetAtt(logicalId, String(attribute))(ctx);
      }
      case 'Fn::Sub': {
        if (typeof arg === 'string') return substitute(arg, {}, ctx);
        const [template, variables] = asList(arg, 'Fn::Sub');
        const resolvedVariables = (resolveValue(variables ?? {}, ctx, `${path}.Fn::Sub[1]`) ?? {}) as Record<string, unknown>;
        return substitute(asString(template, 'Fn::Sub template'), resolvedVariables, ctx);
      }
      case 'Fn::Join': {
        const [delimiter, list] = asList(arg, 'Fn::Join');
        const items = asList(resolveValue(list, ctx, `${path}.Fn::Join[1]`), 'Fn::Join list');
        return items.map((item) => asString(item, 'Fn::Join item')).join(asString(delimiter, 'Fn::Join delimiter'));
      }
      case 'Fn::Select': {
        const [index, list] = asList(arg, 'Fn::Select');
        const i = Number(asString(resolveValue(index, ctx, `${path}.Fn::Select[0]`), 'Fn::Select index'));
        const items = asList(resolveValue(list, ctx, `${path}.Fn::Select[1]`), 'Fn::Select list');
        if (!Number.isInteger(i) || i < 0 || i >= items.length) throw new ResolveError(`Fn::Select index ${i} out of range`);
        return items[i];
      }
      case 'Fn::Split': {
        const [delimiter, source] = asList(arg, 'Fn::Split');
        return asString(resolveValue(source, ctx, `${path}.Fn::Split[1]`), 'Fn::Split source').split(asString(delimiter, 'Fn::Split delimiter'));
      }
      case 'Fn::If': {
        const [name, whenTrue, whenFalse] = asList(arg, 'Fn::If');
        return condition(name, ctx) ? resolveValue(whenTrue, ctx, `${path}.Fn::If[1]`) : resolveValue(whenFalse, ctx, `${path}.Fn::If[2]`);
      }
      case 'Fn::FindInMap': {
        const [map, top, second] = asList(resolveValue(arg, ctx, `${path}.Fn::FindInMap`), 'Fn::FindInMap').map((v) => asString(v, 'Fn::FindInMap key'));
        const found = ctx.template?.Mappings?.[map!]?.[top!]?.[second!];
        if (found === undefined) throw new ResolveError(`Fn::FindInMap ${map}.${top}.${second} not found`);
        return resolveValue(found, ctx, `${path}.Fn::FindInMap`);
      }
    }
    if (fn.startsWith('Fn::')) throw new ResolveError(`unsupported intrinsic function ${fn}`);
  }
  const out: Record<string, unknown> = {};
  for (const [key, item] of entries) {
    const resolved = resolveValue(item, ctx, `${path}.${key}`);
    if (resolved !== NO_VALUE) out[key] = resolved;
  }
  return out;
}

/** IAM policy documents hold strings; CloudFormation lets numbers and booleans through (e.g. Bool: { aws:SecureTransport: false }). */
function stringifyScalars(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stringifyScalars);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, stringifyScalars(v)]));
  return value;
}

function isPresent(value: unknown): boolean {
  return value !== undefined && value !== null && value !== NO_VALUE && !(Array.isArray(value) && value.length === 0);
}

/**
 * The inline policies of every AWS::IAM::Role of the template, resolved (plus AWS::IAM::Policy,
 * AWS::IAM::ManagedPolicy and AWS::IAM::RolePolicy resources that attach to a role by Ref).
 * Throws when something cannot be resolved, or a role has ManagedPolicyArns or a PermissionsBoundary.
 */
export function resolveRoles(template: any, names: CfnNames, conditions: Record<string, boolean> = {}): Record<string, ResolvedRole> {
  const ctx: ResolveContext = { template, names, conditions };
  const resources: Record<string, any> = template?.Resources ?? {};
  const enabled = (logicalId: string, resource: any) => (resource.Condition === undefined ? true : (() => {
    try {
      return condition(resource.Condition, ctx);
    } catch (err) {
      throw new Error(`${logicalId}: ${(err as Error).message}`);
    }
  })());
  const roles: Record<string, ResolvedRole> = {};
  const policyNames = new Map<string, Set<string>>();
  const addPolicy = (roleId: string, name: string, document: any) => {
    const role = roles[roleId]!;
    const used = policyNames.get(roleId) ?? new Set<string>();
    let unique = name;
    for (let n = 2; used.has(unique); n++) unique = `${name}#${n}`;
    used.add(unique);
    policyNames.set(roleId, used);
    if (!document || !isPresent(document.Statement)) throw new Error(`${roleId}: policy ${name} has no Statement`);
    const statements = Array.isArray(document.Statement) ? document.Statement : [document.Statement];
    role.policies.push({ name: unique, document: { ...(stringifyScalars(document) as object), Statement: statements.map(stringifyScalars) } as ResolvedPolicy['document'] });
  };

  for (const [logicalId, resource] of Object.entries(resources)) {
    if (resource?.Type !== 'AWS::IAM::Role' || !enabled(logicalId, resource)) continue;
    const properties = resource.Properties ?? {};
    if (isPresent(resolveValue(properties.ManagedPolicyArns, ctx, `${logicalId}.ManagedPolicyArns`))) {
      throw new Error(`${logicalId} has ManagedPolicyArns: iamCheck only evaluates inline policies, so it cannot prove what this role may do`);
    }
    if (isPresent(resolveValue(properties.PermissionsBoundary, ctx, `${logicalId}.PermissionsBoundary`))) {
      throw new Error(`${logicalId} has a PermissionsBoundary: iamCheck does not evaluate permission boundaries`);
    }
    const roleName = properties.RoleName === undefined ? undefined : asString(resolveValue(properties.RoleName, ctx, `${logicalId}.RoleName`), `${logicalId}.RoleName`);
    const arn = names.resources[logicalId]?.Arn ?? `arn:${partitionOf(names)}:iam::${names.accountId}:role${properties.Path ?? '/'}${roleName ?? logicalId}`;
    roles[logicalId] = { logicalId, arn, policies: [] };
    const policies = resolveValue(properties.Policies ?? [], ctx, `${logicalId}.Policies`);
    asList(policies, `${logicalId}.Policies`).forEach((policy: any, i) => {
      addPolicy(logicalId, asString(policy?.PolicyName ?? `Policies[${i}]`, `${logicalId}.Policies[${i}].PolicyName`), policy?.PolicyDocument);
    });
  }

  // Policies that are resources of their own and attach to roles of the template by Ref.
  for (const [logicalId, resource] of Object.entries(resources)) {
    const type = resource?.Type;
    if (type !== 'AWS::IAM::Policy' && type !== 'AWS::IAM::ManagedPolicy' && type !== 'AWS::IAM::RolePolicy') continue;
    if (!enabled(logicalId, resource)) continue;
    const properties = resource.Properties ?? {};
    const targets: unknown[] = type === 'AWS::IAM::RolePolicy' ? [properties.RoleName] : (properties.Roles ?? []);
    const roleIds = targets.map((t: any) => (t && typeof t === 'object' && typeof t.Ref === 'string' ? t.Ref : null)).filter((id): id is string => !!id && id in roles);
    if (roleIds.length === 0) {
      if (targets.length > 0) throw new Error(`${logicalId} (${type}) attaches to roles that are not given by Ref to a role of the template: ${JSON.stringify(targets)}`);
      continue;
    }
    const document = resolveValue(properties.PolicyDocument, ctx, `${logicalId}.PolicyDocument`);
    const name = properties.PolicyName !== undefined ? asString(resolveValue(properties.PolicyName, ctx, `${logicalId}.PolicyName`), 'PolicyName') : (properties.ManagedPolicyName ?? logicalId);
    for (const roleId of roleIds) addPolicy(roleId, String(name), document);
  }
  return roles;
}

// ---------------------------------------------------------------------------------------------
// Evaluation

function toArray<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

interface GrantUse {
  policy: string;
  statement: number;
  actions: string[];
  resources: string[];
}

interface Evaluation {
  result: 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied' | 'Error';
  why: string;
  hint?: string;
  grants: GrantUse[];
}

function actionKey(statement: any): string[] {
  return statement.NotAction !== undefined ? [`NotAction ${JSON.stringify(statement.NotAction)}`] : toArray<string>(statement.Action);
}

function resourceKey(statement: any): string[] {
  return statement.NotResource !== undefined ? [`NotResource ${JSON.stringify(statement.NotResource)}`] : toArray<string>(statement.Resource);
}

function grantsOf(analysis: RequestAnalysis, role: ResolvedRole): GrantUse[] {
  const grants: GrantUse[] = [];
  for (const allow of analysis.identityAnalysis?.allowStatements ?? []) {
    // statement.index() is 1-based, in the order of the policy's Statement list.
    const index: number = (allow.statement as any).index();
    const own = role.policies.find((p) => p.name === allow.policyId)?.document.Statement[index - 1] ?? {};
    const explain = allow.explain;
    const actions = explain.notActions !== undefined ? actionKey(own) : toArray(explain.actions).filter((a) => a.matches).map((a) => a.action);
    const resources = explain.notResources !== undefined ? resourceKey(own) : toArray(explain.resources).filter((r) => r.matches).map((r) => r.resource);
    grants.push({ policy: allow.policyId, statement: index, actions, resources: resources.length ? resources : resourceKey(own) });
  }
  return grants;
}

function statementLabel(policyId: string, statement: any): string {
  const sid = typeof statement?.sid === 'function' ? statement.sid() : statement?.Sid;
  const index = typeof statement?.index === 'function' ? statement.index() : '?';
  return sid ? `statement ${sid} of policy ${policyId}` : `statement #${index} of policy ${policyId}`;
}

function hintOf(analysis: RequestAnalysis): string | undefined {
  const hints: string[] = [];
  for (const s of analysis.identityAnalysis?.unmatchedStatements ?? []) {
    const effect = s.explain.effect;
    if (effect !== 'Allow' || !s.actionMatch) continue;
    const label = statementLabel(s.policyId, s.statement);
    if (!s.resourceMatch) {
      const resources = toArray(s.explain.resources ?? s.explain.notResources).map((r) => r.resource);
      hints.push(`${label} allows the action only on ${resources.join(', ')}`);
    } else {
      const failed = (s.explain.conditions ?? [])
        .filter((c) => !c.matches)
        .map((c) => `${c.operator} ${c.conditionKeyValue} ${JSON.stringify(toArray(c.values).map((v) => v.value))}${c.failedBecauseMissing ? ' (key missing from the request)' : ''}`);
      hints.push(`${label} matches action and resource but its Condition fails: ${failed.join('; ') || 'see explain'}`);
    }
  }
  return hints.length ? hints.join('; ') : undefined;
}

async function evaluate(role: ResolvedRole, action: string, resource: string, context: Record<string, string | string[]>, names: CfnNames): Promise<Evaluation> {
  const response = await runSimulation(
    {
      request: {
        principal: role.arn,
        action,
        resource: { resource, accountId: names.accountId },
        contextVariables: context,
      },
      identityPolicies: role.policies.map((p) => ({ name: p.name, policy: p.document })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    { simulationMode: 'Strict' },
  );
  if (response.resultType === 'error') {
    return { result: 'Error', why: `the simulator rejected the request: ${response.errors.message} ${JSON.stringify(response.errors)}`, grants: [] };
  }
  const analyses = response.resultType === 'single' ? [response.result.analysis] : response.results.map((r) => r.analysis);
  const overall = response.overallResult;
  if (overall === 'Allowed') return { result: 'Allowed', why: 'allowed', grants: analyses.filter((a) => a.result === 'Allowed').flatMap((a) => grantsOf(a, role)) };
  if (overall === 'ExplicitlyDenied') {
    const denials = analyses.flatMap((a) => getDenialReasons(a)).filter((d) => d.denialType === 'Explicit');
    const by = denials.map((d) => (d.denialType === 'Explicit' ? (d.statementId ? `statement ${d.statementId}` : `statement #${d.statementIndex}`) + (d.policyIdentifier ? ` of policy ${d.policyIdentifier}` : '') : '')).join(', ');
    return { result: 'ExplicitlyDenied', why: `explicitly denied by ${by || 'a Deny statement'}`, grants: [] };
  }
  const hint = analyses.map(hintOf).filter(Boolean).join('; ');
  return { result: 'ImplicitlyDenied', why: 'no statement allows it', ...(hint ? { hint } : {}), grants: [] };
}

function formatContext(context: Record<string, string | string[]> | undefined): string {
  const entries = Object.entries(context ?? {});
  if (entries.length === 0) return '';
  const value = (v: string | string[]) => (Array.isArray(v) ? `[${v.join(', ')}]` : v === '' ? '""' : v);
  return ` (context ${entries.map(([k, v]) => `${k}=${value(v)}`).join(', ')})`;
}

function describeCall(call: AwsCall): string {
  return `${call.operation} (${call.method} ${call.url}${call.accessKeyId ? `, key ${call.accessKeyId}` : ''})`;
}

/**
 * Evaluates every call with the identity policies of the role that made it and lists denied
 * calls and unused grants. Asynchronous because iam-simulate's runSimulation is.
 */
export async function checkCalls(options: CheckCallsOptions): Promise<CheckResult> {
  const { calls, roleOfAccessKey, names } = options;
  const roles = resolveRoles(options.template, names, options.conditions ?? {});
  const denied: DeniedCall[] = [];
  const used = new Set<string>();
  const useKey = (role: string, policy: string, statement: number, action: string, resource: string) => JSON.stringify([role, policy, statement, action, resource]);
  const cache = new Map<string, Promise<Evaluation>>();
  let allowed = 0;

  for (const call of calls) {
    const roleId = call.accessKeyId ? roleOfAccessKey[call.accessKeyId] : undefined;
    if (!roleId) {
      denied.push({
        call,
        role: '(unknown)',
        reason: call.accessKeyId
          ? `access key ${call.accessKeyId} is not in roleOfAccessKey, so ${call.action} on ${call.resources.join(', ')} by ${describeCall(call)} cannot be attributed to a role`
          : `unsigned request ${describeCall(call)}: ${call.action} cannot be attributed to a role`,
      });
      continue;
    }
    if (call.action.startsWith('unknown:')) {
      denied.push({ call, role: roleId, reason: `${roleId} made a request the proxy does not recognise: ${describeCall(call)} → ${call.action}` });
      continue;
    }
    const role = roles[roleId];
    if (!role) {
      denied.push({ call, role: roleId, reason: `${roleId} is not an AWS::IAM::Role of the template (access key ${call.accessKeyId})` });
      continue;
    }

    const authorizations: (AwsAuthorization & { anyOf: boolean })[] = [
      { action: call.action, resources: call.resources, context: call.context, anyOf: !!call.resourcesAnyOf },
      ...(call.alsoRequires ?? []).map((a) => ({ ...a, context: { ...call.context, ...(a.context ?? {}) }, anyOf: false })),
    ];
    const reasons: string[] = [];
    const hints: string[] = [];
    const grants: GrantUse[] = [];
    for (const auth of authorizations) {
      const context: Record<string, string | string[]> = {
        'aws:SecureTransport': 'true',
        'aws:PrincipalArn': role.arn,
        'aws:PrincipalAccount': names.accountId,
        'aws:PrincipalType': 'AssumedRole',
        'aws:RequestedRegion': call.region,
        ...(auth.context ?? {}),
      };
      if (auth.resources.length === 0) {
        reasons.push(`${roleId} may not ${auth.action}: the request names no resource`);
        continue;
      }
      const evaluations = await Promise.all(
        auth.resources.map((resource) => {
          const key = JSON.stringify([roleId, auth.action, resource, context]);
          let evaluation = cache.get(key);
          if (!evaluation) {
            evaluation = evaluate(role, auth.action, resource, context, names);
            cache.set(key, evaluation);
          }
          return evaluation;
        }),
      );
      const allowedHere = evaluations.map((e) => e.result === 'Allowed');
      const ok = auth.anyOf ? allowedHere.some(Boolean) : allowedHere.every(Boolean);
      if (ok) {
        evaluations.forEach((e) => grants.push(...e.grants));
        continue;
      }
      const failing = auth.resources.map((resource, i) => ({ resource, evaluation: evaluations[i]! })).filter((_, i) => !allowedHere[i]);
      const whys = [...new Set(failing.map((f) => f.evaluation.why))];
      const on = auth.anyOf ? `any of ${auth.resources.join(', ')}` : failing.map((f) => f.resource).join(', ');
      reasons.push(`${roleId} may not ${auth.action} on ${on}${formatContext(auth.context)}: ${whys.join('; ')}`);
      hints.push(...failing.map((f) => f.evaluation.hint).filter((h): h is string => !!h));
    }
    if (reasons.length) {
      const entry: DeniedCall = { call, role: roleId, reason: reasons.join('; ') };
      if (hints.length) entry.hint = [...new Set(hints)].join('; ');
      denied.push(entry);
      continue;
    }
    allowed++;
    for (const grant of grants) {
      for (const action of grant.actions) for (const resource of grant.resources) used.add(useKey(roleId, grant.policy, grant.statement, action, resource));
    }
  }

  const unused: UnusedGrant[] = [];
  const reportRoles = options.roles ?? Object.keys(roles);
  for (const roleId of reportRoles) {
    const role = roles[roleId];
    if (!role) throw new Error(`options.roles names ${roleId}, which is not an AWS::IAM::Role of the template`);
    for (const policy of role.policies) {
      policy.document.Statement.forEach((statement: any, i: number) => {
        if (statement?.Effect !== 'Allow') return;
        for (const action of actionKey(statement)) {
          if (options.ignoreActions?.test(action)) continue;
          for (const resource of resourceKey(statement)) {
            if (used.has(useKey(roleId, policy.name, i + 1, action, resource))) continue;
            const entry: UnusedGrant = { role: roleId, policy: policy.name, statement: i + 1, action, resource };
            if (statement.Sid) entry.sid = statement.Sid;
            unused.push(entry);
          }
        }
      });
    }
  }
  return { denied, unused, allowed };
}

/** A readable report of a CheckResult, for a test failure message. Empty when nothing is wrong. */
export function formatCheckResult(result: CheckResult): string {
  const lines: string[] = [];
  for (const d of result.denied) lines.push(`DENIED ${d.reason}${d.hint ? `\n  hint: ${d.hint}` : ''}`);
  for (const u of result.unused) {
    lines.push(`UNUSED ${u.role} grants ${u.action} on ${u.resource} (${u.sid ? `statement ${u.sid}` : `statement #${u.statement}`} of policy ${u.policy}) but no allowed call used it`);
  }
  return lines.join('\n');
}
