import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commitHistory, runAudit, type AuditResult } from '../audit/runAudit';
import type { Catalog } from '../catalog/loadCatalog';
import type { EngineOptions } from '../engine/evaluate';
import { compileWaivers, type Waiver } from '../engine/waivers';
import { TimedOutError } from '../errors';
import type { HistoryStore } from '../history/HistoryStore';
import { DynamoInventorySource } from '../inventory/DynamoInventorySource';
import type { InventoryTable } from '../inventory/InventoryTable';
import { FORMAT_CONTENT_TYPES, type FormatId } from '../report/formats/formatIds';
import { composeDigest, composeFailure, splitAttachments } from './digest';
import type { Mailer, MailMessage } from './Mailer';
import type { ReportStore } from './ReportStore';
import type { EngineKind } from '../audit/engineKind';
import type { DuckOptions } from '../sql/duck';
import type { RunMetrics } from './RunMetrics';
import { describeProgress, type EmailOutcome, type RunProgress, type RunRecord, type StoredReport } from './RunRecord';
import type { RunPatch, RunStore } from './RunStore';

/** What a run needs from the world; built once per cold start and injected. */
export interface AuditDependencies {
  runs: RunStore;
  inventory: InventoryTable;
  reports: ReportStore;
  mailer: Mailer;
  catalog: Catalog;
  engine: EngineOptions;
  /** Loads the waivers in force (from the bucket or a file); none when absent. */
  waivers: () => Promise<Waiver[]>;
  history: HistoryStore;
  forecastDays: number;
  staleAfterHours: number;
  mail: { from: string; to: string[]; attachLimitBytes: number };
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

async function sendDigest(result: AuditResult, record: RunRecord, stored: Partial<Record<FormatId, StoredReport>>, deps: AuditDependencies): Promise<EmailOutcome> {
  const reports = (Object.entries(stored) as [FormatId, StoredReport][]).map(([format, report]) => ({ format, key: report.key, sha256: report.sha256, bytes: report.bytes }));
  const { attached, notAttached } = splitAttachments(reports, deps.mail.attachLimitBytes);
  const mail = composeDigest(result.head, {
    attached,
    notAttached,
    retrieval: 'Every report of this run, downloaded with your own AWS credentials and checked against its SHA-256:',
    command: deps.fetchCommand(record.runId),
  }, result.mostSerious);
  const message: MailMessage = {
    from: deps.mail.from,
    to: deps.mail.to,
    ...mail,
    attachments: attached.map(({ format }) => ({
      filename: `${record.runId}.${format}`,
      path: result.reports[format]!,
      contentType: FORMAT_CONTENT_TYPES[format],
    })),
  };
  const outcome = { to: deps.mail.to, subject: mail.subject, attached: attached.map((a) => a.format) };
  try {
    const messageId = await deps.mailer.send(message);
    return { ...outcome, messageId, sentAt: new Date().toISOString() };
  } catch (error) {
    return { ...outcome, error: (error as Error).message };
  }
}

/**
 * Sends the failure mail of a run that just became `failed`. The caller made
 * that transition with a conditional write, so each failure is mailed once.
 */
export async function notifyFailure(record: RunRecord, error: string, deps: Pick<AuditDependencies, 'mailer' | 'mail' | 'runs' | 'metrics' | 'log'>): Promise<void> {
  deps.metrics.publish({ RunFailed: 1 });
  if (!record.request.notify || record.request.dryRun) return;
  const mail = composeFailure(record, error);
  let email: EmailOutcome;
  try {
    const messageId = await deps.mailer.send({ from: deps.mail.from, to: deps.mail.to, ...mail });
    email = { to: deps.mail.to, subject: mail.subject, messageId, sentAt: new Date().toISOString() };
  } catch (mailError) {
    email = { to: deps.mail.to, subject: mail.subject, error: (mailError as Error).message };
    deps.metrics.publish({ DigestFailed: 1 });
    deps.log('error', 'failure e-mail failed', { runId: record.runId, error: email.error });
  }
  await deps.runs.update(record.runId, { email });
}

/**
 * Runs one audit for a recorded run: claim it (queued → running, a conditional
 * write, so a second delivery of the same run does nothing), read the latest
 * (or the asked) snapshot, evaluate it, store the reports with their SHA-256,
 * mail the DPO one digest, and record every step in the run record. With
 * limits, the run stops itself before its function's deadline and ends
 * `failed` (timed out, with how far it got). A run that cannot finish ends
 * `failed` with its error and one failure mail; a run that finished but could
 * not read everything, or could not mail, ends `partial`.
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
      staleAfterHours: deps.staleAfterHours,
      formats: request.formats,
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
    const { summary, run } = result.head;
    const stored: Partial<Record<FormatId, StoredReport>> = {};
    try {
      if (!request.dryRun) {
        const formats = Object.entries(result.reports) as [FormatId, string][];
        for (const [index, [format, path]] of formats.entries()) {
          controller.signal.throwIfAborted();
          setProgress({ phase: 'store', done: index, total: formats.length, unit: 'reports' });
          const key = reportKey(runId, record.createdAt, format);
          await deps.reports.put(key, path, result.sha256[format]!);
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
    const { changes } = result.head;
    const outcome = {
      finishedAt: run.finishedAt,
      snapshotId: run.snapshotId,
      snapshotSha256: run.snapshotSha256,
      catalogVersion: run.catalogVersion,
      changes: changes
        ? { previousRunId: changes.previousRunId, new: changes.new, persisting: changes.persisting, resolved: changes.resolved, newViolations: changes.newViolations }
        : null,
      stale: result.head.stale?.stale ?? false,
      summary: {
        items: summary.items,
        complete: summary.complete,
        byVerdict: summary.byVerdict,
        bySeverity: summary.bySeverity,
        specialCategoryViolations: summary.specialCategoryViolations,
        incompleteReasons: summary.incompleteReasons,
      },
      reports: stored,
      ...(warnings.length > 0 ? { warnings } : {}),
    };
    deps.log('info', 'audit evaluated', { runId, items: summary.items, complete: summary.complete, violations: summary.byVerdict.violation });
    // The run's figures (lib/delivery/RunMetrics.ts); the digest's sent/failed are added once it is mailed.
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
    // Evaluated and stored; the status waits for the mail, which may still fail.
    const evaluated = await deps.runs.update(runId, outcome);
    setProgress({ phase: 'mail', done: 0, total: 1, unit: 'reports' });
    const email = await sendDigest(result, evaluated, stored, deps);
    await progressWrite;
    if (email.error) {
      deps.log('error', 'digest e-mail failed', { runId, error: email.error });
      deps.metrics.publish({ ...figures, RunPartial: 1, DigestSent: 0, DigestFailed: 1 });
      return await finish({ status: 'partial', email, error: `E-mail not sent: ${email.error}` });
    }
    deps.metrics.publish({ ...figures, [status === 'succeeded' ? 'RunSucceeded' : 'RunPartial']: 1, DigestSent: 1, DigestFailed: 0 });
    return await finish({ status, email });
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
