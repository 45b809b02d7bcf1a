/**
 * The one-Lambda audit of a recorded run (the worker, the nightly function):
 * claim, evaluate, then finish as every deployed run does (completeRun). Also
 * the dependencies every deployed run shares, and the options of its audit.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAudit } from '../audit/runAudit';
import type { Catalog } from '../catalog/loadCatalog';
import type { EngineOptions } from '../engine/evaluate';
import { compileWaivers, type Waiver } from '../engine/waivers';
import type { HistoryStore } from '../history/HistoryStore';
import { DynamoInventorySource } from '../inventory/DynamoInventorySource';
import type { InventoryTable } from '../inventory/InventoryTable';
import type { Notifier } from './notifiers/Notifier';
import type { ReportStore } from './ReportStore';
import type { EngineChoice } from '../audit/engineKind';
import type { DuckOptions } from '../sql/duck';
import { auditOptions } from './auditOptions';
import { completeRun } from './completeRun';
import type { ExecutionStatusReader } from './launchers';
import type { RunMetrics } from './RunMetrics';
import type { RunRecord } from './RunRecord';
import { claimRun, RunSession } from './RunSession';
import type { RunStore } from './RunStore';

export { FAILURE_NOTICE_MS, notifyFailure } from './notifyFailure';

/** What a run needs from the world; built once per cold start and injected. */
export interface AuditDependencies {
  runs: RunStore;
  inventory: InventoryTable;
  reports: ReportStore;
  /**
   * The state machine's run files (runs/<runId>/…: plan, partitions' findings and results): the
   * run-files bucket (RUN_FILES_BUCKET), or the reports bucket's store itself when none is set.
   */
  runFiles: ReportStore;
  /** The channels a run that asks to notify delivers through (NOTIFY_CHANNELS), built once: lib/delivery/notifiers. */
  notifiers: Notifier[];
  catalog: Catalog;
  engine: EngineOptions;
  /** Loads the waivers in force (from the bucket or a file); none when absent. */
  waivers: () => Promise<Waiver[]>;
  history: HistoryStore;
  forecastDays: number;
  /** Runs the trend shows, this one included. */
  trendRuns: number;
  staleAfterHours: number;
  /** The command that downloads a run's reports with the reader's own credentials (in every digest). */
  fetchCommand: (runId: string) => string;
  pdfRowsPerModule: number;
  /** Which engine evaluates, and DuckDB's limits for the SQL engine. */
  evaluation?: { kind: EngineChoice; duck: DuckOptions };
  metrics: RunMetrics;
  log: (level: 'info' | 'warn' | 'error', message: string, data?: Record<string, unknown>) => void;
  now?: () => Date;
  /** How often a running run writes its progress to its record, in ms (default 15 s). */
  progressEveryMs?: number;
  /**
   * The state machine that runs large audits (STATE_MACHINE_ARN), when the
   * stack has one: where a run's execution is (the sweep asks), and how many
   * partitions the plan cuts a snapshot into.
   */
  stateMachine?: {
    executions: ExecutionStatusReader;
    stateMachineArn: string;
    /** The fewest partitions a run is cut into (lib/plan/partitionCount.ts adds more when a child needs it). */
    partitions: number;
    /** Partitions per Distributed Map child. */
    mapItemsPerBatch: number;
  };
}

/** When the function running the audit is stopped by Lambda, and when the audit must stop itself before that. */
export interface RunLimits {
  /** Lambda's deadline for this invocation. */
  deadlineAt: Date;
  /** The audit stops here, leaving time to record the failure and send the failure mail. */
  stopAt: Date;
}

/**
 * Runs one audit for a recorded run: claim it (queued → running, a conditional
 * write, so a second delivery of the same run does nothing), read the latest
 * (or the asked) snapshot, evaluate it, store the reports with their SHA-256,
 * deliver through every channel at once (the DPO's one digest among them),
 * and record every step in the run record. With limits, the run stops itself
 * before its function's deadline and ends `failed` (timed out, with how far it
 * got). A run that cannot finish ends `failed` with its error and one failure
 * notice per channel; a run that finished but could not read everything, or
 * could not mail the DPO its digest, ends `partial`. Another channel that
 * cannot deliver is recorded, and warned of, without changing the status.
 */
export async function executeAudit(runId: string, deps: AuditDependencies, limits?: RunLimits): Promise<RunRecord> {
  const now = deps.now ?? (() => new Date());
  const { record, claimed } = await claimRun(runId, deps, { startedAt: now().toISOString(), ...(limits ? { deadlineAt: limits.deadlineAt.toISOString() } : {}) });
  if (!claimed) return record;
  const startedAtMs = Date.now();
  const session = new RunSession(runId, deps, limits);
  const workDir = await mkdtemp(join(tmpdir(), `${runId}-`));
  try {
    deps.log('info', 'audit started', { runId, trigger: record.trigger, dryRun: record.request.dryRun });
    const result = await runAudit({
      ...auditOptions(record, deps, session, workDir),
      source: new DynamoInventorySource(deps.inventory, { snapshotId: record.request.snapshotId, mode: 'auto', segments: 4 }),
      engine: { ...deps.engine, waivers: compileWaivers(await deps.waivers()) },
    });
    return await completeRun({ session, record, result, startedAtMs }, deps);
  } catch (thrown) {
    throw await session.fail(thrown);
  } finally {
    session.close();
    await rm(workDir, { recursive: true, force: true });
  }
}

