import type { Finding, Severity } from '../../model';
import { SEVERITIES } from '../../model';
import { pdfSafeText } from './pdfSafeText';

/** Overdue buckets of the executive summary chart, in days. */
export const OVERDUE_BUCKETS = [
  { label: '0–7 days', max: 7 },
  { label: '8–30 days', max: 30 },
  { label: '31–90 days', max: 90 },
  { label: 'over 90 days', max: Number.POSITIVE_INFINITY },
] as const;

export interface CappedList<T> {
  rows: T[];
  /** How many there were in all (rows holds at most the cap). */
  total: number;
}

export interface PairTally {
  module: string;
  dataCategory: string;
  items: number;
  records: number;
  bytes: number;
  clauseText: string | null;
  clauseSource: string | null;
}

export interface PdfReportModel {
  /** Violations and due-soon findings per module, most severe and most overdue first, capped. */
  modules: Map<string, CappedList<Finding>>;
  violationsByModuleSeverity: Map<string, Record<Severity, number>>;
  /** Violations per overdue bucket; `sizeCaps` counts violations that have no deadline. */
  overdue: { buckets: number[]; sizeCaps: number };
  tenants: Map<string, { violations: number; records: number }>;
  /** True when there were too many tenants to count exactly (the least counted were dropped). */
  tenantsApproximate: boolean;
  invalid: CappedList<Finding>;
  /** Violations that are new since the previous run (with history). */
  newViolations: CappedList<Finding>;
  unmapped: Map<string, PairTally>;
  review: Map<string, PairTally>;
  exempt: CappedList<Finding>;
}

const SEVERITY_RANK: Record<Severity, number> = Object.fromEntries(SEVERITIES.map((s, i) => [s, i])) as Record<Severity, number>;

/** Most severe first, then most days overdue, then the earliest deadline, then itemId. */
export function compareForTable(a: Finding, b: Finding): number {
  return (
    SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
    (b.overdueDays ?? -1) - (a.overdueDays ?? -1) ||
    (a.deadline ?? '').localeCompare(b.deadline ?? '') ||
    (a.itemId ?? '').localeCompare(b.itemId ?? '')
  );
}

const MAX_TENANTS = 100_000;

const shownId = (text: string | null) => (text === null ? null : pdfSafeText(text, 'id'));

/**
 * The finding as the PDF can show it: every string it draws already cut to its
 * kind's limit (pdfSafeText, the same gate the drawing goes through), so the rows
 * and keys kept here stay small whatever size the inventory's strings are.
 *
 * @example
 * shownPart({ ...finding, tenantId: 't'.repeat(1_000_000) }).tenantId // 't'.repeat(119) + '…'
 */
export function shownPart(finding: Finding): Finding {
  const { store } = finding;
  return {
    ...finding,
    itemId: shownId(finding.itemId),
    snapshotId: shownId(finding.snapshotId),
    tenantId: shownId(finding.tenantId),
    module: shownId(finding.module),
    dataCategory: shownId(finding.dataCategory),
    owner: shownId(finding.owner),
    store: store && {
      ...store,
      type: pdfSafeText(store.type, 'id'),
      resource: pdfSafeText(store.resource, 'label'),
      ...(store.region === undefined ? {} : { region: pdfSafeText(store.region, 'id') }),
    },
    reason: pdfSafeText(finding.reason, 'prose'),
  };
}

/**
 * Collects, from the stream of findings, what the PDF shows, in memory that
 * does not grow with the inventory: tables keep only their `cap` first rows
 * (in their own order), and everything else is a count.
 *
 * @example
 * const collector = new PdfModelCollector(200);
 * for (const finding of findings) collector.add(finding);
 * const model = collector.model();
 */
export class PdfModelCollector {
  private readonly data: PdfReportModel = {
    modules: new Map(),
    violationsByModuleSeverity: new Map(),
    overdue: { buckets: OVERDUE_BUCKETS.map(() => 0), sizeCaps: 0 },
    tenants: new Map(),
    tenantsApproximate: false,
    invalid: { rows: [], total: 0 },
    newViolations: { rows: [], total: 0 },
    unmapped: new Map(),
    review: new Map(),
    exempt: { rows: [], total: 0 },
  };

  constructor(private readonly cap: number) {}

  add(finding: Finding): void {
    // Compliant and waived findings are only counted (in the report head): nothing to keep.
    if (finding.verdict === 'compliant' || finding.verdict === 'waived') return;
    const shown = shownPart(finding);
    const module = shown.module ?? '(unknown)';
    switch (shown.verdict) {
      case 'violation':
        this.addViolation(shown, module);
        this.keep(this.moduleList(module), shown, compareForTable);
        if (shown.status === 'new') this.keep(this.data.newViolations, shown, compareForTable);
        break;
      case 'due-soon':
        this.keep(this.moduleList(module), shown, compareForTable);
        break;
      case 'invalid':
        this.keep(this.data.invalid, shown, null);
        break;
      case 'unmapped':
        this.pair(this.data.unmapped, shown);
        break;
      case 'review':
        this.pair(this.data.review, shown);
        break;
      case 'exempt':
        this.keep(this.data.exempt, shown, null);
        break;
      default:
        break;
    }
  }

  model(): PdfReportModel {
    for (const list of this.data.modules.values()) this.trim(list, compareForTable);
    this.trim(this.data.newViolations, compareForTable);
    return this.data;
  }

  private moduleList(module: string): CappedList<Finding> {
    let list = this.data.modules.get(module);
    if (!list) {
      list = { rows: [], total: 0 };
      this.data.modules.set(module, list);
    }
    return list;
  }

  /** Keeps the first `cap` rows by `order` (or by arrival when null); sorts and trims in batches. */
  private keep(list: CappedList<Finding>, finding: Finding, order: ((a: Finding, b: Finding) => number) | null): void {
    list.total += 1;
    if (order === null) {
      if (list.rows.length < this.cap) list.rows.push(finding);
      return;
    }
    list.rows.push(finding);
    if (list.rows.length >= this.cap * 2) this.trim(list, order);
  }

  private trim(list: CappedList<Finding>, order: (a: Finding, b: Finding) => number): void {
    list.rows.sort(order);
    if (list.rows.length > this.cap) list.rows.length = this.cap;
  }

  private addViolation(finding: Finding, module: string): void {
    let bySeverity = this.data.violationsByModuleSeverity.get(module);
    if (!bySeverity) {
      bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
      this.data.violationsByModuleSeverity.set(module, bySeverity);
    }
    bySeverity[finding.severity] += 1;
    if (finding.overdueDays === null) {
      this.data.overdue.sizeCaps += 1;
    } else {
      const bucket = OVERDUE_BUCKETS.findIndex((b) => finding.overdueDays! <= b.max);
      this.data.overdue.buckets[bucket] = (this.data.overdue.buckets[bucket] ?? 0) + 1;
    }
    const tenant = finding.tenantId ?? '(unknown)';
    const row = this.data.tenants.get(tenant);
    if (row) {
      row.violations += 1;
      row.records += finding.recordCount ?? 0;
    } else {
      this.data.tenants.set(tenant, { violations: 1, records: finding.recordCount ?? 0 });
      if (this.data.tenants.size > MAX_TENANTS) this.pruneTenants();
    }
  }

  /** Far too many tenants: drop the least-counted half, and say the ranking is approximate. */
  private pruneTenants(): void {
    const sorted = [...this.data.tenants].sort((a, b) => b[1].violations - a[1].violations);
    this.data.tenants = new Map(sorted.slice(0, MAX_TENANTS / 2));
    this.data.tenantsApproximate = true;
  }

  private pair(map: Map<string, PairTally>, finding: Finding): void {
    const key = `${finding.module}\u0000${finding.dataCategory}`;
    const tally = map.get(key);
    if (tally) {
      tally.items += 1;
      tally.records += finding.recordCount ?? 0;
      tally.bytes += finding.bytes ?? 0;
    } else if (map.size < this.cap) {
      map.set(key, {
        module: finding.module ?? '(unknown)',
        dataCategory: finding.dataCategory ?? '(unknown)',
        items: 1,
        records: finding.recordCount ?? 0,
        bytes: finding.bytes ?? 0,
        clauseText: finding.clause?.text ?? null,
        clauseSource: finding.clause?.source ?? null,
      });
    }
  }
}
