/**
 * The map phase of an audit: every entry of the snapshot evaluated into a
 * finding (by either engine, lib/audit/evaluateEntries.ts), counted into the
 * run's partial summary, and handed on as its JSON report line. Where the lines
 * go next (a sorter, the reports, or a partition's Parquet parts) is the
 * caller's choice, so the same phase serves a whole run and one partition.
 */
import type { Finding } from '../../model';
import { toJsonLine } from '../../report/FindingSorter';
import type { Evaluation } from '../evaluateEntries';
import type { SnapshotTally } from './SnapshotTally';

export interface MapFindingsOptions {
  /** Takes each finding with its report line, in the order evaluated (the reference engine; the SQL engine keeps its findings). */
  onFinding(finding: Finding, line: string): Promise<void>;
  /** Takes each gap instead of the tally (a partition's gaps are the reduce's to count, in partition order). */
  onGap?(reason: string): void;
  /** Stops the phase between findings once aborted. */
  signal?: AbortSignal;
}

/**
 * Consumes an evaluation: gaps and findings are counted into `counts`, each
 * finding is serialized once and passed to `onFinding`; the SQL engine's
 * counts are adopted at the end. Resolves when every entry has been read.
 *
 * @example
 * const counts = new SnapshotTally(opened, { waivers: [], forecastDays: 30, statedCapturedAt: null });
 * await mapFindings(await openEvaluation(source.entries(), engineOptions), counts, { onFinding: async (f, line) => sink.write(line) });
 * counts.summary.items // findings read
 */
export async function mapFindings(evaluation: Evaluation, counts: SnapshotTally, options: MapFindingsOptions): Promise<void> {
  for await (const evaluated of evaluation.evaluations) {
    if (evaluated.kind === 'gap') {
      if (options.onGap) options.onGap(evaluated.reason);
      else counts.gap(evaluated.reason);
      continue;
    }
    options.signal?.throwIfAborted();
    const { finding } = evaluated;
    counts.add(finding);
    await options.onFinding(finding, toJsonLine(finding));
  }
  if (evaluation.tallies) counts.adoptSql(await evaluation.tallies(counts.sqlOptions()));
}
