import type { Finding } from '../model';
import { DAY_MS } from '../time';
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

/** Tallies, item by item, which waivers match (to report expired and stale ones). */
export class WaiverTally {
  private readonly counts: { matched: number; covered: number; activeAgain: number }[];

  constructor(
    private readonly waivers: readonly CompiledWaiver[],
    /** Counts already made, by waiver (the SQL engine's: lib/sql/insightsSql.ts). */
    counts?: readonly { matched: number; covered: number; activeAgain: number }[],
  ) {
    this.counts = waivers.map((_, index) => ({ ...(counts?.[index] ?? { matched: 0, covered: 0, activeAgain: 0 }) }));
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
 * The deletion forecast: data not yet in violation whose deadline falls within
 * `days` after the capture, the DPO's to-do list before the auditor arrives.
 */
export class ForecastTally {
  private readonly groups = new Map<string, ForecastEntry>();
  private items = 0;
  private records = 0;
  private bytes = 0;

  constructor(
    readonly days: number,
    private readonly cap = 500,
  ) {}

  /** A tally made elsewhere (the SQL engine's: lib/sql/insightsSql.ts), its groups in the order first added. */
  static of(days: number, counts: { items: number; records: number; bytes: number; groups: readonly ForecastEntry[] }): ForecastTally {
    const tally = new ForecastTally(days);
    tally.items = counts.items;
    tally.records = counts.records;
    tally.bytes = counts.bytes;
    for (const group of counts.groups) tally.groups.set(`${group.module}\u0001${group.tenantId}`, { ...group });
    return tally;
  }

  add(finding: Finding): void {
    if (finding.deadline === null || finding.capturedAt === null) return;
    if (finding.verdict !== 'due-soon' && finding.verdict !== 'compliant') return;
    const deadline = Date.parse(finding.deadline);
    const captured = Date.parse(finding.capturedAt);
    if (deadline < captured || deadline > captured + this.days * DAY_MS) return;
    this.items += 1;
    this.records += finding.recordCount ?? 0;
    this.bytes += finding.bytes ?? 0;
    const key = `${finding.module}\u0001${finding.tenantId}`;
    const group = this.groups.get(key);
    if (group) {
      group.items += 1;
      group.records += finding.recordCount ?? 0;
      group.bytes += finding.bytes ?? 0;
      if (finding.deadline < group.firstDeadline) group.firstDeadline = finding.deadline;
    } else {
      this.groups.set(key, {
        module: finding.module ?? '(unknown)',
        tenantId: finding.tenantId ?? '(unknown)',
        items: 1,
        records: finding.recordCount ?? 0,
        bytes: finding.bytes ?? 0,
        firstDeadline: finding.deadline,
      });
    }
  }

  result(capturedAtMs: number): Forecast {
    const rows = [...this.groups.values()].sort((a, b) => a.firstDeadline.localeCompare(b.firstDeadline) || b.records - a.records);
    return {
      days: this.days,
      until: new Date(capturedAtMs + this.days * DAY_MS).toISOString(),
      items: this.items,
      records: this.records,
      bytes: this.bytes,
      byModuleTenant: rows.slice(0, this.cap),
      totalGroups: rows.length,
    };
  }
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
