import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commitHistory, runAudit } from '../audit/runAudit';
import type { Catalog } from '../catalog/loadCatalog';
import type { EngineOptions } from '../engine/evaluate';
import { compileWaivers, type Waiver } from '../engine/waivers';
import { TimedOutError } from '../errors';
import type { HistoryStore } from '../history/HistoryStore';
import { DynamoInventorySource } from '../inventory/DynamoInventorySource';
import type { InventoryTable } from '../inventory/InventoryTable';
import { reportFormats, type FormatId } from '../report/formats/reportFormats';
import { emailOutcomeOf } from './notifiers/emailNotifier';
import { CHANNEL_TITLES, type ChannelOutcome, type FinishedRun, type Notifier } from './notifiers/Notifier';
import { notificationFigures, notifyAll } from './notifiers/notifyAll';
import type { ReportStore } from './ReportStore';
import type { EngineKind } from '../audit/engineKind';
import type { DuckOptions } from '../sql/duck';
import type { RunMetricName, RunMetrics } from './RunMetrics';
import { describeProgress, runFacts, type RunProgress, type RunRecord, type StoredReport } from './RunRecord';
import type { RunPatch, RunStore } from './RunStore';

/** What a run needs from the world; built once per cold start and injected. */
export interface AuditDependencies {
  runs: RunStore;
  inventory: InventoryTable;
  reports: ReportStore;
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
  evaluation?: { kind: EngineKind; duck: DuckOptions };
  metrics: RunMetrics;
  log: (level: 'info' | 'warn' | 'error', message: string, data?: Record<string, unknown>) => void;
  now?: () => Date;
  /** How often a running run writes its progress to its record, in ms (default 15 s). */
  progressEveryMs?: number;
}

/** When the function running the audit is stopped by Lambda, and when the audit must stop itself before that. */
export interface RunLimits {
  /** Lambda's deadline for this invocation. */
  deadlineAt: Date;
  /** The audit stops here, leaving time to record the failure and send the failure mail. */
  stopAt: Date;
}

/** Report object keys: by date, then run, so a bucket lifecycle rule and a human can both find them. */
export function reportKey(runId: string, createdAt: string, extension: string): string {
  return `reports/${createdAt.slice(0, 4)}/${createdAt.slice(5, 7)}/${runId}.${extension}`;
}

/** What the channels delivered, as the run record keeps it: `email` mirrors the e-mail channel for older readers. */
function deliveryPatch(notifications: ChannelOutcome[]): { notifications: ChannelOutcome[]; email?: RunRecord['email'] } {
  const email = notifications.find((outcome) => outcome.channel === 'email');
  return { notifications, ...(email ? { email: emailOutcomeOf(email) } : {}) };
}

/** The DPO's e-mail that could not be sent, if any: the one delivery whose failure makes a run `partial`. */
const emailFailure = (notifications: readonly ChannelOutcome[]) => notifications.find((outcome) => outcome.channel === 'email' && outcome.error !== undefined);

/** A channel other than the DPO's e-mail that could not deliver: a warning of the run, which keeps its status. */
function channelWarnings(notifications: readonly ChannelOutcome[]): string[] {
  const failed = notifications.filter((outcome) => outcome.channel !== 'email' && outcome.error !== undefined);
  // The first few in words (the run record is one DynamoDB item); every one is in `notifications`.
  const shown = failed.slice(0, MAX_CHANNEL_WARNINGS).map((outcome) => `${CHANNEL_TITLES[outcome.channel]} not sent to ${outcome.to}: ${outcome.error}`);
  const more = failed.length - shown.length;
  return more > 0 ? [...shown, `…and ${more} more deliveries not sent (listed in the run's notifications).`] : shown;
}

/** Failed deliveries a run's warnings name one by one. */
const MAX_CHANNEL_WARNINGS = 10;

/**
 * The formats a notifying run writes: those asked for, and for a channel that reads
 * its findings back from a report none of which was asked for (owner digests without
 * the JSON), that report too.
 *
 * @example
 * withReadFormats(['pdf'], [ownerNotifier]) // ['pdf', 'json']
 */
export function withReadFormats(formats: readonly FormatId[], notifiers: readonly Notifier[]): FormatId[] {
  const written = [...formats];
  for (const { reads } of notifiers) if (reads && !reads.some((format) => written.includes(format))) written.push(reads.at(-1)!);
  return written;
}

/** How long a failed run's notices may take, all channels at once; a channel still busy then is recorded as not delivered. */
export const FAILURE_NOTICE_MS = 5_000;

/**
 * Tells every channel of a run that just became `failed` (the DPO's failure
 * mail, and whichever other channel announces failures), and records what each
 * did. The caller made that transition with a conditional write, so each
 * failure is told once.
 */
export async function notifyFailure(record: RunRecord, error: string, deps: Pick<AuditDependencies, 'notifiers' | 'runs' | 'metrics' | 'log'>): Promise<void> {
  // Published first: a channel that hangs until the function is stopped must not take the failure's figure with it.
  deps.metrics.publish({ RunFailed: 1 });
  if (!record.request.notify || record.request.dryRun) return;
  // Bounded: the failure handler (25 s) may tell several runs, and a chat channel retrying could outlast it.
  const notifications = await notifyAll(deps.notifiers, (notifier) => notifier.failed(record, error), { ...deps, signal: AbortSignal.timeout(FAILURE_NOTICE_MS) });
  if (notifications.length === 0) return;
  deps.metrics.publish({ ...(emailFailure(notifications) ? { DigestFailed: 1 } : {}), ...notificationFigures(notifications) });
  await deps.runs.update(record.runId, deliveryPatch(notifications));
}

/** The e-mail channel's DigestSent and DigestFailed (1 and 0, or 0 and 1); none when the run does not mail the DPO. */
function digestFigures(notifications: readonly ChannelOutcome[]): Partial<Record<RunMetricName, number>> {
  if (!notifications.some((outcome) => outcome.channel === 'email')) return {};
  const failed = emailFailure(notifications) ? 1 : 0;
  return { DigestSent: 1 - failed, DigestFailed: failed };
}

/** Delivers a finished run through every channel at once; its progress counts the channels that answered. */
async function deliver(deps: AuditDependencies, run: FinishedRun, signal: AbortSignal, setProgress: (next: Omit<RunProgress, 'at'>) => void): Promise<ChannelOutcome[]> {
  const total = deps.notifiers.length;
  setProgress({ phase: 'notify', done: 0, total, unit: 'channels' });
  return notifyAll(deps.notifiers, (notifier) => notifier.finished(run), {
    metrics: deps.metrics,
    log: deps.log,
    signal,
    onSettled: (done) => setProgress({ phase: 'notify', done, total, unit: 'channels' }),
  });
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
  const startedAt = now().toISOString();
  const claimed = await deps.runs.transition(runId, ['queued'], {
    status: 'running',
    startedAt,
    ...(limits ? { deadlineAt: limits.deadlineAt.toISOString() } : {}),
  });
  if (!claimed) {
    const existing = await deps.runs.get(runId);
    if (!existing) throw new Error(`Run ${runId} is not in the audit-runs table.`);
    deps.log('warn', 'run is not queued; not running it again', { runId, status: existing.status });
    return existing;
  }
  const record = claimed;
  const { request } = record;
  const began = Date.now();
  const controller = new AbortController();
  let progress: RunProgress | undefined;
  let progressWrite: Promise<unknown> = Promise.resolve();
  let lastProgressWrite = 0;
  const setProgress = (next: Omit<RunProgress, 'at'>) => {
    progress = { ...next, at: now().toISOString() };
    const due = Date.now() - lastProgressWrite >= (deps.progressEveryMs ?? 15_000);
    if (due || next.phase !== 'evaluate') {
      lastProgressWrite = Date.now();
      const snapshot = progress;
      progressWrite = progressWrite.then(() => deps.runs.update(runId, { progress: snapshot })).catch(() => undefined);
    }
  };
  const timer = limits
    ? setTimeout(() => {
        const reserve = Math.round((limits.deadlineAt.getTime() - limits.stopAt.getTime()) / 1000);
        controller.abort(
          new TimedOutError(
            `Timed out: the run stopped itself ${reserve} s before its function's ${Math.round((limits.deadlineAt.getTime() - began) / 1000)} s time limit, ${describeProgress(progress)}.`,
          ),
        );
      }, Math.max(0, limits.stopAt.getTime() - Date.now()))
    : undefined;
  // The final status is written only while the run is still `running`: a sweep that already failed it (and mailed) wins.
  const finish = async (patch: RunPatch): Promise<RunRecord> => {
    const done = await deps.runs.transition(runId, ['running'], patch);
    if (done) return done;
    deps.log('warn', 'run was ended by someone else while it finished; its outcome is not recorded', { runId });
    return (await deps.runs.get(runId))!;
  };
  const workDir = await mkdtemp(join(tmpdir(), `${runId}-`));
  try {
    deps.log('info', 'audit started', { runId, trigger: record.trigger, dryRun: request.dryRun });
    const result = await runAudit({
      source: new DynamoInventorySource(deps.inventory, { snapshotId: request.snapshotId, mode: 'auto', segments: 4 }),
      catalog: deps.catalog,
      engine: { ...deps.engine, waivers: compileWaivers(await deps.waivers()) },
      // A dry run neither compares with nor becomes history.
      history: request.dryRun ? null : { store: deps.history, scope: deps.inventory.tableName },
      reportLocation: (format) => reportKey(runId, record.createdAt, format),
      // The run becomes history only once its reports are stored.
      deferHistoryCommit: true,
      forecastDays: deps.forecastDays,
      trendRuns: deps.trendRuns,
      staleAfterHours: deps.staleAfterHours,
      formats: request.notify && !request.dryRun ? withReadFormats(request.formats, deps.notifiers) : request.formats,
      outDir: workDir,
      trigger: record.trigger,
      runId,
      pdfRowsPerModule: deps.pdfRowsPerModule,
      engineKind: deps.evaluation?.kind,
      duck: deps.evaluation?.duck,
      now,
      signal: controller.signal,
      onProgress: ({ phase, done, total, unit }) => setProgress({ phase, done, total, unit }),
    });
    const { summary } = result.head;
    const stored: Partial<Record<FormatId, StoredReport>> = {};
    try {
      if (!request.dryRun) {
        const formats = Object.entries(result.reports) as [FormatId, string][];
        for (const [index, [format, path]] of formats.entries()) {
          controller.signal.throwIfAborted();
          setProgress({ phase: 'store', done: index, total: formats.length, unit: 'reports' });
          const key = reportKey(runId, record.createdAt, format);
          await deps.reports.put(key, path, result.sha256[format]!, reportFormats[format].contentType);
          stored[format] = { key, sha256: result.sha256[format]!, bytes: (await stat(path)).size };
        }
      }
    } catch (error) {
      await result.pendingHistory?.abort();
      throw error;
    }
    const warnings: string[] = [];
    const conflict = result.pendingHistory ? await commitHistory(result.pendingHistory) : undefined;
    if (conflict) warnings.push(conflict);
    const status: RunRecord['status'] = summary.complete ? 'succeeded' : 'partial';
    const outcome = {
      ...runFacts(result.head),
      reports: stored,
      ...(warnings.length > 0 ? { warnings } : {}),
    };
    deps.log('info', 'audit evaluated', { runId, items: summary.items, complete: summary.complete, violations: summary.byVerdict.violation });
    // The run's figures (lib/delivery/RunMetrics.ts); the channels' sent/failed are added once they have answered.
    const figures = {
      Items: summary.items,
      Violations: summary.byVerdict.violation,
      SpecialCategoryViolations: summary.specialCategoryViolations,
      DueSoon: summary.byVerdict['due-soon'],
      Incomplete: summary.complete ? 0 : 1,
      DurationSeconds: (Date.now() - began) / 1000,
    };
    await progressWrite;
    if (!request.notify || request.dryRun) {
      deps.metrics.publish({ ...figures, [status === 'succeeded' ? 'RunSucceeded' : 'RunPartial']: 1 });
      return await finish({ ...outcome, status });
    }
    // Evaluated and stored; the status waits for the DPO's digest, which may still fail.
    const evaluated = await deps.runs.update(runId, outcome);
    const notifications = await deliver(deps, { record: evaluated, result, stored, fetchCommand: deps.fetchCommand(runId), formats: reportFormats }, controller.signal, setProgress);
    await progressWrite;
    const undelivered = emailFailure(notifications);
    const allWarnings = [...warnings, ...channelWarnings(notifications)];
    const delivered = { ...deliveryPatch(notifications), ...(allWarnings.length > 0 ? { warnings: allWarnings } : {}) };
    const withDelivery: Partial<Record<RunMetricName, number>> = { ...figures, ...digestFigures(notifications), ...notificationFigures(notifications) };
    if (undelivered) {
      deps.metrics.publish({ ...withDelivery, RunPartial: 1 });
      return await finish({ status: 'partial', ...delivered, error: `E-mail not sent: ${undelivered.error}` });
    }
    deps.metrics.publish({ ...withDelivery, [status === 'succeeded' ? 'RunSucceeded' : 'RunPartial']: 1 });
    return await finish({ status, ...delivered });
  } catch (thrown) {
    const error = controller.signal.aborted && controller.signal.reason instanceof TimedOutError ? controller.signal.reason : thrown;
    const message = (error as Error).message ?? String(error);
    deps.log('error', 'audit failed', { runId, error: message });
    await progressWrite;
    // Only the writer that moves the run out of `running` mails: a sweep or the failure queue may have been first.
    const failed = await deps.runs
      .transition(runId, ['running'], { status: 'failed', error: message, finishedAt: now().toISOString(), ...(progress ? { progress } : {}) })
      .catch(() => null);
    if (failed) await notifyFailure(failed, message, deps).catch(() => undefined);
    throw error;
  } finally {
    clearTimeout(timer);
    await rm(workDir, { recursive: true, force: true });
  }
}
