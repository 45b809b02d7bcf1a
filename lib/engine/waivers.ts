import picomatch from 'picomatch';
import { day } from '../catalog/ruleKinds/deadline';
import type { InventoryItem } from '../model';
import { globSql, type GlobCost } from '../sql/globSql';
import { sqlString } from '../sql/sqlText';
import { printable } from '../text/printable';
import { DAY_MS, parseInstant } from '../time';

/** An approved, time-boxed exception: the data it covers gets the verdict `waived`. */
export interface Waiver {
  id: string;
  /** Each field is a glob (`*` wildcards); a missing field matches everything. */
  scope: { tenantId?: string; module?: string; dataCategory?: string; resource?: string };
  reason: string;
  /** Who approved it: an e-mail address (required by the waivers file's schema). */
  approver: string;
  /** When it was approved; its lifetime counts from here (required in a waivers file). */
  createdAt?: string;
  expiresAt: string;
}

export interface CompiledWaiver {
  waiver: Waiver;
  expiresMs: number;
  matches: (item: InventoryItem) => boolean;
}

/**
 * Compiles waivers once per run so that matching an item is cheap.
 *
 * @example
 * compileWaivers([{ id: 'W1', scope: { module: 'tokenhub' }, reason: 'r', approver: 'a', expiresAt: '2027-01-01T00:00:00Z' }])
 */
export function compileWaivers(waivers: readonly Waiver[]): CompiledWaiver[] {
  return waivers.map((waiver) => {
    const tests = (
      [
        ['tenantId', (item: InventoryItem) => item.tenantId],
        ['module', (item: InventoryItem) => item.module],
        ['dataCategory', (item: InventoryItem) => item.dataCategory],
        ['resource', (item: InventoryItem) => item.store.resource],
      ] as const
    ).flatMap(([field, read]) => {
      const pattern = waiver.scope[field];
      if (pattern === undefined) return [];
      const isMatch = picomatch(pattern, { dot: true });
      return [(item: InventoryItem) => isMatch(read(item))];
    });
    return {
      waiver,
      expiresMs: Date.parse(waiver.expiresAt),
      matches: (item: InventoryItem) => tests.every((test) => test(item)),
    };
  });
}

/** The first waiver that covers the item at `atMs`; an expired waiver covers nothing. */
export function findWaiver(waivers: readonly CompiledWaiver[], item: InventoryItem, atMs: number): Waiver | null {
  for (const compiled of waivers) {
    if (atMs < compiled.expiresMs && compiled.matches(item)) return compiled.waiver;
  }
  return null;
}

/** The SQL columns a waiver's scope is matched against (lib/sql/relations.ts). */
export interface WaiverSqlColumns {
  tenantId: string;
  module: string;
  dataCategory: string;
  resource: string;
  capturedMs: string;
}

/** What a waived finding says, or the reason its item becomes invalid instead (evaluate's catch, when the expiry cannot be written). */
export function waiverWords(waiver: Waiver): { reason: string } | { error: string } {
  try {
    return { reason: `Waiver ${waiver.id} approved by ${waiver.approver} (${waiver.reason}) covers this data until ${day(parseInstant(waiver.expiresAt))}.` };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { error: `The item could not be evaluated (${message.slice(0, 200)}); check its dates and periods.` };
  }
}

const COST_ORDER: Record<GlobCost, number> = { equality: 0, regex: 1, function: 2 };

/**
 * findWaiver compiled to SQL: an INTEGER expression, the index in `waivers` of the
 * first waiver that covers the row at its capture time, or NULL. A waiver's
 * fields are tested cheapest first (an exact tenant or module before a glob).
 *
 * @example
 * waiverIndexSql(compileWaivers([{ id: 'W1', scope: { module: 'tokenhub' }, … }]), columns)
 * // "(CASE WHEN captured_ms < 1798761600000 AND (module = 'tokenhub' AND module <> '') THEN 0 END)"
 */
export function waiverIndexSql(waivers: readonly CompiledWaiver[], columns: WaiverSqlColumns): string {
  const branches = waivers.flatMap((compiled, index) => {
    // An expiry that is no instant (NaN) is never later than a capture: the waiver covers nothing.
    if (Number.isNaN(compiled.expiresMs)) return [];
    return [`WHEN ${[`${columns.capturedMs} < ${compiled.expiresMs}`, ...scopeTests(compiled, columns)].join(' AND ')} THEN ${index}`];
  });
  return branches.length === 0 ? 'NULL::INTEGER' : `(CASE ${branches.join(' ')} END)`;
}

/**
 * A waiver's `matches` compiled to SQL: its scope's globs, whatever its expiry
 * (lib/engine/insights.ts WaiverTally counts expired waivers' matches too).
 *
 * @example
 * waiverMatchSql(compileWaivers([{ id: 'W1', scope: { module: 'tokenhub' }, … }])[0], columns) // "(module = 'tokenhub' AND module <> '')"
 */
export function waiverMatchSql(compiled: CompiledWaiver, columns: Omit<WaiverSqlColumns, 'capturedMs'>): string {
  const tests = scopeTests(compiled, columns);
  return tests.length === 0 ? 'true' : `(${tests.join(' AND ')})`;
}

/** The SQL test of each field the waiver's scope names, cheapest first (an exact tenant or module before a glob). */
function scopeTests(compiled: CompiledWaiver, columns: Omit<WaiverSqlColumns, 'capturedMs'>): string[] {
  const fields = { tenantId: columns.tenantId, module: columns.module, dataCategory: columns.dataCategory, resource: columns.resource };
  return (Object.keys(fields) as (keyof typeof fields)[])
    .flatMap((field) => {
      const pattern = compiled.waiver.scope[field];
      return pattern === undefined ? [] : [globSql(pattern, fields[field])];
    })
    .sort((a, b) => COST_ORDER[a.cost] - COST_ORDER[b.cost])
    .map((test) => test.sql);
}

/** For each waiver, by index: the waived finding's reason, or the invalid finding's (see {@link waiverWords}), as SQL literals. */
export function waiverWordsSql(waivers: readonly CompiledWaiver[]): { reason: string | null; error: string | null }[] {
  return waivers.map(({ waiver }) => {
    const words = waiverWords(waiver);
    return {
      reason: 'reason' in words ? sqlString(words.reason) : null,
      error: 'error' in words ? sqlString(words.error) : null,
    };
  });
}

/** What a waivers file must respect beyond its schema. */
export interface WaiverRules {
  /** The longest a waiver may last, from `createdAt` to `expiresAt`, in days of 24 h. */
  maxDays: number;
  /** The load instant: a waiver may not claim to be approved later than this. */
  nowMs: number;
}

const SCOPE_FIELDS = ['tenantId', 'module', 'dataCategory', 'resource'] as const;
/** The fields of which a scope must give at least one as an exact value. */
const PINNING_FIELDS = ['tenantId', 'module'] as const;

/**
 * Whether a scope pattern names one value exactly: no glob syntax (`*`, `?`,
 * `[…]`, `{…}`, extglobs) and no `!` negation. `"tenant-*"` or `"!tenant-a"`
 * may match every tenant there is; `"tenant-a"` matches one.
 *
 * @example
 * isExactPattern('tenant-globex') // true
 * isExactPattern('*') // false
 * isExactPattern('!tenant-a') // false
 */
export function isExactPattern(pattern: string): boolean {
  const scanned = picomatch.scan(pattern);
  return !scanned.isGlob && !scanned.negated;
}

const quoted = (text: string) => `"${printable(text)}"`;

/**
 * Why a waiver may not be used, as the end of a sentence that begins
 * "Waiver W-1 in FILE …", or null when it respects the rules:
 *
 * - its scope names one tenant (`scope.tenantId`) or one module (`scope.module`)
 *   exactly, so no waiver covers everything (`module: "*"`, `tenantId: "*"`, a
 *   scope of only `dataCategory` or `resource`);
 * - it was approved (`createdAt`) no later than `nowMs` and expires after that;
 * - it lasts at most `maxDays` (the boundary itself is allowed).
 *
 * @example
 * waiverRuleBreach({ id: 'W1', scope: { module: '*' }, … }, { maxDays: 365, nowMs: Date.now() })
 * // 'is too broad: scope.module "*" is a wildcard; a waiver must name one tenant (scope.tenantId) or one module (scope.module) exactly'
 */
export function waiverRuleBreach(waiver: Waiver, rules: WaiverRules): string | null {
  const pins = PINNING_FIELDS.filter((field) => waiver.scope[field] !== undefined && isExactPattern(waiver.scope[field]!));
  if (pins.length === 0) {
    const wildcards = PINNING_FIELDS.filter((field) => waiver.scope[field] !== undefined).map((field) => `scope.${field} ${quoted(waiver.scope[field]!)}`);
    const given = SCOPE_FIELDS.filter((field) => waiver.scope[field] !== undefined);
    const what =
      wildcards.length === 0
        ? `its scope names neither tenantId nor module${given.length ? ` (only ${given.map((field) => `scope.${field}`).join(' and ')})` : ''}`
        : `${wildcards.join(' and ')} ${wildcards.length === 1 ? 'is a wildcard' : 'are wildcards'}`;
    return `is too broad: ${what}; a waiver must name one tenant (scope.tenantId) or one module (scope.module) exactly`;
  }
  if (waiver.createdAt === undefined) return `has no createdAt, from which its lifetime of at most ${rules.maxDays} days counts`;
  const createdMs = Date.parse(waiver.createdAt);
  const expiresMs = Date.parse(waiver.expiresAt);
  if (createdMs > rules.nowMs) {
    return `claims to be approved in the future: createdAt ${waiver.createdAt} is later than now (${new Date(rules.nowMs).toISOString()})`;
  }
  if (expiresMs <= createdMs) return `expires (expiresAt ${waiver.expiresAt}) no later than it was approved (createdAt ${waiver.createdAt})`;
  const lifetimeMs = expiresMs - createdMs;
  if (lifetimeMs > rules.maxDays * DAY_MS) {
    const days = lifetimeMs / DAY_MS;
    const lasts = Number.isInteger(days) ? `${days} days` : `more than ${Math.floor(days)} days`;
    return `lasts ${lasts} (createdAt ${waiver.createdAt} to expiresAt ${waiver.expiresAt}), longer than the ${rules.maxDays} days a waiver may last (maxWaiverDays)`;
  }
  return null;
}

/**
 * A scope as one line for people: the fields it gives, in a fixed order.
 *
 * @example
 * describeScope({ module: 'instant-messaging', tenantId: 'tenant-a' }) // 'tenantId=tenant-a, module=instant-messaging'
 */
export function describeScope(scope: Waiver['scope']): string {
  const parts = SCOPE_FIELDS.filter((field) => scope[field] !== undefined).map((field) => `${field}=${scope[field]}`);
  return parts.length > 0 ? parts.join(', ') : '(everything)';
}
