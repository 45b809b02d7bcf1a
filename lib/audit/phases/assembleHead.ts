/**
 * The reduce phase's first step: the report head from the map phase's counts.
 * It settles what only all the findings together decide — the run's snapshot
 * id and capture time, whether the run is complete, the waivers' status and
 * the forecast as of the capture time, staleness — and words the warnings
 * about them. Pure but for the summary, which it completes in place (the
 * reports correct that same summary later, for repeated itemIds).
 */
import { staleness } from '../../engine/insights';
import type { OpenedSnapshot } from '../../inventory/InventorySource';
import { SCHEMA_VERSION, type ReportHead, type RunInfo } from '../../report/ReportModel';
import { OTHER_SNAPSHOTS_SHOWN, type SnapshotTally } from './SnapshotTally';

export interface AssembleHeadInput {
  /** The run as planned (AuditPlan.run). */
  run: Readonly<RunInfo>;
  counts: SnapshotTally;
  /** How many items the source said the snapshot holds (a manifest), or null. */
  expectedItems: OpenedSnapshot['expectedItems'];
  /** The snapshot digest (lib/engine/snapshotDigest.ts), kept with history only. */
  snapshotSha256?: string;
  /** A snapshot captured longer ago than this, in hours, is stale. */
  staleAfterHours: number;
}

/**
 * The head of the run's reports, as far as evaluation decides it: `changes` null
 * and no `trend` (the history diff adds them); `run.finishedAt` still the start.
 *
 * @example
 * const head = assembleHead({ run: plan.run, counts, expectedItems: null, staleAfterHours: 48 });
 * head.summary.complete // false if a part of the snapshot could not be read
 */
export function assembleHead(input: AssembleHeadInput): ReportHead {
  const { counts } = input;
  const { summary } = counts;
  const snapshotId = counts.snapshotId;
  if (counts.otherSnapshots.size > 0) {
    const others = [...counts.otherSnapshots];
    summary.warnings.push(
      `The inventory mixes snapshots: besides ${snapshotId} it holds ${others.slice(0, OTHER_SNAPSHOTS_SHOWN).join(', ')}${others.length > OTHER_SNAPSHOTS_SHOWN ? ' and more' : ''}; choose one with --snapshot.`,
    );
  }
  if (input.expectedItems !== null && counts.items < input.expectedItems && summary.incompleteReasons.length === 0) {
    summary.incompleteReasons.push(`Read ${counts.items} items but the snapshot manifest lists ${input.expectedItems}.`);
  }
  summary.complete = summary.incompleteReasons.length === 0;
  const capturedMax = counts.capturedMaxMs;
  const run: RunInfo = {
    ...input.run,
    snapshotId,
    snapshotCapturedAt: Number.isFinite(capturedMax) ? new Date(capturedMax).toISOString() : null,
    ...(input.snapshotSha256 !== undefined ? { snapshotSha256: input.snapshotSha256 } : {}),
  };
  const capturedMs = Number.isFinite(capturedMax) ? capturedMax : Date.parse(run.startedAt);
  const stale = staleness(run.snapshotCapturedAt, run.startedAt, input.staleAfterHours);
  const head: ReportHead = {
    schemaVersion: SCHEMA_VERSION,
    run,
    summary,
    changes: null,
    waivers: counts.waivers.usage(capturedMs),
    legalHolds: counts.holds,
    forecast: counts.forecast.result(capturedMs),
    stale,
  };
  if (stale.stale) {
    summary.warnings.push(
      run.snapshotCapturedAt
        ? `The snapshot was captured ${stale.ageHours} hours before the audit (more than ${stale.thresholdHours}): it cannot prove today's state.`
        : "The snapshot has no capture time: it cannot prove today's state.",
    );
  }
  return head;
}
