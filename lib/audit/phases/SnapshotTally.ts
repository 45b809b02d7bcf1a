/**
 * What the map phase counts while findings stream past: the summary, the
 * snapshot's ids and capture time, the active legal holds, the deletion
 * forecast and the waivers' usage. It is the run's partial summary: the
 * reference engine adds finding by finding, the SQL engine hands over the
 * same counts as DuckDB aggregates (adoptSql). Kept apart from the loop that
 * feeds it so that the counting rules read in one place, and so that a
 * partitioned run can keep one per partition and merge them (issue 12).
 */
import { ForecastTally, WaiverTally } from '../../engine/insights';
import type { CompiledWaiver } from '../../engine/waivers';
import type { OpenedSnapshot } from '../../inventory/InventorySource';
import type { Finding, InventoryItem } from '../../model';
import { emptySummary, tally, type HoldEntry, type LegalHolds, type Summary } from '../../report/ReportModel';
import type { SqlTallies, TallyOptions } from '../../sql/sqlEngine';
import { parseInstant } from '../../time';

/** Active and ended legal holds listed by name in the report (the rest are counted). */
export const HOLD_LIST_CAP = 200;
/** Snapshot ids named in the warning about a mixed inventory. */
export const OTHER_SNAPSHOTS_SHOWN = 5;

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
  /** Other snapshot ids met, in the order first read. */
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
    if (finding.snapshotId !== null) {
      if (this.snapshotId === null) this.snapshotId = finding.snapshotId;
      else if (finding.snapshotId !== this.snapshotId) this.otherSnapshots.add(finding.snapshotId);
    }
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

  /** What the SQL engine must count for this tally (SqlEngine.tallies). */
  sqlOptions(): TallyOptions {
    return { runSnapshotId: this.snapshotId, otherSnapshotsLimit: OTHER_SNAPSHOTS_SHOWN + 1, holdListCap: HOLD_LIST_CAP, forecastDays: this.options.forecastDays };
  }

  /**
   * Takes the SQL engine's counts of all the findings (the same tallies, from DuckDB's
   * aggregates) in place of counting them one by one; the source's warnings and gaps stay.
   */
  adoptSql(counted: SqlTallies): void {
    const { incompleteReasons, warnings, complete } = this.summary;
    Object.assign(this.summary, counted.summary, { incompleteReasons, warnings, complete });
    this.items = counted.summary.items;
    this.snapshotId ??= counted.snapshot.firstSnapshotId;
    for (const id of counted.snapshot.otherSnapshotIds) this.otherSnapshots.add(id);
    if (counted.snapshot.capturedMaxMs !== null && counted.snapshot.capturedMaxMs > this.capturedMaxMs) this.capturedMaxMs = counted.snapshot.capturedMaxMs;
    Object.assign(this.holds, counted.holds);
    this.forecast = ForecastTally.of(this.options.forecastDays, counted.forecast);
    this.waivers = new WaiverTally(this.options.waivers, counted.waivers);
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
