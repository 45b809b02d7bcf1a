import { basename } from 'node:path';
import { InputError } from '../errors';
import type { HistoryStore } from '../history/HistoryStore';
import { FORMAT_IDS, type FormatId } from '../report/formats/formatIds';
import { sha256File } from './sha256File';

export interface Verification {
  ok: boolean;
  runId: string;
  format: FormatId;
  expected: string;
  actual: string;
}

/**
 * Recomputes a report's SHA-256 and compares it with the one its run recorded
 * when it was written: a changed byte refuses the report.
 *
 * @example
 * const result = await verifyReport('reports/audit-….json', new FileHistoryStore('reports/history'));
 */
export async function verifyReport(path: string, history: HistoryStore): Promise<Verification> {
  const match = /^(audit-[\w-]+)\.(\w+)$/.exec(basename(path));
  if (!match || !(FORMAT_IDS as readonly string[]).includes(match[2]!)) {
    throw new InputError(`${path} is not named like a report of this auditor (<runId>.${FORMAT_IDS.slice(0, -1).join(', .')} or .${FORMAT_IDS.at(-1)}).`);
  }
  const runId = match[1]!;
  const format = match[2] as FormatId;
  const run = await history.findRun(runId);
  if (!run) throw new InputError(`Run ${runId} is not in the history at ${history.describe()}: nothing to verify ${path} against.`);
  const expected = run.reports[format]?.sha256;
  if (!expected) throw new InputError(`Run ${runId} wrote no ${format.toUpperCase()} report.`);
  let actual: string;
  try {
    actual = await sha256File(path);
  } catch (cause) {
    throw new InputError(`Cannot read ${path}: ${(cause as NodeJS.ErrnoException).code ?? 'error'}.`, { cause });
  }
  return { ok: actual === expected, runId, format, expected, actual };
}
