import type { Finding, Severity, Verdict } from '../../model';
import { SEVERITIES } from '../../model';
import { addCount, addExactCount, exactCount } from '../../engine/exactCount';
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

/** The verdicts the PDF only counts (the report head has their numbers): add() keeps nothing of their findings. */
export const PDF_IGNORED_VERDICTS: readonly Verdict[] = ['compliant', 'waived'];

const MAX_TENANTS = 100_000;

/**
 * Pairs past the cap whose counts a collector keeps (counts only, not shown): what
 * absorb() needs to add a later slice's findings to a pair an earlier slice shows.
 */
const MAX_MORE_PAIRS = 10_000;

/** The counts of a module and category pair, without its words. */
export interface PairCounts {
  items: number;
  records: number;
  bytes: number;
}

/** A sum as a state carries it: a Number while exact, else its exact decimal digits (lib/engine/exactCount.ts). */
export type ExactSum = number | string;

/** Counts of a pair as a state carries them: records and bytes exact. */
export type PairCountsState = Omit<PairCounts, 'records' | 'bytes'> & { records: ExactSum; bytes: ExactSum };

/** A pair table as collected: the pairs shown, in their order, and the counts of up to MAX_MORE_PAIRS pairs past the cap. */
export interface PairTableState {
  shown: [string, Omit<PairTally, 'records' | 'bytes'> & PairCountsState][];
  more: [string, PairCountsState][];
}

/**
 * What a PdfModelCollector has collected, as plain JSON (toState): a partitioned run
 * collects each slice of the findings apart, and the reduce absorbs the states in
 * slice order. As bounded as the collector: capped rows, counts, keys.
 */
export interface PdfModelState {
  /** The rows per table it was collected with; absorb() takes only its own. */
  cap: number;
  modules: [string, CappedList<Finding>][];
  violationsByModuleSeverity: [string, Record<Severity, number>][];
  overdue: { buckets: number[]; sizeCaps: number };
  tenants: [string, { violations: number; records: ExactSum }][];
  tenantsApproximate: boolean;
  invalid: CappedList<Finding>;
  newViolations: CappedList<Finding>;
  unmapped: PairTableState;
  review: PairTableState;
  exempt: CappedList<Finding>;
}

const PAIR_TABLES = ['unmapped', 'review'] as const;
type PairTable = (typeof PAIR_TABLES)[number];

const copyList = <T>(list: CappedList<T>): CappedList<T> => ({ rows: [...list.rows], total: list.total });

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
 *
 * // Or in slices, each collected apart (another process), then absorbed in their order:
 * const whole = new PdfModelCollector(200);
 * for (const state of slicesStates) whole.absorb(JSON.parse(JSON.stringify(state)));
 * whole.model(); // the same as one collector's over all the findings (see absorb)
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
  /** Per pair table, the counts of pairs past the cap (absorb() needs them; the PDF does not show them). */
  private readonly morePairs: Record<PairTable, Map<string, PairCounts>> = { unmapped: new Map(), review: new Map() };

  constructor(private readonly cap: number) {}

  add(finding: Finding): void {
    if (PDF_IGNORED_VERDICTS.includes(finding.verdict)) return;
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
      case 'review':
        this.pair(shown.verdict, shown);
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

  /**
   * What was collected, as plain JSON, for absorb() in another collector (another process).
   *
   * @example
   * writeFileSync('pdf-model.0003.json', JSON.stringify(collector.toState()));
   */
  toState(): PdfModelState {
    const data = this.model();
    const pairs = (table: PairTable): PairTableState => ({
      shown: [...data[table]].map(([key, tally]) => [key, { ...tally, records: exactOut(tally, 'records'), bytes: exactOut(tally, 'bytes') }]),
      more: [...this.morePairs[table]].map(([key, counts]) => [key, { ...counts, records: exactOut(counts, 'records'), bytes: exactOut(counts, 'bytes') }]),
    });
    return {
      cap: this.cap,
      modules: [...data.modules].map(([module, list]) => [module, copyList(list)]),
      violationsByModuleSeverity: [...data.violationsByModuleSeverity].map(([module, counts]) => [module, { ...counts }]),
      overdue: { buckets: [...data.overdue.buckets], sizeCaps: data.overdue.sizeCaps },
      tenants: [...data.tenants].map(([tenant, row]) => [tenant, { violations: row.violations, records: exactOut(row, 'records') }]),
      tenantsApproximate: data.tenantsApproximate,
      invalid: copyList(data.invalid),
      newViolations: copyList(data.newViolations),
      unmapped: pairs('unmapped'),
      review: pairs('review'),
      exempt: copyList(data.exempt),
    };
  }

  /**
   * Adds the findings of another collector's state as if they had been add()ed here,
   * after the ones already here: states of consecutive slices of the findings,
   * absorbed in slice order into a fresh collector, give the model() one collector
   * gives over all the findings (rows, totals, counts, Maps' order), exactly, as long
   * as the findings have at most MAX_TENANTS (100,000) tenants with violations and no
   * slice has more than cap + MAX_MORE_PAIRS (10,000) unmapped or review pairs. Past
   * MAX_TENANTS tenants both are approximate (tenantsApproximate) but may keep other
   * tenants and counts; past the pairs, a shown pair's counts may miss findings of a
   * slice that saw that many other pairs first.
   *
   * @example
   * const whole = new PdfModelCollector(200);
   * whole.absorb(first.toState());
   * whole.absorb(second.toState());
   */
  absorb(state: PdfModelState): void {
    if (state.cap !== this.cap) {
      throw new Error(`PdfModelCollector.absorb: the state was collected with ${state.cap} rows per table, this collector keeps ${this.cap}.`);
    }
    for (const [module, list] of state.modules) this.mergeOrdered(this.moduleList(module), list);
    this.mergeOrdered(this.data.newViolations, state.newViolations);
    for (const [module, counts] of state.violationsByModuleSeverity) {
      const bySeverity = this.severityRow(module);
      for (const severity of SEVERITIES) bySeverity[severity] += counts[severity];
    }
    state.overdue.buckets.forEach((count, bucket) => {
      this.data.overdue.buckets[bucket] = (this.data.overdue.buckets[bucket] ?? 0) + count;
    });
    this.data.overdue.sizeCaps += state.overdue.sizeCaps;
    for (const [tenant, row] of state.tenants) this.countTenant(tenant, row.violations, row.records);
    if (state.tenantsApproximate) this.data.tenantsApproximate = true;
    this.mergeFirst(this.data.invalid, state.invalid);
    this.mergeFirst(this.data.exempt, state.exempt);
    for (const table of PAIR_TABLES) {
      for (const [key, tally] of state[table].shown) this.countPair(table, key, tally, () => ({ ...tally, items: 0, records: 0, bytes: 0 }));
      // A state with pairs past its cap shows `cap` pairs, so this table is full by now: these are counts only.
      for (const [key, counts] of state[table].more) this.countPair(table, key, counts, null);
    }
  }

  /** Rows of a table kept in its order: the first `cap` of both, the ones already here first among equals. */
  private mergeOrdered(list: CappedList<Finding>, incoming: CappedList<Finding>): void {
    list.total += incoming.total;
    for (const row of incoming.rows) list.rows.push(row);
    this.trim(list, compareForTable);
  }

  /** Rows of a table kept by arrival: the first `cap` of both. */
  private mergeFirst(list: CappedList<Finding>, incoming: CappedList<Finding>): void {
    list.total += incoming.total;
    for (const row of incoming.rows) {
      if (list.rows.length >= this.cap) break;
      list.rows.push(row);
    }
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

  private severityRow(module: string): Record<Severity, number> {
    let bySeverity = this.data.violationsByModuleSeverity.get(module);
    if (!bySeverity) {
      bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
      this.data.violationsByModuleSeverity.set(module, bySeverity);
    }
    return bySeverity;
  }

  private addViolation(finding: Finding, module: string): void {
    this.severityRow(module)[finding.severity] += 1;
    if (finding.overdueDays === null) {
      this.data.overdue.sizeCaps += 1;
    } else {
      const bucket = OVERDUE_BUCKETS.findIndex((b) => finding.overdueDays! <= b.max);
      this.data.overdue.buckets[bucket] = (this.data.overdue.buckets[bucket] ?? 0) + 1;
    }
    this.countTenant(finding.tenantId ?? '(unknown)', 1, finding.recordCount ?? 0);
  }

  private countTenant(tenant: string, violations: number, records: ExactSum): void {
    let row = this.data.tenants.get(tenant);
    const added = !row;
    if (!row) this.data.tenants.set(tenant, (row = { violations: 0, records: 0 }));
    row.violations += violations;
    // Exact sums (lib/engine/exactCount.ts): the same however the findings were sliced.
    addExact(row, 'records', records);
    if (added && this.data.tenants.size > MAX_TENANTS) this.pruneTenants();
  }

  /** Far too many tenants: drop the least-counted half, and say the ranking is approximate. */
  private pruneTenants(): void {
    const sorted = [...this.data.tenants].sort((a, b) => b[1].violations - a[1].violations);
    this.data.tenants = new Map(sorted.slice(0, MAX_TENANTS / 2));
    this.data.tenantsApproximate = true;
  }

  private pair(table: PairTable, finding: Finding): void {
    const counts = { items: 1, records: finding.recordCount ?? 0, bytes: finding.bytes ?? 0 };
    this.countPair(table, `${finding.module}\u0000${finding.dataCategory}`, counts, () => ({
      module: finding.module ?? '(unknown)',
      dataCategory: finding.dataCategory ?? '(unknown)',
      ...counts,
      clauseText: finding.clause?.text ?? null,
      clauseSource: finding.clause?.source ?? null,
    }));
  }

  /**
   * Adds counts to a pair: shown (with `tally()`'s words) while fewer than `cap` pairs are, then
   * counted among the pairs past the cap while there is room for them; beyond, dropped.
   */
  private countPair(table: PairTable, key: string, counts: PairCountsState, tally: (() => PairTally) | null): void {
    const shown = this.data[table];
    let known = shown.get(key) ?? this.morePairs[table].get(key);
    if (!known && tally && shown.size < this.cap) shown.set(key, (known = { ...tally(), items: 0, records: 0, bytes: 0 }));
    else if (!known && this.morePairs[table].size < MAX_MORE_PAIRS) this.morePairs[table].set(key, (known = { items: 0, records: 0, bytes: 0 }));
    if (!known) return;
    known.items += counts.items;
    addExact(known, 'records', counts.records);
    addExact(known, 'bytes', counts.bytes);
  }
}

/** A count's exact value for a state: the Number while it is exact, else its decimal digits. */
function exactOut<T extends { records: number } | { bytes: number }>(owner: T, key: 'records' | 'bytes'): ExactSum {
  const exact = exactCount(owner as Record<'records' | 'bytes', number>, key);
  return Number.isSafeInteger(Number(exact)) && BigInt(Number(exact)) === exact ? Number(exact) : exact.toString();
}

/** Adds a count exactly, a Number or a state's decimal digits. */
function addExact(owner: { records: number } | { bytes: number }, key: 'records' | 'bytes', value: ExactSum): void {
  const target = owner as Record<'records' | 'bytes', number>;
  if (typeof value === 'string') addExactCount(target, key, value);
  else addCount(target, key, value);
}
