import type { Finding } from '../model';
import { DAY_MS } from '../time';
import { addCount, addExactCount, exactCount } from './exactCount';
import type { CompiledWaiver, Waiver } from './waivers';
import type { InventoryItem } from '../model';

/** How a waiver fared in a run: what it covered, and what it would cover were it still valid. */
export interface WaiverUsage {
  id: string;
  /** What it covers, as the waivers file gives it (globs). */
  scope: Waiver['scope'];
  reason: string;
  approver: string;
  createdAt?: string;
  expiresAt: string;
  status: 'active' | 'expired' | 'stale';
  /** Findings it covers (active waivers). */
  covered: number;
  /** Findings it matches but no longer covers, because it expired: active again. */
  activeAgain: number;
}

/** How many findings a waiver matched, covered, and matches but no longer covers (expired). */
export interface WaiverCounts {
  matched: number;
  covered: number;
  activeAgain: number;
}

/** Tallies, item by item, which waivers match (to report expired and stale ones). */
export class WaiverTally {
  private readonly counts: WaiverCounts[];

  constructor(
    private readonly waivers: readonly CompiledWaiver[],
    /** Counts already made, by waiver (the SQL engine's: lib/sql/insightsSql.ts). */
    counts?: readonly WaiverCounts[],
  ) {
    this.counts = waivers.map(() => ({ matched: 0, covered: 0, activeAgain: 0 }));
    if (counts) this.absorb(counts);
  }

  add(item: InventoryItem, finding: Finding): void {
    const atMs = Date.parse(item.capturedAt);
    this.waivers.forEach((waiver, index) => {
      if (!waiver.matches(item)) return;
      const count = this.counts[index]!;
      count.matched += 1;
      if (finding.waiverId === waiver.waiver.id) count.covered += 1;
      else if (atMs >= waiver.expiresMs && (finding.verdict === 'violation' || finding.verdict === 'due-soon')) count.activeAgain += 1;
    });
  }

  /**
   * The counts so far, by waiver (a copy: a partition's part, lib/audit/phases/SnapshotTally.ts).
   *
   * @example
   * new WaiverTally(compiled).toCounts() // [{ matched: 0, covered: 0, activeAgain: 0 }, …]
   */
  toCounts(): WaiverCounts[] {
    return this.counts.map((count) => ({ ...count }));
  }

  /**
   * Adds counts made elsewhere (another partition, the SQL engine) with the same waivers.
   *
   * @example
   * tally.absorb(other.toCounts())
   */
  absorb(counts: readonly WaiverCounts[]): void {
    if (counts.length !== this.counts.length) throw new Error(`Waiver counts for ${counts.length} waivers cannot be added to a tally of ${this.counts.length}: the runs used different waivers.`);
    counts.forEach((count, index) => {
      const own = this.counts[index]!;
      own.matched += count.matched;
      own.covered += count.covered;
      own.activeAgain += count.activeAgain;
    });
  }

  /** Each waiver's usage; `atMs` (the snapshot's capture time) decides which have expired. */
  usage(atMs: number): WaiverUsage[] {
    return this.waivers.map((compiled, index) => {
      const count = this.counts[index]!;
      const status = atMs >= compiled.expiresMs ? 'expired' : count.matched === 0 ? 'stale' : 'active';
      const { id, scope, reason, approver, createdAt, expiresAt } = compiled.waiver;
      return { id, scope: { ...scope }, reason, approver, ...(createdAt === undefined ? {} : { createdAt }), expiresAt, status, covered: count.covered, activeAgain: count.activeAgain };
    });
  }
}

export interface ForecastEntry {
  module: string;
  tenantId: string;
  items: number;
  records: number;
  bytes: number;
  /** The first deadline in the window. */
  firstDeadline: string;
}

export interface Forecast {
  days: number;
  until: string;
  items: number;
  records: number;
  bytes: number;
  /** Per module and tenant, the soonest first (at most `cap` rows; `total` counts them all). */
  byModuleTenant: ForecastEntry[];
  totalGroups: number;
}

/**
 * A forecast's counts as plain JSON: what the SQL engine's aggregates give
 * (lib/sql/insightsSql.ts) and what a partition hands the reduce. Sums of records
 * and bytes are exact, as decimal text (they may pass 2^53).
 */
export interface ForecastCounts {
  items: number;
  records: string;
  bytes: string;
  /** Every group, in the order its first finding was read (ForecastTally's insertion order). */
  groups: ForecastGroupCounts[];
}

export interface ForecastGroupCounts {
  module: string;
  tenantId: string;
  items: number;
  records: string;
  bytes: string;
  /** The first deadline in the window. */
  firstDeadline: string;
}

/**
 * The deletion forecast: data not yet in violation whose deadline falls within
 * `days` after the capture, the DPO's to-do list before the auditor arrives.
 * Records and bytes are exact sums (lib/engine/exactCount.ts), rounded once.
 *
 * @example
 * const forecast = new ForecastTally(30);
 * forecast.add(finding);
 * forecast.result(capturedMs).byModuleTenant // soonest first
 */
export class ForecastTally {
  /** By module and tenant, in the order first added (which breaks ties in `result`'s sort). */
  private readonly groups = new Map<string, ForecastEntry>();
  private readonly totals = { items: 0, records: 0, bytes: 0 };

  constructor(
    readonly days: number,
    private readonly cap = 500,
  ) {}

  /** A tally made elsewhere (the SQL engine's: lib/sql/insightsSql.ts), its groups in the order first added. */
  static of(days: number, counts: ForecastCounts): ForecastTally {
    const tally = new ForecastTally(days);
    tally.absorb(counts);
    return tally;
  }

  add(finding: Finding): void {
    if (finding.deadline === null || finding.capturedAt === null) return;
    if (finding.verdict !== 'due-soon' && finding.verdict !== 'compliant') return;
    const deadline = Date.parse(finding.deadline);
    const captured = Date.parse(finding.capturedAt);
    if (deadline < captured || deadline > captured + this.days * DAY_MS) return;
    const records = finding.recordCount ?? 0;
    const bytes = finding.bytes ?? 0;
    this.totals.items += 1;
    addCount(this.totals, 'records', records);
    addCount(this.totals, 'bytes', bytes);
    const key = groupKey(finding.module, finding.tenantId);
    const group = this.groups.get(key);
    if (group) {
      group.items += 1;
      addCount(group, 'records', records);
      addCount(group, 'bytes', bytes);
      if (finding.deadline < group.firstDeadline) group.firstDeadline = finding.deadline;
    } else {
      const entry = { module: finding.module ?? '(unknown)', tenantId: finding.tenantId ?? '(unknown)', items: 1, records: 0, bytes: 0, firstDeadline: finding.deadline };
      addCount(entry, 'records', records);
      addCount(entry, 'bytes', bytes);
      this.groups.set(key, entry);
    }
  }

  /**
   * The counts so far as plain JSON, every group in the order first added.
   *
   * @example
   * JSON.stringify(forecast.toCounts()) // '{"items":1,"records":"10","bytes":"1000","groups":[…]}'
   */
  toCounts(): ForecastCounts {
    const exact = (owner: { records: number; bytes: number }) => ({ records: exactCount(owner, 'records').toString(), bytes: exactCount(owner, 'bytes').toString() });
    return {
      items: this.totals.items,
      ...exact(this.totals),
      groups: [...this.groups.values()].map((group) => ({ module: group.module, tenantId: group.tenantId, items: group.items, ...exact(group), firstDeadline: group.firstDeadline })),
    };
  }

  /**
   * Adds counts made elsewhere (a later partition, the SQL engine): sums add, a
   * group's first deadline is the earlier, groups new here come after those known.
   *
   * @example
   * whole.absorb(part.toCounts())
   */
  absorb(counts: ForecastCounts): void {
    this.totals.items += counts.items;
    addExactCount(this.totals, 'records', counts.records);
    addExactCount(this.totals, 'bytes', counts.bytes);
    for (const counted of counts.groups) {
      const key = groupKey(counted.module, counted.tenantId);
      let group = this.groups.get(key);
      if (!group) this.groups.set(key, (group = { module: counted.module, tenantId: counted.tenantId, items: 0, records: 0, bytes: 0, firstDeadline: counted.firstDeadline }));
      group.items += counted.items;
      addExactCount(group, 'records', counted.records);
      addExactCount(group, 'bytes', counted.bytes);
      if (counted.firstDeadline < group.firstDeadline) group.firstDeadline = counted.firstDeadline;
    }
  }

  result(capturedAtMs: number): Forecast {
    const rows = [...this.groups.values()].sort((a, b) => a.firstDeadline.localeCompare(b.firstDeadline) || b.records - a.records);
    return {
      days: this.days,
      until: new Date(capturedAtMs + this.days * DAY_MS).toISOString(),
      items: this.totals.items,
      records: this.totals.records,
      bytes: this.totals.bytes,
      byModuleTenant: rows.slice(0, this.cap).map((row) => ({ ...row })),
      totalGroups: rows.length,
    };
  }
}

/**
 * A forecast group's key. Findings in the window are valid, so their module and
 * tenant are strings (the '(unknown)' of a group is never met there).
 */
function groupKey(module: string | null, tenantId: string | null): string {
  return `${module ?? '(unknown)'}\u0001${tenantId ?? '(unknown)'}`;
}

/**
 * Whether the snapshot is too old to prove today's state.
 *
 * @example
 * staleness('2026-11-20T00:00:00Z', '2026-11-23T00:00:00Z', 48) // { stale: true, ageHours: 72, thresholdHours: 48, … }
 */
export function staleness(capturedAt: string | null, auditedAt: string, thresholdHours: number) {
  const ageMs = capturedAt === null ? null : Date.parse(auditedAt) - Date.parse(capturedAt);
  // Decided on the exact age; rounded only for people to read.
  const stale = ageMs === null || ageMs > thresholdHours * 3_600_000;
  return { stale, capturedAt, ageHours: ageMs === null ? null : Math.round((ageMs / 3_600_000) * 10) / 10, thresholdHours };
}
