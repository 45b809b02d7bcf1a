/**
 * What the map phase counts while findings stream past: the summary, the
 * snapshot's ids and capture time, the active legal holds, the deletion
 * forecast and the waivers' usage. It is the run's partial summary: the
 * reference engine adds finding by finding, the SQL engine hands over the
 * same counts as DuckDB aggregates (adoptSql). Kept apart from the loop that
 * feeds it so that the counting rules read in one place, and so that a
 * partitioned run can keep one per partition and merge them (issue 12,
 * docs/design/partitioned-run.md §3): `toPartial` gives a partition's counts
 * as plain JSON, `absorb` adds them, in partition order, into the reduce's tally.
 */
import { addExactCount, exactCount, setExactCount } from '../../engine/exactCount';
import type { RunAuditOptions } from '../runAudit';
import type { AuditPlan } from './planAudit';
import { ForecastTally, WaiverTally, type ForecastCounts, type WaiverCounts } from '../../engine/insights';
import type { CompiledWaiver } from '../../engine/waivers';
import type { OpenedSnapshot } from '../../inventory/InventorySource';
import type { Finding, InventoryItem, Severity, Verdict } from '../../model';
import { emptySummary, tally, type HoldEntry, type LegalHolds, type ModuleTally, type Summary } from '../../report/ReportModel';
import type { SqlTallies, TallyOptions } from '../../sql/sqlEngine';
import { parseInstant } from '../../time';

/** Active and ended legal holds listed by name in the report (the rest are counted). */
export const HOLD_LIST_CAP = 200;
/** Snapshot ids named in the warning about a mixed inventory. */
export const OTHER_SNAPSHOTS_SHOWN = 5;
/** Other snapshot ids kept: those the warning names, and one more to tell that there are more. */
export const OTHER_SNAPSHOTS_KEPT = OTHER_SNAPSHOTS_SHOWN + 1;

/**
 * A tally's counts as plain JSON (they travel in S3 objects and Lambda payloads):
 * everything it counted of its slice of the findings but the source's warnings and
 * gaps, which the reduce owns. Lists keep the order first read, so that absorbing
 * the partitions' partials in partition order gives the whole run's order.
 */
export interface PartialTally {
  /** Findings counted. */
  items: number;
  summary: PartialSummary;
  /** The tally's snapshot id: the source's, else its first finding's; null when none. */
  snapshotId: string | null;
  /** The first OTHER_SNAPSHOTS_KEPT other snapshot ids, in the order first read. */
  otherSnapshots: string[];
  /** The latest capture time (SnapshotTally.capturedMaxMs), ms; null for none. */
  capturedMaxMs: number | null;
  /** Active holds: how many, and the first HOLD_LIST_CAP in the order read. */
  holds: { active: number; activeList: HoldEntry[] };
  /** Every group, in the order first added; sums as exact decimal text. */
  forecast: ForecastCounts;
  /** By waiver, in the order of the run's waivers. */
  waivers: WaiverCounts[];
}

/** The summary's counts (not its warnings, reasons or `complete`); sums as exact decimal text. */
export interface PartialSummary {
  items: number;
  byVerdict: Record<Verdict, number>;
  bySeverity: Record<Severity, number>;
  specialCategoryViolations: number;
  recordsPastDeadline: string;
  bytesPastDeadline: string;
  /** Modules as [id, counts], in the summary's key order: explicit in JSON, whatever the ids. */
  byModule: [string, ModuleTally][];
}

export interface SnapshotTallyOptions {
  waivers: readonly CompiledWaiver[];
  /** Days of the deletion forecast. */
  forecastDays: number;
  /** The capture time the source states (AuditPlan.run.snapshotCapturedAt): the latest capture time starts there. */
  statedCapturedAt: string | null;
}

/**
 * Counts a run's findings into everything its report head says about them.
 *
 * @example
 * const counts = new SnapshotTally(opened, { waivers: [], forecastDays: 30, statedCapturedAt: null });
 * counts.add(finding);
 * counts.summary.byVerdict.violation // 1 if it was a violation
 */
export class SnapshotTally {
  /** Starts with the source's own warnings and known gaps; `complete` is decided by assembleHead. */
  readonly summary: Summary = emptySummary();
  /** Findings counted (repeated itemIds included: they are marked when the reports are written). */
  items = 0;
  /** The run's snapshot: the one the source named, else the first finding's. */
  snapshotId: string | null;
  /** Other snapshot ids met, in the order first read: the first OTHER_SNAPSHOTS_KEPT, as many as the warning needs. */
  readonly otherSnapshots = new Set<string>();
  /** The latest capture time of a valid finding (or the stated one), ms; -Infinity when none. */
  capturedMaxMs: number;
  /** Active holds (ended holds are the history diff's: lib/audit/phases/diffWithHistory.ts). */
  readonly holds: LegalHolds = { active: 0, activeList: [], ended: 0, endedList: [] };
  forecast: ForecastTally;
  waivers: WaiverTally;

  constructor(
    opened: Pick<OpenedSnapshot, 'snapshotId' | 'warnings' | 'incompleteReasons'>,
    private readonly options: SnapshotTallyOptions,
  ) {
    this.summary.warnings.push(...opened.warnings);
    this.summary.incompleteReasons.push(...opened.incompleteReasons);
    this.snapshotId = opened.snapshotId;
    this.capturedMaxMs = options.statedCapturedAt ? Date.parse(options.statedCapturedAt) : Number.NEGATIVE_INFINITY;
    this.forecast = new ForecastTally(options.forecastDays);
    this.waivers = new WaiverTally(options.waivers);
  }

  /** A part of the snapshot that could not be read: the run is incomplete, and says why. */
  gap(reason: string): void {
    this.summary.incompleteReasons.push(`Part of the snapshot could not be read: ${reason}`);
  }

  /** Counts one finding (the reference engine). */
  add(finding: Finding): void {
    this.items += 1;
    if (finding.verdict !== 'invalid') this.waivers.add(factsOf(finding), finding);
    if (finding.snapshotId !== null) this.meetSnapshot(finding.snapshotId);
    if (finding.capturedAt !== null && finding.verdict !== 'invalid') {
      const ms = parseInstant(finding.capturedAt);
      if (ms > this.capturedMaxMs) this.capturedMaxMs = ms;
    }
    if (finding.verdict === 'exempt') {
      this.holds.active += 1;
      if (this.holds.activeList.length < HOLD_LIST_CAP) this.holds.activeList.push(holdOf(finding));
    }
    this.forecast.add(finding);
    tally(this.summary, finding);
  }

  private meetSnapshot(snapshotId: string): void {
    if (this.snapshotId === null) this.snapshotId = snapshotId;
    else if (snapshotId !== this.snapshotId && this.otherSnapshots.size < OTHER_SNAPSHOTS_KEPT) this.otherSnapshots.add(snapshotId);
  }

  /** What the SQL engine must count for this tally (SqlEngine.tallies). */
  sqlOptions(): TallyOptions {
    return { runSnapshotId: this.snapshotId, otherSnapshotsLimit: OTHER_SNAPSHOTS_KEPT, holdListCap: HOLD_LIST_CAP, forecastDays: this.options.forecastDays };
  }

  /**
   * Takes the SQL engine's counts of all the findings (the same tallies, from DuckDB's
   * aggregates) in place of counting them one by one; the source's warnings and gaps stay.
   */
  adoptSql(counted: SqlTallies): void {
    const { incompleteReasons, warnings, complete } = this.summary;
    Object.assign(this.summary, counted.summary, { incompleteReasons, warnings, complete });
    // The exact sums beyond 2^53 stay beside the SQL engine's summary object: moved on here.
    for (const key of SUMS) setExactCount(this.summary, key, exactCount(counted.summary, key));
    this.items = counted.summary.items;
    this.snapshotId ??= counted.snapshot.firstSnapshotId;
    for (const id of counted.snapshot.otherSnapshotIds) this.meetSnapshot(id);
    if (counted.snapshot.capturedMaxMs !== null && counted.snapshot.capturedMaxMs > this.capturedMaxMs) this.capturedMaxMs = counted.snapshot.capturedMaxMs;
    Object.assign(this.holds, counted.holds);
    this.forecast = ForecastTally.of(this.options.forecastDays, counted.forecast);
    this.waivers = new WaiverTally(this.options.waivers, counted.waivers);
  }

  /**
   * Everything this tally counted, as plain JSON (a partition's part of the run:
   * docs/design/partitioned-run.md §3); the same whichever engine counted.
   *
   * @example
   * const partial = JSON.parse(JSON.stringify(counts.toPartial())); // travels to the reduce
   * reduced.absorb(partial);
   */
  toPartial(): PartialTally {
    const { summary } = this;
    return {
      items: this.items,
      summary: {
        items: summary.items,
        byVerdict: { ...summary.byVerdict },
        bySeverity: { ...summary.bySeverity },
        specialCategoryViolations: summary.specialCategoryViolations,
        recordsPastDeadline: exactCount(summary, 'recordsPastDeadline').toString(),
        bytesPastDeadline: exactCount(summary, 'bytesPastDeadline').toString(),
        byModule: Object.entries(summary.byModule).map(([moduleId, row]) => [moduleId, { ...row }]),
      },
      snapshotId: this.snapshotId,
      otherSnapshots: [...this.otherSnapshots].slice(0, OTHER_SNAPSHOTS_KEPT),
      // -Infinity (nothing captured) is no JSON number.
      capturedMaxMs: Number.isFinite(this.capturedMaxMs) ? this.capturedMaxMs : null,
      holds: { active: this.holds.active, activeList: this.holds.activeList.slice(0, HOLD_LIST_CAP).map((hold) => ({ ...hold })) },
      forecast: this.forecast.toCounts(),
      waivers: this.waivers.toCounts(),
    };
  }

  /**
   * Adds a partial (toPartial) into this tally. Absorbed in partition order into a
   * tally of the same source and options, the partitions' partials give exactly
   * what one tally of all the findings gives: sums add, the first-read orders
   * (modules, snapshot ids, holds, forecast groups) follow one another.
   *
   * @example
   * const reduced = new SnapshotTally(opened, options);
   * for (const partial of partials) reduced.absorb(partial); // partition 0 first
   */
  absorb(partial: PartialTally): void {
    this.items += partial.items;
    absorbSummary(this.summary, partial.summary);
    // A partition's own snapshot id was its first met, unless the source named it (then the run's too).
    for (const id of [partial.snapshotId, ...partial.otherSnapshots]) if (id !== null) this.meetSnapshot(id);
    if (partial.capturedMaxMs !== null && partial.capturedMaxMs > this.capturedMaxMs) this.capturedMaxMs = partial.capturedMaxMs;
    this.holds.active += partial.holds.active;
    const room = HOLD_LIST_CAP - this.holds.activeList.length;
    if (room > 0) this.holds.activeList.push(...partial.holds.activeList.slice(0, room).map((hold) => ({ ...hold })));
    this.forecast.absorb(partial.forecast);
    this.waivers.absorb(partial.waivers);
  }
}

/** The summary's exact sums. */
const SUMS = ['recordsPastDeadline', 'bytesPastDeadline'] as const;

function absorbSummary(summary: Summary, counted: PartialSummary): void {
  summary.items += counted.items;
  for (const [verdict, n] of Object.entries(counted.byVerdict)) summary.byVerdict[verdict as Verdict] += n;
  for (const [severity, n] of Object.entries(counted.bySeverity)) summary.bySeverity[severity as Severity] += n;
  summary.specialCategoryViolations += counted.specialCategoryViolations;
  for (const key of SUMS) addExactCount(summary, key, counted[key]);
  for (const [moduleId, row] of counted.byModule) {
    const own = (summary.byModule[moduleId] ??= { items: 0, violations: 0, dueSoon: 0 });
    own.items += row.items;
    own.violations += row.violations;
    own.dueSoon += row.dueSoon;
  }
}

/** The item facts a waiver matches on, as its (valid) finding repeats them. */
function factsOf(finding: Finding): InventoryItem {
  return {
    tenantId: finding.tenantId,
    module: finding.module,
    dataCategory: finding.dataCategory,
    store: finding.store,
    capturedAt: finding.capturedAt,
  } as InventoryItem;
}

function holdOf(finding: Finding): HoldEntry {
  return {
    itemId: finding.itemId,
    tenantId: finding.tenantId,
    module: finding.module,
    dataCategory: finding.dataCategory,
    resource: finding.store?.resource ?? null,
    reason: finding.reason,
  };
}

/**
 * The run's tally: its summary starts with the source's warnings and gaps, its capture time with the stated one.
 *
 * @example
 * const counts = runTally(options, plan);
 */
export function runTally(options: Pick<RunAuditOptions, 'engine' | 'forecastDays'>, plan: Pick<AuditPlan, 'snapshot' | 'run'>): SnapshotTally {
  return new SnapshotTally(plan.snapshot, { waivers: options.engine.waivers, forecastDays: options.forecastDays ?? 30, statedCapturedAt: plan.run.snapshotCapturedAt });
}
