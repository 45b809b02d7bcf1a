import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAudit, type AuditResult } from '../audit/runAudit';
import type { Catalog } from '../catalog/loadCatalog';
import type { EngineOptions } from '../engine/evaluate';
import { compileWaivers, type Waiver } from '../engine/waivers';
import type { HistoryStore } from '../history/HistoryStore';
import { DynamoInventorySource } from '../inventory/DynamoInventorySource';
import type { InventoryTable } from '../inventory/InventoryTable';
import type { FormatId } from '../report/formats/reportFormats';
import { composeDigest, composeFailure } from './digest';
import type { Mailer, MailMessage } from './Mailer';
import type { ReportStore } from './ReportStore';
import type { EmailOutcome, RunRecord, StoredReport } from './RunRecord';
import type { RunStore } from './RunStore';

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
  linkSeconds: number;
  pdfRowsPerModule: number;
  log: (level: 'info' | 'warn' | 'error', message: string, data?: Record<string, unknown>) => void;
  now?: () => Date;
}

/** Report object keys: by date, then run, so a bucket lifecycle rule and a human can both find them. */
export function reportKey(runId: string, createdAt: string, extension: string): string {
  return `reports/${createdAt.slice(0, 4)}/${createdAt.slice(5, 7)}/${runId}.${extension}`;
}

async function sendDigest(result: AuditResult, record: RunRecord, stored: Partial<Record<FormatId, StoredReport>>, deps: AuditDependencies): Promise<EmailOutcome> {
  const pdfPath = result.reports.pdf;
  const pdfSize = pdfPath ? (await stat(pdfPath)).size : 0;
  const attach = pdfPath !== undefined && pdfSize <= deps.mail.attachLimitBytes;
  const link = async (format: FormatId) => (stored[format] ? deps.reports.link(stored[format]!.key, deps.linkSeconds) : undefined);
  const mail = composeDigest(result.head, {
    pdfAttached: attach,
    pdfLink: attach ? undefined : await link('pdf'),
    jsonLink: await link('json'),
    csvLink: await link('csv'),
    linkHours: Math.round((deps.linkSeconds / 3600) * 10) / 10,
  });
  const message: MailMessage = {
    from: deps.mail.from,
    to: deps.mail.to,
    ...mail,
    attachments: attach ? [{ filename: `${record.runId}.pdf`, path: pdfPath!, contentType: 'application/pdf' }] : [],
  };
  try {
    const messageId = await deps.mailer.send(message);
    return { to: deps.mail.to, subject: mail.subject, messageId, sentAt: new Date().toISOString() };
  } catch (error) {
    return { to: deps.mail.to, subject: mail.subject, error: (error as Error).message };
  }
}

/**
 * Runs one audit for a recorded run: read the latest (or the asked) snapshot,
 * evaluate it, store the reports with their SHA-256, mail the DPO one digest,
 * and record every step in the run record. A run that cannot finish ends
 * `failed` with its error (and a failure mail); a run that finished but could
 * not read everything, or could not mail, ends `partial`. Nothing is recorded
 * as done that was not.
 */
export async function executeAudit(runId: string, deps: AuditDependencies): Promise<RunRecord> {
  const now = deps.now ?? (() => new Date());
  const record = await deps.runs.get(runId);
  if (!record) throw new Error(`Run ${runId} is not in the audit-runs table.`);
  if (record.status !== 'queued') {
    deps.log('warn', 'run is not queued; not running it again', { runId, status: record.status });
    return record;
  }
  const { request } = record;
  const startedAt = now().toISOString();
  await deps.runs.update(runId, { status: 'running', startedAt });
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
      now,
    });
    const { summary, run } = result.head;
    const stored: Partial<Record<FormatId, StoredReport>> = {};
    try {
      if (!request.dryRun) {
        for (const [format, path] of Object.entries(result.reports) as [FormatId, string][]) {
          const key = reportKey(runId, record.createdAt, format);
          await deps.reports.put(key, path);
          stored[format] = { key, sha256: result.sha256[format]!, bytes: (await stat(path)).size };
        }
      }
    } catch (error) {
      await result.pendingHistory?.abort();
      throw error;
    }
    await result.pendingHistory?.commit();
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
    };
    deps.log('info', 'audit evaluated', { runId, items: summary.items, complete: summary.complete, violations: summary.byVerdict.violation });
    if (!request.notify || request.dryRun) return await deps.runs.update(runId, { ...outcome, status });
    // Evaluated and stored; the status waits for the mail, which may still fail.
    const evaluated = await deps.runs.update(runId, outcome);
    const email = await sendDigest(result, evaluated, stored, deps);
    if (email.error) {
      deps.log('error', 'digest e-mail failed', { runId, error: email.error });
      return await deps.runs.update(runId, { status: 'partial', email, error: `E-mail not sent: ${email.error}` });
    }
    return await deps.runs.update(runId, { status, email });
  } catch (error) {
    const message = (error as Error).message ?? String(error);
    deps.log('error', 'audit failed', { runId, error: message });
    let email: EmailOutcome | undefined;
    if (request.notify && !request.dryRun) {
      const mail = composeFailure({ ...record, startedAt }, message);
      try {
        const messageId = await deps.mailer.send({ from: deps.mail.from, to: deps.mail.to, ...mail });
        email = { to: deps.mail.to, subject: mail.subject, messageId, sentAt: now().toISOString() };
      } catch (mailError) {
        email = { to: deps.mail.to, subject: mail.subject, error: (mailError as Error).message };
      }
    }
    await deps.runs.update(runId, { status: 'failed', error: message, finishedAt: now().toISOString(), ...(email ? { email } : {}) }).catch(() => undefined);
    throw error;
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}
