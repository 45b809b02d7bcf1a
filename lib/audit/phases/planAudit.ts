/**
 * The plan phase of an audit: everything decided before the first item is read.
 * It checks the options, names the run, opens the source (which chooses the
 * snapshot and says whether its items arrive in itemId order) and fixes the
 * bound on capture times. A module of its own so that a partitioned run plans
 * once and hands the same plan to every map step.
 */
import { mkdir } from 'node:fs/promises';
import type { EngineOptions } from '../../engine/evaluate';
import { DEFAULTS } from '../../defaults';
import { UsageError } from '../../errors';
import type { OpenedSnapshot } from '../../inventory/InventorySource';
import type { RunInfo } from '../../report/ReportModel';
import { parseTimestamp } from '../../time';
import { newRunId } from '../newRunId';
import type { RunAuditOptions } from '../runAudit';

export type PlanAuditOptions = Pick<RunAuditOptions, 'source' | 'catalog' | 'engine' | 'formats' | 'outDir' | 'trigger' | 'runId' | 'history' | 'trendRuns' | 'now' | 'startedAt'>;

/** What every later phase of the run needs to know before reading an item. */
export interface AuditPlan {
  runId: string;
  startedAt: Date;
  /** The snapshot the source opened: its id, stated capture time and size, and whether it reads in itemId order. */
  snapshot: OpenedSnapshot;
  /** The engine options with the capture-time bound filled in: a later capture time is invalid. */
  engine: EngineOptions;
  /** Runs the trend shows, this one included. */
  trendRuns: number;
  /**
   * The run as known before reading: snapshot id and capture time as the source
   * states them (both settled by the findings later, lib/audit/phases/assembleHead.ts).
   */
  run: Readonly<RunInfo>;
}

/**
 * Plans a run: refuses options that cannot work, opens the source and creates
 * the output folder. Throws a UsageError naming the option at fault.
 *
 * @example
 * const plan = await planAudit({ source, catalog, engine, formats: ['json'], outDir: 'reports', trigger: 'cli' });
 * plan.snapshot.ordered // true for a DynamoDB Query, false for a file
 */
export async function planAudit(options: PlanAuditOptions): Promise<AuditPlan> {
  const startedAt = options.startedAt ?? (options.now ?? (() => new Date()))();
  const runId = options.runId ?? newRunId(startedAt);
  if (options.formats.length === 0) throw new UsageError('Choose at least one report format.');
  const trendRuns = options.trendRuns ?? DEFAULTS.trendRuns;
  if (!Number.isSafeInteger(trendRuns) || trendRuns < 1) throw new UsageError(`The trend shows at least one run: trendRuns ${trendRuns} is not a whole number of 1 or more.`);
  const snapshot = await options.source.open();
  await mkdir(options.outDir, { recursive: true });
  // A capture time later than the audit's start (plus clock skew) is invalid: it never decides "latest" or staleness.
  const capturedNotAfterMs = options.engine.capturedNotAfterMs ?? startedAt.getTime() + DEFAULTS.maxCaptureSkewMinutes * 60_000;
  const run: RunInfo = {
    id: runId,
    trigger: options.trigger,
    startedAt: startedAt.toISOString(),
    finishedAt: startedAt.toISOString(),
    snapshotId: snapshot.snapshotId,
    snapshotCapturedAt: statedCapturedAt(snapshot.capturedAt, capturedNotAfterMs),
    catalogVersion: options.catalog.version,
    source: options.source.describe(),
    graceDays: options.engine.graceDays,
    ...(options.history ? { scope: options.history.scope } : {}),
  };
  return { runId, startedAt, snapshot, engine: { ...options.engine, capturedNotAfterMs }, trendRuns, run };
}

/**
 * The capture time a source states (a manifest), unless it is not a usable time or lies after the bound.
 *
 * @example
 * statedCapturedAt('2026-11-20T02:00:00Z', Date.parse('2026-11-21T00:00:00Z')) // '2026-11-20T02:00:00.000Z'
 * statedCapturedAt('2027-01-01T00:00:00Z', Date.parse('2026-11-21T00:00:00Z')) // null
 */
export function statedCapturedAt(stated: string | null, notAfterMs: number): string | null {
  const ms = parseTimestamp(stated);
  return ms === null || ms > notAfterMs ? null : new Date(ms).toISOString();
}
