import type { Catalog, CatalogCategory, CatalogRule } from '../catalog/loadCatalog';
import { kindOf } from '../catalog/ruleKindRegistry';
import type { ClauseResult, EvaluateOptions } from '../catalog/ruleKinds/RuleKind';
import { day } from '../catalog/ruleKinds/deadline';
import type { Finding, InventoryItem, StoreRef, Verdict } from '../model';
import { daysBetween, iso, parseInstant } from '../time';
import { severityOf } from './severity';
import { fingerprintOf, identityKey } from './identity';
import { validateItem, type ItemBounds } from './validateItem';
import { ItemFieldError } from '../errors';
import { findWaiver, type CompiledWaiver } from './waivers';

export interface EngineOptions extends EvaluateOptions, ItemBounds {
  waivers: readonly CompiledWaiver[];
}

export const DEFAULT_ENGINE_OPTIONS: EngineOptions = { graceDays: 30, waivers: [] };

interface Judged {
  rule: CatalogRule;
  result: ClauseResult;
}

/** Longest text a finding repeats from an item: the longest field a valid item may hold. */
const FINDING_TEXT_MAX = 1024;

/** A string of the item as the finding repeats it: an invalid item's 1 MB field is cut, marked with "…". */
function str(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  return value.length > FINDING_TEXT_MAX ? `${value.slice(0, FINDING_TEXT_MAX - 1)}…` : value;
}
function num(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function storeOf(value: unknown): StoreRef | null {
  const store = value as Partial<StoreRef> | null | undefined;
  if (typeof store !== 'object' || store === null || typeof store.type !== 'string' || typeof store.resource !== 'string') return null;
  const ref = { type: str(store.type)!, resource: str(store.resource)! };
  return typeof store.region === 'string' ? { ...ref, region: str(store.region)! } : ref;
}

/** A finding with the item's facts, read as far as the raw item allows, and the verdict still to decide. */
function findingOf(raw: unknown, verdict: Verdict, reason: string): Finding {
  const item = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const finding: Finding = {
    itemId: str(item.itemId),
    snapshotId: str(item.snapshotId),
    tenantId: str(item.tenantId),
    module: str(item.module),
    dataCategory: str(item.dataCategory),
    store: storeOf(item.store),
    owner: str(item.owner),
    recordCount: num(item.recordCount),
    bytes: num(item.bytes),
    oldestRecordAt: str(item.oldestRecordAt),
    capturedAt: str(item.capturedAt),
    verdict,
    severity: 'info',
    specialCategory: null,
    ruleId: null,
    deadline: null,
    overdueDays: null,
    reason,
    clause: null,
    fingerprint: '',
  };
  finding.fingerprint = fingerprintOf(identityKey(finding));
  return finding;
}

/** Clauses that govern this item: those whose kind applies, less those superseded by an applying clause. */
function activeRules(category: CatalogCategory, item: InventoryItem): CatalogRule[] {
  const applying = category.rules.filter((rule) => kindOf(rule.clause).appliesTo?.(rule.clause, item) ?? true);
  if (!applying.some((rule) => rule.clause.supersedes)) return applying;
  const superseded = new Set(applying.flatMap((rule) => rule.clause.supersedes ?? []));
  return applying.filter((rule) => !superseded.has(rule.clause.id));
}

// A review clause ranks lowest: any clause that does give a period decides instead.
const RANK = { violated: 3, 'due-soon': 2, ok: 1, review: 0 } as const;
const VERDICT_OF = { violated: 'violation', 'due-soon': 'due-soon', review: 'review', ok: 'compliant' } as const;

/**
 * The clause result that decides the verdict: the violation furthest past its
 * deadline, else the nearest due-soon deadline, else review when every clause
 * asks for it, else the nearest deadline of a compliant item.
 */
function decisive(judged: readonly Judged[]): { verdict: Verdict; decisive: Judged | undefined } {
  let best: Judged | undefined;
  let allReview = judged.length > 0;
  for (const candidate of judged) {
    if (candidate.result.status !== 'review') allReview = false;
    if (best === undefined) {
      best = candidate;
      continue;
    }
    const rank = RANK[candidate.result.status] - RANK[best.result.status];
    // Same rank: the earlier deadline is the more urgent (a size cap, with none, comes last).
    const earlier = (candidate.result.deadlineMs ?? Infinity) < (best.result.deadlineMs ?? Infinity);
    if (rank > 0 || (rank === 0 && earlier)) best = candidate;
  }
  if (best === undefined) return { verdict: 'compliant', decisive: undefined };
  return { verdict: allReview ? 'review' : VERDICT_OF[best.result.status], decisive: best };
}

function invalidFinding(raw: unknown, reason: string): Finding {
  const finding = findingOf(raw, 'invalid', reason);
  finding.severity = severityOf({ verdict: 'invalid', special: false, overdueDays: null, recordCount: 0, bytes: 0 });
  return finding;
}

/**
 * Evaluates one inventory item against the catalog: a pure function of the item
 * (its `capturedAt` is the reference time), the catalog and the options.
 * One finding per item, verdicts in the precedence of docs/semantics.md#verdicts.
 * Nothing an item holds can make this throw: an item that cannot be evaluated is
 * `invalid`, with the reason.
 *
 * @example
 * evaluate(item, loadCatalog(), DEFAULT_ENGINE_OPTIONS).verdict // 'violation'
 */
export function evaluate(raw: unknown, catalog: Catalog, options: EngineOptions = DEFAULT_ENGINE_OPTIONS): Finding {
  const check = validateItem(raw, options, catalog.events);
  if (!check.ok) return invalidFinding(raw, check.reason);
  try {
    return evaluateValid(check.item, catalog, options);
  } catch (error) {
    if (error instanceof ItemFieldError) return invalidFinding(raw, error.message);
    // A date beyond what JavaScript time holds (a huge period), or any other surprise of one item.
    const message = error instanceof Error ? error.message : String(error);
    return invalidFinding(raw, `The item could not be evaluated (${message.slice(0, 200)}); check its dates and periods.`);
  }
}

function evaluateValid(item: InventoryItem, catalog: Catalog, options: EngineOptions): Finding {
  const module = catalog.modules.get(item.module);
  const category = module?.categories.get(item.dataCategory);
  if (!module || !category) {
    const reason = !module
      ? `Module ${item.module} has no retention rules in the catalog, so nothing says how long this data may be kept.`
      : `Module ${item.module} declares no data category ${item.dataCategory}, so no retention rule covers this data.`;
    const finding = findingOf(item, 'unmapped', reason);
    finding.severity = severityOf({ verdict: 'unmapped', special: false, overdueDays: null, recordCount: 0, bytes: 0 });
    return finding;
  }

  const capturedMs = parseInstant(item.capturedAt);
  const context = {
    item,
    categoryName: category.name,
    capturedMs,
    oldestMs: item.oldestRecordAt === undefined ? Number.NaN : parseInstant(item.oldestRecordAt),
    options,
  };
  const judged = activeRules(category, item).map((rule): Judged => ({ rule, result: kindOf(rule.clause).evaluate(rule.clause, context) }));
  const { verdict, decisive: chosen } = decisive(judged);
  const deadlineMs = chosen?.result.deadlineMs ?? null;
  const overdueDays = verdict === 'violation' && deadlineMs !== null ? daysBetween(deadlineMs, capturedMs) : null;
  const reason =
    item.recordCount === 0 && verdict === 'compliant'
      ? 'No records are held.'
      : (chosen?.result.reason ?? 'No retention clause applies to this data.');
  const finding = findingOf(item, verdict, reason);
  finding.ruleId = chosen?.rule.ruleId ?? null;
  finding.deadline = deadlineMs === null ? null : iso(deadlineMs);
  finding.overdueDays = overdueDays;
  finding.clause = chosen?.rule.citation ?? null;
  finding.specialCategory = category.specialCategory;

  const hold = item.legalHold;
  if (hold && (hold.until === undefined || parseInstant(hold.until) > capturedMs)) {
    finding.verdict = 'exempt';
    finding.underlyingVerdict = verdict;
    finding.reason = `Under a legal hold (${hold.reason})${hold.until ? ` until ${day(parseInstant(hold.until))}` : ' with no end date'}, so retention rules are suspended.`;
    finding.severity = severityOf({ verdict: 'exempt', special: false, overdueDays: null, recordCount: 0, bytes: 0 });
    return finding;
  }
  const waiver = options.waivers.length > 0 ? findWaiver(options.waivers, item, capturedMs) : null;
  if (waiver) {
    finding.verdict = 'waived';
    finding.underlyingVerdict = verdict;
    finding.waiverId = waiver.id;
    finding.reason = `Waiver ${waiver.id} approved by ${waiver.approver} (${waiver.reason}) covers this data until ${day(parseInstant(waiver.expiresAt))}.`;
    finding.severity = severityOf({ verdict: 'waived', special: false, overdueDays: null, recordCount: 0, bytes: 0 });
    return finding;
  }
  finding.severity = severityOf({
    verdict,
    special: category.sensitivity === 'special',
    overdueDays,
    recordCount: item.recordCount,
    bytes: item.bytes,
  });
  return finding;
}
