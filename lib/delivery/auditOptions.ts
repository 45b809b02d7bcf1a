/**
 * What a deployed run's audit is given besides its source and engine options,
 * and where its reports are kept: shared by the one-Lambda audit and every step
 * of a partitioned run (the diff ranges among them, which write no report, so
 * this module imports nothing that writes one).
 */
import type { RunAuditOptions } from '../audit/runAudit';
import type { FormatId } from '../report/formats/formatIds';
import type { AuditDependencies } from './executeAudit';
import type { Notifier } from './notifiers/Notifier';
import type { RunRecord } from './RunRecord';
import type { RunSession } from './RunSession';

/** Report object keys: by date, then run, so a bucket lifecycle rule and a human can both find them. */
export function reportKey(runId: string, createdAt: string, extension: string): string {
  return `reports/${createdAt.slice(0, 4)}/${createdAt.slice(5, 7)}/${runId}.${extension}`;
}

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

/**
 * The options of a deployed run's audit, the same for the one-Lambda audit and
 * the partitioned run's reduce: everything but where the items come from and
 * the engine options (waivers, capture bound), which each path sets.
 *
 * @example
 * await runAudit({ ...auditOptions(record, deps, session, workDir), source, engine });
 */
export function auditOptions(record: RunRecord, deps: AuditDependencies, session: RunSession, outDir: string): Omit<RunAuditOptions, 'source' | 'engine'> {
  const { request, runId } = record;
  return {
    catalog: deps.catalog,
    // A dry run neither compares with nor becomes history.
    history: request.dryRun ? null : { store: deps.history, scope: deps.inventory.tableName },
    reportLocation: (format) => reportKey(runId, record.createdAt, format),
    // The run becomes history only once its reports are stored.
    deferHistoryCommit: true,
    forecastDays: deps.forecastDays,
    trendRuns: deps.trendRuns,
    staleAfterHours: deps.staleAfterHours,
    formats: request.notify && !request.dryRun ? withReadFormats(request.formats, deps.notifiers) : request.formats,
    outDir,
    trigger: record.trigger,
    runId,
    pdfRowsPerModule: deps.pdfRowsPerModule,
    // /tmp (10 GiB at most), not CPU, is what limits the size a Lambda audits: the sorts spill compressed.
    compressSpills: true,
    engineKind: deps.evaluation?.kind,
    duck: deps.evaluation?.duck,
    now: deps.now ?? (() => new Date()),
    signal: session.signal,
    onProgress: ({ phase, done, total, unit }) => session.setProgress({ phase, done, total, unit }),
  };
}
