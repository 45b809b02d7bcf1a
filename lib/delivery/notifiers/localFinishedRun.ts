/**
 * The command line's run as the channels see a finished run: the CLI keeps no
 * run record and stores no report, so the record is made from the report's
 * head and the reports are named by their paths on the machine that ran it.
 * The same notifiers then serve `run --email` / `--notify` and the functions.
 */
import type { AuditResult } from '../../audit/runAudit';
import { reportFormats, type FormatId } from '../../report/formats/reportFormats';
import { sourceOf } from '../../report/ReportSource';
import { runFacts } from '../RunRecord';
import type { FinishedRun } from './Notifier';

/**
 * A finished CLI run for the notifiers: `stored` is empty and `fetchCommand`
 * '', so each channel points at the reports' folder instead.
 *
 * @example
 * await emailNotifier(options).finished(localFinishedRun(result, ['json', 'pdf']))
 */
export function localFinishedRun(result: AuditResult, formats: readonly FormatId[]): FinishedRun {
  const { run } = result.head;
  return {
    record: {
      runId: run.id,
      trigger: run.trigger,
      requestedBy: 'cli',
      request: { formats: [...formats], notify: true, dryRun: false },
      // As for a function's run: the status waits for the DPO's digest.
      status: 'running',
      createdAt: run.startedAt,
      updatedAt: run.finishedAt,
      startedAt: run.startedAt,
      ...runFacts(result.head),
      reports: {},
      ...(result.historyConflict ? { warnings: [result.historyConflict] } : {}),
    },
    result,
    stored: {},
    fetchCommand: '',
    report: (format) => (result.reports[format] ? sourceOf(result.reports[format]) : null),
    formats: reportFormats,
  };
}
