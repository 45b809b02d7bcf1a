import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256File } from '../audit/sha256File';
import { InputError } from '../errors';
import type { FormatId } from '../report/formats/formatIds';
import type { ReportStore } from './ReportStore';
import type { RunStore } from './RunStore';

export interface FetchedReport {
  format: FormatId;
  key: string;
  path: string;
  sha256: string;
  /** The file's SHA-256 equals the one the run recorded. */
  verified: boolean;
}

/**
 * Downloads every stored report of a run (with the caller's own credentials)
 * into `outDir` and checks each against the SHA-256 its run recorded; a file
 * that does not match is deleted and reported, never kept as if it were the
 * evidence.
 *
 * @example
 * await fetchReports('audit-20261123T020000Z-1a2b3c', runs, reports, './reports') // [{ format: 'json', verified: true, … }]
 */
export async function fetchReports(runId: string, runs: RunStore, reports: ReportStore, outDir: string): Promise<FetchedReport[]> {
  const record = await runs.get(runId);
  if (!record) throw new InputError(`There is no audit run ${runId} in the audit-runs table.`);
  const stored = Object.entries(record.reports ?? {}) as [FormatId, { key: string; sha256: string }][];
  if (stored.length === 0) throw new InputError(`Run ${runId} (${record.status}) stored no reports${record.error ? `: ${record.error}` : '.'}`);
  await mkdir(outDir, { recursive: true });
  const fetched: FetchedReport[] = [];
  for (const [format, report] of stored) {
    const path = join(outDir, `${runId}.${format}`);
    await reports.download(report.key, path);
    const sha256 = await sha256File(path);
    const verified = sha256 === report.sha256;
    if (!verified) await rm(path, { force: true });
    fetched.push({ format, key: report.key, path, sha256, verified });
  }
  return fetched;
}
