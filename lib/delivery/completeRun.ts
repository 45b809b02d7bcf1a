/**
 * Everything a run does once its audit has been evaluated, whichever way it
 * was evaluated (one Lambda, or the reduce step of a partitioned run): store
 * the reports with their SHA-256, make the run its scope's history, deliver
 * through every channel, publish its figures and write its final status.
 */
import { stat } from 'node:fs/promises';
import { commitHistory, type AuditResult } from '../audit/runAudit';
import { reportFormats, type FormatId } from '../report/formats/reportFormats';
import { reportKey } from './auditOptions';
import { sourceOf, type ReportSource } from '../report/ReportSource';
import type { AuditDependencies } from './executeAudit';
import { CHANNEL_TITLES, type ChannelOutcome, type FinishedRun } from './notifiers/Notifier';
import { notificationFigures, notifyAll } from './notifiers/notifyAll';
import { deliveryPatch, emailFailure } from './notifyFailure';
import type { RunMetricName } from './RunMetrics';
import { runFacts, type RunRecord, type StoredReport } from './RunRecord';
import type { RunSession } from './RunSession';


/** Failed deliveries a run's warnings name one by one. */
const MAX_CHANNEL_WARNINGS = 10;

/** A channel other than the DPO's e-mail that could not deliver: a warning of the run, which keeps its status. */
function channelWarnings(notifications: readonly ChannelOutcome[]): string[] {
  const failed = notifications.filter((outcome) => outcome.channel !== 'email' && outcome.error !== undefined);
  // The first few in words (the run record is one DynamoDB item); every one is in `notifications`.
  const shown = failed.slice(0, MAX_CHANNEL_WARNINGS).map((outcome) => `${CHANNEL_TITLES[outcome.channel]} not sent to ${outcome.to}: ${outcome.error}`);
  const more = failed.length - shown.length;
  return more > 0 ? [...shown, `…and ${more} more deliveries not sent (listed in the run's notifications).`] : shown;
}

/** The e-mail channel's DigestSent and DigestFailed (1 and 0, or 0 and 1); none when the run does not mail the DPO. */
function digestFigures(notifications: readonly ChannelOutcome[]): Partial<Record<RunMetricName, number>> {
  if (!notifications.some((outcome) => outcome.channel === 'email')) return {};
  const failed = emailFailure(notifications) ? 1 : 0;
  return { DigestSent: 1 - failed, DigestFailed: failed };
}

/** Delivers a finished run through every channel at once; its progress counts the channels that answered. */
async function deliver(deps: AuditDependencies, run: FinishedRun, session: RunSession): Promise<ChannelOutcome[]> {
  const total = deps.notifiers.length;
  session.setProgress({ phase: 'notify', done: 0, total, unit: 'channels' });
  return notifyAll(deps.notifiers, (notifier) => notifier.finished(run), {
    metrics: deps.metrics,
    log: deps.log,
    signal: session.signal,
    onSettled: (done) => session.setProgress({ phase: 'notify', done, total, unit: 'channels' }),
  });
}

/** Uploads every report of a run that is not a dry run; a failure drops the pending history, which must not name unstored reports. */
async function storeReports(record: RunRecord, result: AuditResult, deps: AuditDependencies, session: RunSession): Promise<Partial<Record<FormatId, StoredReport>>> {
  const stored: Partial<Record<FormatId, StoredReport>> = {};
  if (record.request.dryRun) return stored;
  // Put together in the reports bucket already (a partitioned run's JSON and CSV): recorded, not uploaded again.
  for (const [format, ref] of Object.entries(result.stored ?? {}) as [FormatId, { key: string; bytes: number }][]) {
    stored[format] = { key: ref.key, sha256: result.sha256[format]!, bytes: ref.bytes };
  }
  try {
    const formats = Object.entries(result.reports) as [FormatId, string][];
    for (const [index, [format, path]] of formats.entries()) {
      session.signal.throwIfAborted();
      session.setProgress({ phase: 'store', done: index, total: formats.length, unit: 'reports' });
      const key = reportKey(record.runId, record.createdAt, format);
      await deps.reports.put(key, path, result.sha256[format]!, reportFormats[format].contentType, session.signal);
      stored[format] = { key, sha256: result.sha256[format]!, bytes: (await stat(path)).size };
    }
  } catch (error) {
    await result.pendingHistory?.abort();
    throw error;
  }
  return stored;
}

export interface EvaluatedRun {
  session: RunSession;
  /** The run's record as claimed (`running`). */
  record: RunRecord;
  result: AuditResult;
  /** When the run started (ms): its DurationSeconds counts from here, across functions for a partitioned run. */
  startedAtMs: number;
}

/**
 * Finishes an evaluated run: stores its reports, commits its history, and
 * ends it `succeeded`, or `partial` when it could not read everything or could
 * not mail the DPO its digest. Another channel that cannot deliver is recorded
 * and warned of without changing the status. Errors are the caller's to record
 * (RunSession.fail).
 *
 * @example
 * return await completeRun({ session, record, result, startedAtMs: Date.now() }, deps);
 */
export async function completeRun(run: EvaluatedRun, deps: AuditDependencies): Promise<RunRecord> {
  const { session, record, result } = run;
  const { request, runId } = record;
  const { summary } = result.head;
  const stored = await storeReports(record, result, deps, session);
  const warnings: string[] = [];
  const conflict = result.pendingHistory ? await commitHistory(result.pendingHistory) : undefined;
  if (conflict) warnings.push(conflict);
  const status: RunRecord['status'] = summary.complete ? 'succeeded' : 'partial';
  const outcome = { ...runFacts(result.head), reports: stored, ...(warnings.length > 0 ? { warnings } : {}) };
  // Which engine evaluated (the stage's `engine`, `auto` resolved: lib/audit/engineKind.ts).
  const engine = { engine: result.engine.kind, engineAuto: result.engine.auto, engineEstimatedItems: result.engine.estimate?.items ?? null };
  deps.log('info', 'audit evaluated', { runId, items: summary.items, complete: summary.complete, violations: summary.byVerdict.violation, ...engine });
  // The run's figures (lib/delivery/RunMetrics.ts); the channels' sent/failed are added once they have answered.
  const figures = {
    Items: summary.items,
    Violations: summary.byVerdict.violation,
    SpecialCategoryViolations: summary.specialCategoryViolations,
    DueSoon: summary.byVerdict['due-soon'],
    Incomplete: summary.complete ? 0 : 1,
    DurationSeconds: (Date.now() - run.startedAtMs) / 1000,
  };
  await session.flush();
  if (!request.notify || request.dryRun) {
    deps.metrics.publish({ ...figures, [status === 'succeeded' ? 'RunSucceeded' : 'RunPartial']: 1 });
    return await session.finish({ ...outcome, status });
  }
  // Evaluated and stored; the status waits for the DPO's digest, which may still fail.
  const evaluated = await deps.runs.update(runId, outcome);
  const report = (format: FormatId): ReportSource | null => {
    const path = result.reports[format];
    if (path) return sourceOf(path);
    const kept = stored[format];
    return kept ? { name: `${deps.reports.describe()}/${kept.key}`, bytes: () => deps.reports.bytes(kept.key, { signal: session.signal }) } : null;
  };
  const notifications = await deliver(deps, { record: evaluated, result, stored, fetchCommand: deps.fetchCommand(runId), formats: reportFormats, report }, session);
  const undelivered = emailFailure(notifications);
  const allWarnings = [...warnings, ...channelWarnings(notifications)];
  const delivered = { ...deliveryPatch(notifications), ...(allWarnings.length > 0 ? { warnings: allWarnings } : {}) };
  const withDelivery: Partial<Record<RunMetricName, number>> = { ...figures, ...digestFigures(notifications), ...notificationFigures(notifications) };
  if (undelivered) {
    deps.metrics.publish({ ...withDelivery, RunPartial: 1 });
    return await session.finish({ status: 'partial', ...delivered, error: `E-mail not sent: ${undelivered.error}` });
  }
  deps.metrics.publish({ ...withDelivery, [status === 'succeeded' ? 'RunSucceeded' : 'RunPartial']: 1 });
  return await session.finish({ status, ...delivered });
}
