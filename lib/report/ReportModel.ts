import { addCount } from '../engine/exactCount';
import type { Forecast, WaiverUsage } from '../engine/insights';
import type { staleness } from '../engine/insights';
import type { Finding, Severity, Verdict } from '../model';
import { SEVERITIES, VERDICTS } from '../model';
import type { TrendPoint } from './trend';

/** 1.1 adds fingerprints, statuses, changes, resolved findings, waivers, holds, forecast, staleness; 1.0 fields are unchanged. */
export const SCHEMA_VERSION = '1.1';

export const TRIGGERS = ['cli', 'schedule', 'http'] as const;
export type Trigger = (typeof TRIGGERS)[number];

export interface RunInfo {
  id: string;
  trigger: Trigger;
  startedAt: string;
  finishedAt: string;
  snapshotId: string | null;
  /** When the snapshot was captured (its newest `capturedAt`). */
  snapshotCapturedAt: string | null;
  catalogVersion: string;
  /** Where the inventory was read from (a file path or a table name). */
  source: string;
  graceDays: number;
  /** Runs of the same scope are compared with each other (a table name, or --scope). */
  scope?: string;
  /** Order-independent digest of the snapshot's items (SnapshotDigest). */
  snapshotSha256?: string;
}

/** A violation of the previous completed run that is gone now. */
export interface ResolvedFinding {
  fingerprint: string;
  itemId: string | null;
  tenantId: string | null;
  module: string | null;
  dataCategory: string | null;
  resource: string | null;
  previousVerdict: Verdict;
  status: 'resolved';
  firstSeenAt: string;
  resolvedAt: string | null;
  daysOpen: number | null;
}

export interface Changes {
  previousRunId: string | null;
  previousCapturedAt: string | null;
  new: number;
  persisting: number;
  resolved: number;
  /** Violations that are new in this run. */
  newViolations: number;
}

export interface HoldEntry {
  itemId: string | null;
  tenantId: string | null;
  module: string | null;
  dataCategory: string | null;
  resource: string | null;
  reason: string;
}

export interface LegalHolds {
  active: number;
  activeList: HoldEntry[];
  ended: number;
  endedList: HoldEntry[];
}

export interface ModuleTally {
  items: number;
  violations: number;
  dueSoon: number;
}

export interface Summary {
  items: number;
  complete: boolean;
  /** Why the run is incomplete: each a sentence. */
  incompleteReasons: string[];
  warnings: string[];
  byVerdict: Record<Verdict, number>;
  bySeverity: Record<Severity, number>;
  /** Violations that involve special-category data (health, biometric). */
  specialCategoryViolations: number;
  /** The exact sum rounded once to a Number (lib/engine/exactCount.ts keeps it exact beyond 2^53). */
  recordsPastDeadline: number;
  /** The exact sum rounded once to a Number, as recordsPastDeadline. */
  bytesPastDeadline: number;
  byModule: Record<string, ModuleTally>;
}

/**
 * One of a run's most serious findings (lib/report/MostSeriousCollector.ts says which
 * and in what order): what the DPO's digest lists so that they can act from the mail
 * alone. Not part of the JSON report, whose findings hold every one of them.
 */
export interface SeriousFinding {
  itemId: string | null;
  verdict: 'violation' | 'due-soon';
  severity: Severity;
  tenantId: string | null;
  module: string | null;
  dataCategory: string | null;
  /** Where the data is (the store's resource), when known. */
  resource: string | null;
  /** The special category (health, biometric), or null. */
  specialCategory: string | null;
  deadline: string | null;
  /** Days past the deadline (violations with a deadline; null otherwise). */
  overdueDays: number | null;
  /** The clause broken or due: its document and its words. */
  clause: { source: string; text: string } | null;
}

/** Everything of a report but its findings (and resolved findings), which stream. */
export interface ReportHead {
  schemaVersion: string;
  run: RunInfo;
  summary: Summary;
  /** Null when the run keeps no history. */
  changes?: Changes | null;
  waivers?: WaiverUsage[];
  legalHolds?: LegalHolds;
  forecast?: Forecast;
  stale?: ReturnType<typeof staleness>;
  /**
   * Open, new and resolved violations over the scope's last runs, oldest first,
   * ending with this run (lib/report/trend.ts). Absent when the run keeps no
   * history; with history it holds at least this run's point.
   */
  trend?: TrendPoint[];
}

export function emptySummary(): Summary {
  return {
    items: 0,
    complete: true,
    incompleteReasons: [],
    warnings: [],
    byVerdict: Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>,
    bySeverity: Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>,
    specialCategoryViolations: 0,
    recordsPastDeadline: 0,
    bytesPastDeadline: 0,
    // Keyed by module ids from the inventory: no prototype, so a module named __proto__ is just a module.
    byModule: Object.create(null) as Record<string, ModuleTally>,
  };
}

/**
 * Counts one finding into the summary (mutates `summary`, which the run owns);
 * `sign` -1 takes a finding back out (a finding the run later corrects). Records
 * and bytes past deadline are exact sums, rounded once to a Number.
 *
 * @example
 * const summary = emptySummary();
 * tally(summary, violation); // summary.byVerdict.violation === 1
 * tally(summary, violation, -1); // back to 0
 */
export function tally(summary: Summary, finding: Finding, sign: 1 | -1 = 1): void {
  summary.items += sign;
  summary.byVerdict[finding.verdict] += sign;
  summary.bySeverity[finding.severity] += sign;
  if (finding.verdict === 'violation') {
    if (finding.specialCategory) summary.specialCategoryViolations += sign;
    // Exact sums (lib/engine/exactCount.ts): the same whatever the order, or the partitions, they were counted in.
    addCount(summary, 'recordsPastDeadline', sign * (finding.recordCount ?? 0));
    addCount(summary, 'bytesPastDeadline', sign * (finding.bytes ?? 0));
  }
  const moduleId = finding.module ?? '(unknown)';
  const row = (summary.byModule[moduleId] ??= { items: 0, violations: 0, dueSoon: 0 });
  row.items += sign;
  if (finding.verdict === 'violation') row.violations += sign;
  if (finding.verdict === 'due-soon') row.dueSoon += sign;
}
