import { resolve } from 'node:path';
import { stringify } from 'yaml';
import { DEFAULTS } from '../../../lib/defaults';
import { InputError } from '../../../lib/errors';
import { loadWaivers, parseWaivers } from '../../../lib/engine/loadWaivers';
import { isExactPattern, type Waiver } from '../../../lib/engine/waivers';

const DAY = 86_400_000;
const NOW = new Date('2026-11-28T00:00:00Z');
const CREATED = '2026-11-01T00:00:00.000Z';
const after = (ms: number) => new Date(Date.parse(CREATED) + ms).toISOString();

const waiver = (overrides: Record<string, unknown> = {}) => ({
  id: 'W-1',
  scope: { tenantId: 'tenant-a', module: 'instant-messaging' },
  reason: 'incident investigation',
  approver: 'dpo@example.com',
  createdAt: CREATED,
  expiresAt: after(90 * DAY),
  ...overrides,
});

const parse = (waivers: unknown[], options: { maxWaiverDays?: number } = {}) =>
  parseWaivers(stringify({ waivers }), 'waivers.yaml', { now: () => NOW, ...options });

/** The error `parse` throws: an InputError (exit 2 in the CLI), one sentence. */
function refusal(waivers: unknown[], options: { maxWaiverDays?: number } = {}): string {
  try {
    parse(waivers, options);
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    expect(message).toMatch(/\.$/);
    return message;
  }
  throw new Error('the waivers were accepted');
}

describe('loading waivers', () => {
  it('accepts the bundled example', async () => {
    const waivers = await loadWaivers(resolve(__dirname, '../../../examples/waivers.yaml'), { now: () => NOW });
    expect(waivers.map((w: Waiver) => w.id)).toEqual(['W-2026-014', 'W-2026-009']);
  });

  it('accepts a waiver that pins a tenant or a module and globs the rest', () => {
    expect(parse([waiver({ scope: { tenantId: 'tenant-a' } })])).toHaveLength(1);
    expect(parse([waiver({ scope: { module: 'facial-recognition', tenantId: 'tenant-*' } })])).toHaveLength(1);
    expect(parse([waiver({ scope: { tenantId: 'tenant-a', module: '*', resource: 'im/*' } })])).toHaveLength(1);
  });
});

describe('a match-all scope is refused, naming the waiver and the field', () => {
  it.each<[string, Record<string, string>, RegExp]>([
    ['module "*"', { module: '*' }, /^Waiver W-1 in waivers\.yaml is too broad: scope\.module "\*" is a wildcard; a waiver must name one tenant \(scope\.tenantId\) or one module \(scope\.module\) exactly\.$/],
    ['tenantId "**"', { tenantId: '**' }, /scope\.tenantId "\*\*" is a wildcard/],
    ['tenantId "?*"', { tenantId: '?*' }, /scope\.tenantId "\?\*" is a wildcard/],
    ['a prefix glob that every tenant id shares', { tenantId: 'tenant-*' }, /scope\.tenantId "tenant-\*" is a wildcard/],
    ['a negation', { tenantId: '!tenant-a' }, /scope\.tenantId "!tenant-a" is a wildcard/],
    ['an extglob', { module: '+(*)' }, /scope\.module "\+\(\*\)" is a wildcard/],
    ['a brace list', { module: '{*,}' }, /scope\.module "\{\*,\}" is a wildcard/],
    ['both wildcards', { tenantId: '*', module: '*' }, /scope\.tenantId "\*" and scope\.module "\*" are wildcards/],
    ['only a data category', { dataCategory: '*' }, /its scope names neither tenantId nor module \(only scope\.dataCategory\)/],
    ['only a resource', { resource: 'im-prod/*', dataCategory: 'log-data' }, /names neither tenantId nor module \(only scope\.dataCategory and scope\.resource\)/],
  ])('%s', (_name, scope, message) => {
    expect(refusal([waiver({ scope })])).toMatch(message);
  });

  it('an empty scope breaks the schema', () => {
    expect(refusal([waiver({ scope: {} })])).toBe('Waivers file waivers.yaml is invalid at /waivers/0/scope (waiver W-1): must NOT have fewer than 1 properties.');
  });

  it('a later waiver is named by its own id', () => {
    expect(refusal([waiver(), waiver({ id: 'W-ALL', scope: { module: '*' } })])).toMatch(/^Waiver W-ALL in waivers\.yaml is too broad/);
  });

  it('control characters in the refused id or pattern are escaped', () => {
    expect(refusal([waiver({ id: 'W\u001b[2J', scope: { module: '*\u0007' } })])).toMatch(/^Waiver W\\x1b\[2J .*scope\.module "\*\\x07"/);
  });

  it('isExactPattern: exact values only', () => {
    expect(['tenant-globex', 'instant-messaging', 'a.b', 'x\\*'].map(isExactPattern)).toEqual([true, true, true, true]);
    expect(['*', '**', '?', 'a?', '[ab]', '{a,b}', '!a', '@(a)', 'a/**'].map(isExactPattern)).toEqual(Array(9).fill(false));
  });
});

describe('the approver is an e-mail address', () => {
  it.each(['x', 'dpo', 'x@x', 'dpo@ example.com', 'dpo@example.com\nBcc: evil@example.com', ''])('refuses %j', (approver) => {
    expect(refusal([waiver({ approver })])).toMatch(/^Waivers file waivers\.yaml is invalid at \/waivers\/0\/approver \(waiver W-1\): must be an e-mail address \(who approved the waiver\)\.$/);
  });

  it('accepts a plain address', () => {
    expect(parse([waiver({ approver: 'jane.doe+dpo@acme-health.eu' })])[0]!.approver).toBe('jane.doe+dpo@acme-health.eu');
  });
});

describe('a waiver lasts at most maxWaiverDays, from createdAt', () => {
  it(`defaults to ${DEFAULTS.maxWaiverDays} days: the boundary is allowed, one millisecond more is refused`, () => {
    expect(DEFAULTS.maxWaiverDays).toBe(365);
    expect(parse([waiver({ expiresAt: after(365 * DAY) })])).toHaveLength(1);
    expect(refusal([waiver({ expiresAt: after(365 * DAY + 1) })])).toBe(
      `Waiver W-1 in waivers.yaml lasts more than 365 days (createdAt ${CREATED} to expiresAt ${after(365 * DAY + 1)}), longer than the 365 days a waiver may last (maxWaiverDays).`,
    );
  });

  it('the hostile case: expiry in the year 9999', () => {
    expect(refusal([waiver({ scope: { tenantId: 'tenant-a' }, approver: 'dpo@example.com', expiresAt: '9999-12-31T00:00:00Z' })])).toMatch(
      /^Waiver W-1 in waivers\.yaml lasts \d+ days \(createdAt .* to expiresAt 9999-12-31T00:00:00Z\), longer than the 365 days/,
    );
  });

  it('is configurable', () => {
    expect(refusal([waiver({ expiresAt: after(31 * DAY) })], { maxWaiverDays: 30 })).toMatch(/lasts 31 days .* longer than the 30 days a waiver may last/);
    expect(parse([waiver({ expiresAt: after(30 * DAY) })], { maxWaiverDays: 30 })).toHaveLength(1);
    expect(parse([waiver({ expiresAt: after(700 * DAY) })], { maxWaiverDays: 730 })).toHaveLength(1);
  });

  it('needs createdAt, from which the lifetime counts', () => {
    const { createdAt: _omitted, ...without } = waiver();
    expect(refusal([without])).toBe("Waivers file waivers.yaml is invalid at /waivers/0 (waiver W-1): must have required property 'createdAt'.");
  });

  it('refuses a createdAt in the future (a lifetime cannot be moved past the audit) and an expiry before the approval', () => {
    expect(refusal([waiver({ createdAt: '9998-12-31T00:00:00Z', expiresAt: '9999-12-31T00:00:00Z' })])).toBe(
      'Waiver W-1 in waivers.yaml claims to be approved in the future: createdAt 9998-12-31T00:00:00Z is later than now (2026-11-28T00:00:00.000Z).',
    );
    expect(parse([waiver({ createdAt: NOW.toISOString(), expiresAt: '2027-01-01T00:00:00Z' })])).toHaveLength(1);
    expect(refusal([waiver({ expiresAt: CREATED })])).toMatch(/expires \(expiresAt .*\) no later than it was approved \(createdAt .*\)\.$/);
  });

  it('an expired waiver still loads (the report says which findings are active again)', () => {
    expect(parse([waiver({ createdAt: '2026-01-01T00:00:00Z', expiresAt: '2026-03-01T00:00:00Z' })])).toHaveLength(1);
  });
});

describe('other errors stay one sentence', () => {
  it('a YAML syntax error names the line, without the code frame', () => {
    expect(() => parseWaivers('waivers:\n  - id: a: b\n', 'w.yaml')).toThrow(/^Waivers file w\.yaml is not valid YAML or JSON: [^\n]+ at line 2, column \d+\.$/);
  });

  it('an unknown key names the waiver', () => {
    expect(refusal([waiver({ approvedBy: 'x' })])).toBe('Waivers file waivers.yaml is invalid at /waivers/0 (waiver W-1): unknown key "approvedBy".');
  });
});
