/**
 * The OCSF events of a finished run, streamed from its reports: the `ocsf` report
 * when the run wrote one, otherwise made from the JSON report's finding lines
 * (the same conversion the `ocsf` writer uses), so a channel that needs the events
 * does not depend on which formats a run was asked for.
 */
import { InputError } from '../../errors';
import { reportLines, sourceOf, type ReportSource } from '../ReportSource';
import type { Finding } from '../../model';
import type { FormatId } from '../formats/formatIds';
import type { ResolvedFinding, RunInfo } from '../ReportModel';
import { complianceFindingOf, ocsfEnvelope, resolvedComplianceFindingOf } from './complianceFindingOf';
import type { OcsfComplianceFinding } from './OcsfComplianceFinding';

/** Where the JSON report's arrays open and close: each element is one line between (jsonFormat.ts). */
const FINDINGS_OPEN = '"findings":[';
const RESOLVED_OPEN = '"resolved":[';

async function* fromOcsf(report: ReportSource): AsyncGenerator<OcsfComplianceFinding> {
  const path = report.name;
  let lineNumber = 0;
  for await (const line of reportLines(report)) {
    lineNumber += 1;
    if (line.length === 0) continue;
    try {
      yield JSON.parse(line) as OcsfComplianceFinding;
    } catch {
      throw new InputError(`Line ${lineNumber} of the OCSF report ${path} is not a JSON object.`);
    }
  }
}

const elementOf = (line: string) => (line.endsWith(',') ? line.slice(0, -1) : line);

async function* fromJsonReport(report: ReportSource, run: Pick<RunInfo, 'id' | 'finishedAt'>): AsyncGenerator<OcsfComplianceFinding> {
  const path = report.name;
  const envelope = ocsfEnvelope(run);
  let section: 'head' | 'findings' | 'between' | 'resolved' | 'done' = 'head';
  let lineNumber = 0;
  for await (const raw of reportLines(report)) {
    lineNumber += 1;
    const line = raw.trim();
    if (line.length === 0) continue;
    if (section === 'head') {
      if (line === FINDINGS_OPEN) section = 'findings';
    } else if (section === 'between') {
      if (line === RESOLVED_OPEN) section = 'resolved';
    } else if (section === 'findings' || section === 'resolved') {
      if (line.startsWith(']')) {
        section = section === 'findings' ? 'between' : 'done';
        continue;
      }
      let element: unknown;
      try {
        element = JSON.parse(elementOf(line));
      } catch {
        throw new InputError(`Line ${lineNumber} of the JSON report ${path} is not a finding.`);
      }
      const body = section === 'findings' ? complianceFindingOf(element as Finding) : resolvedComplianceFindingOf(element as ResolvedFinding);
      if (body) yield { ...envelope, ...body };
    }
  }
  if (section === 'head') throw new InputError(`The JSON report ${path} has no findings array.`);
}

/**
 * The run's OCSF events, one at a time, from the `ocsf` report or else the JSON report.
 *
 * @example
 * for await (const event of readComplianceFindings(result.reports, result.head.run)) send(event);
 */
export function readComplianceFindings(
  reports: Partial<Record<FormatId, string | ReportSource>>,
  run: Pick<RunInfo, 'id' | 'finishedAt'>,
): AsyncGenerator<OcsfComplianceFinding> {
  if (reports.ocsf) return fromOcsf(sourceOf(reports.ocsf));
  if (reports.json) return fromJsonReport(sourceOf(reports.json), run);
  throw new InputError('The run wrote neither an ocsf nor a JSON report, so there are no findings to read.');
}
