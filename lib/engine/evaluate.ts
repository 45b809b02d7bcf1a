import type { Catalog, CatalogCategory, CatalogRule } from '../catalog/loadCatalog';
import { kindOf } from '../catalog/ruleKindRegistry';
import type { ClauseResult, EvaluateOptions } from '../catalog/ruleKinds/RuleKind';
import { day } from '../catalog/ruleKinds/deadline';
import type { Finding, InventoryItem, StoreRef, Verdict } from '../model';
import { daysBetween, iso, parseInstant } from '../time';
import { severityOf } from './severity';
import { validateItem } from './validateItem';
import { findWaiver, type CompiledWaiver } from './waivers';

export interface EngineOptions extends EvaluateOptions {
  waivers: readonly CompiledWaiver[];
}

export const DEFAULT_ENGINE_OPTIONS: EngineOptions = { graceDays: 30, waivers: [] };

interface Judged {
  rule: CatalogRule;
  result: ClauseResult;
}

const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

/** A finding's identity and facts, read as far as the raw item allows. */
function baseOf(raw: unknown): Omit<Finding, 'verdict' | 'severity' | 'reason' | 'ruleId' | 'deadline' | 'overdueDays' | 'clause' | 'specialCategory'> {
  const item = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const store = item.store as Partial<StoreRef> | undefined;
  return {
    itemId: str(item.itemId),
    snapshotId: str(item.snapshotId),
    tenantId: str(item.tenantId),
    module: str(item.module),
    dataCategory: str(item.dataCategory),
    store:
      typeof store === 'object' && store !== null && typeof store.type === 'string' && typeof store.resource === 'string'
        ? { type: store.type, resource: store.resource, ...(typeof store.region === 'string' ? { region: store.region } : {}) }
        : null,
    owner: str(item.owner),
    recordCount: num(item.recordCount),
    bytes: num(item.bytes),
    oldestRecordAt: str(item.oldestRecordAt),
    capturedAt: str(item.capturedAt),
  };
}

/** Clauses that govern this item: those whose kind applies, less those superseded by an applying clause. */
function activeRules(category: CatalogCategory, item: InventoryItem): CatalogRule[] {
  const applying = category.rules.filter((rule) => kindOf(rule.clause).appliesTo?.(rule.clause, item) ?? true);
  const superseded = new Set(applying.flatMap((rule) => rule.clause.supersedes ?? []));
  return applying.filter((rule) => !superseded.has(rule.clause.id));
}

/** The clause result that decides the verdict: worst violation, then nearest due-soon, review, nearest deadline. */
function decisive(judged: Judged[], capturedMs: number): { verdict: Verdict; decisive: Judged | undefined } {
  const overdue = (j: Judged) => (j.result.deadlineMs === null ? 0 : capturedMs - j.result.deadlineMs);
  const byDeadline = (a: Judged, b: Judged) =>
    (a.result.deadlineMs ?? Number.POSITIVE_INFINITY) - (b.result.deadlineMs ?? Number.POSITIVE_INFINITY);
  const violated = judged.filter((j) => j.result.status === 'violated');
  if (violated.length > 0) return { verdict: 'violation', decisive: violated.sort((a, b) => overdue(b) - overdue(a))[0] };
  const dueSoon = judged.filter((j) => j.result.status === 'due-soon');
  if (dueSoon.length > 0) return { verdict: 'due-soon', decisive: dueSoon.sort(byDeadline)[0] };
  if (judged.length > 0 && judged.every((j) => j.result.status === 'review')) return { verdict: 'review', decisive: judged[0] };
  return { verdict: 'compliant', decisive: [...judged].sort(byDeadline)[0] };
}

/**
 * Evaluates one inventory item against the catalog: a pure function of the item
 * (its `capturedAt` is the reference time), the catalog and the options.
 * One finding per item, verdicts in the precedence of CONTRACT section 3.
 *
 * @example
 * evaluate(item, loadCatalog(), DEFAULT_ENGINE_OPTIONS).verdict // 'violation'
 */
export function evaluate(raw: unknown, catalog: Catalog, options: EngineOptions = DEFAULT_ENGINE_OPTIONS): Finding {
  const base = baseOf(raw);
  const check = validateItem(raw);
  const none = { ruleId: null, deadline: null, overdueDays: null, clause: null, specialCategory: null };
  if (!check.ok) return { ...base, ...none, verdict: 'invalid', severity: severityOf({ verdict: 'invalid', special: false, overdueDays: null, recordCount: 0, bytes: 0 }), reason: check.reason };

  const item = check.item;
  const module = catalog.modules.get(item.module);
  const category = module?.categories.get(item.dataCategory);
  if (!module || !category) {
    const reason = !module
      ? `Module ${item.module} has no retention rules in the catalog, so nothing says how long this data may be kept.`
      : `Module ${item.module} declares no data category ${item.dataCategory}, so no retention rule covers this data.`;
    return { ...base, ...none, verdict: 'unmapped', severity: 'medium', reason };
  }

  const capturedMs = parseInstant(item.capturedAt);
  const context = {
    item,
    categoryName: category.name,
    capturedMs,
    oldestMs: item.oldestRecordAt === undefined ? Number.NaN : parseInstant(item.oldestRecordAt),
    options,
  };
  const judged: Judged[] = activeRules(category, item).map((rule) => ({
    rule,
    result: kindOf(rule.clause).evaluate(rule.clause, context),
  }));
  const outcome = decisive(judged, capturedMs);
  const rule = outcome.decisive?.rule;
  const deadlineMs = outcome.decisive?.result.deadlineMs ?? null;
  const overdueDays = outcome.verdict === 'violation' && deadlineMs !== null ? daysBetween(deadlineMs, capturedMs) : null;
  const special = category.sensitivity === 'special';
  const ruled = {
    ...base,
    ruleId: rule?.ruleId ?? null,
    deadline: deadlineMs === null ? null : iso(deadlineMs),
    overdueDays,
    clause: rule?.citation ?? null,
    specialCategory: category.specialCategory,
  };
  const verdict = outcome.verdict;
  const reason =
    item.recordCount === 0 && verdict === 'compliant'
      ? 'No records are held.'
      : (outcome.decisive?.result.reason ?? 'No retention clause applies to this data.');

  const hold = item.legalHold;
  if (hold && (hold.until === undefined || parseInstant(hold.until) > capturedMs)) {
    return {
      ...ruled,
      verdict: 'exempt',
      severity: 'info',
      underlyingVerdict: verdict,
      reason: `Under a legal hold (${hold.reason})${hold.until ? ` until ${day(parseInstant(hold.until))}` : ' with no end date'}, so retention rules are suspended.`,
    };
  }
  const waiver = findWaiver(options.waivers, item, capturedMs);
  if (waiver) {
    return {
      ...ruled,
      verdict: 'waived',
      severity: 'info',
      underlyingVerdict: verdict,
      waiverId: waiver.id,
      reason: `Waiver ${waiver.id} approved by ${waiver.approver} (${waiver.reason}) covers this data until ${day(parseInstant(waiver.expiresAt))}.`,
    };
  }
  return {
    ...ruled,
    verdict,
    severity: severityOf({ verdict, special, overdueDays, recordCount: item.recordCount, bytes: item.bytes }),
    reason,
  };
}
