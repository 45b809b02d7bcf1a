/**
 * One diff range of a partitioned run (lib/partitioned/diffRanges.ts): this
 * range's findings of every partition, merged in diff-key order, diffed with
 * the previous run's states of the same identities (lib/history/diffFindings.ts,
 * as a one-process run diffs all of them), and left for the reduce in the
 * orders it merges: the annotated findings by itemId (then diff key), the new
 * states, the resolved findings and the ended holds by state key. Because an
 * identity's findings and states all fall in one range, the ranges merged give
 * exactly what one diff of the whole run gives.
 */
import { join } from 'node:path';
import { fingerprintOf } from '../engine/identity';
import type { FindingState, PreviousRun } from '../history/HistoryStore';
import { diffFindings } from '../history/diffFindings';
import type { Finding } from '../model';
import { FindingSorter, keyedLine, keyedRun, mergeSorted, toJsonLine, type FindingLine } from '../report/FindingSorter';
import { TextSink } from '../report/formats/TextSink';
import type { Changes, HoldEntry } from '../report/ReportModel';
import { HOLD_LIST_CAP } from '../audit/phases/SnapshotTally';
import { diffRangeOf } from './diffRanges';

export interface DiffRangeInput {
  /** The range (0-based) and how many the run has. */
  range: number;
  ranges: number;
  /** The range's segment of every partition that was mapped, in partition order, each sorted by diff key. */
  current: readonly AsyncIterable<FindingLine>[];
  /** The run compared with (its states of every range are read, this range's kept). */
  previous: PreviousRun | null;
  /** When this run saw its findings (the capture time, else the start): firstSeenAt of a new finding. */
  seenAt: string;
  /** A folder for the range's files (states, resolved, the sort's runs). */
  workDir: string;
  /** Characters of findings the sort holds in memory before it spills. */
  sortBudgetChars: number;
  /** Write the range's files and the sort's runs compressed (less disk for more CPU: Lambda). */
  compress: boolean;
  signal?: AbortSignal;
}

/** What a range's diff counted. */
export interface RangeCounts {
  range: number;
  /** The run the range was compared with (null: none): every range and the reduce must agree. */
  previousRunId: string | null;
  counts: Omit<Changes, 'previousRunId' | 'previousCapturedAt'>;
  /** The range's ended holds, with their state keys (the first HOLD_LIST_CAP in key order). */
  holdsEnded: { ended: number; endedList: { key: string; entry: HoldEntry }[] };
}

/**
 * A diffed range as the reduce reads it, wherever it was diffed (in the reduce's process, or by a
 * function of its own that left it in the run-files bucket); a range that failed has no lines.
 */
export type DiffedRange =
  | (RangeCounts & {
      status: 'done';
      /** The annotated findings by itemId, then diff key (read once). */
      findings(): AsyncIterable<FindingLine>;
      /** The new states, and the resolved findings: keyed lines by state key. */
      states(): AsyncIterable<FindingLine>;
      resolved(): AsyncIterable<FindingLine>;
    })
  | { range: number; status: 'failed'; error: string };

/** What diffRange leaves: the diffed range, and its files in `workDir` (the caller removes them). */
export interface DiffRangeResult extends RangeCounts {
  /** The annotated findings by itemId, then diff key. */
  findings: FindingSorter;
  statesPath: string;
  resolvedPath: string;
  compressed: boolean;
}

/**
 * A range diffed in this process as the reduce reads it.
 *
 * @example
 * const diffed = diffedRange(await diffRange(input)); for await (const line of diffed.findings()) write(line);
 */
export function diffedRange(result: DiffRangeResult): DiffedRange {
  const { findings, statesPath, resolvedPath, compressed, ...counts } = result;
  return { ...counts, status: 'done', findings: () => findings.sorted(), states: () => keyedRun(statesPath, compressed), resolved: () => keyedRun(resolvedPath, compressed) };
}

/**
 * How a diff range is named in progress, errors and the report's reasons.
 *
 * @example
 * describeRange(2, 8) // 'Diff range 3 of 8'
 */
export function describeRange(range: number, ranges: number): string {
  return `Diff range ${range + 1} of ${ranges}`;
}

/**
 * Diffs one range. The caller reads `findings` and removes `workDir` when done.
 *
 * @example
 * const result = await diffRange({ range: 0, ranges: 1, current: [partition0], previous, seenAt, workDir, sortBudgetChars: 16 << 20, compress: false });
 * result.counts.newViolations // violations not in the previous run
 */
export async function diffRange(input: DiffRangeInput): Promise<DiffRangeResult> {
  const { range, ranges, compress, signal } = input;
  const compression = compress ? 'brotli' : 'none';
  const statesPath = join(input.workDir, `range-${range}.states`);
  const resolvedPath = join(input.workDir, `range-${range}.resolved`);
  const states = new TextSink(statesPath, 'w', compression);
  const resolved = new TextSink(resolvedPath, 'w', compression);
  const findings = new FindingSorter({ budgetChars: input.sortBudgetChars, tmpRoot: input.workDir, compress });
  const holdsEnded: DiffRangeResult['holdsEnded'] = { ended: 0, endedList: [] };
  try {
    const counts = await diffFindings(mergeSorted(input.current), input.previous ? statesOfRange(input.previous, range, ranges) : null, input.seenAt, {
      finding: (line, itemId, key) => {
        signal?.throwIfAborted();
        return findings.add({ key: itemId, then: key, line });
      },
      state: (state) => states.write(keyedLine({ key: state.key, line: toJsonLine(state) })),
      resolved: (entry, key) => resolved.write(keyedLine({ key, line: toJsonLine(entry) })),
      holdEnded: (entry, key) => {
        holdsEnded.ended += 1;
        if (holdsEnded.endedList.length < HOLD_LIST_CAP) holdsEnded.endedList.push({ key, entry });
      },
      holdReason: (line) => (JSON.parse(line) as Finding).reason,
    });
    await states.close();
    await resolved.close();
    return { range, previousRunId: input.previous?.run.runId ?? null, counts, holdsEnded, findings, statesPath, resolvedPath, compressed: compress };
  } catch (error) {
    await Promise.all([states.destroy(), resolved.destroy(), findings.cleanup()]);
    throw error;
  }
}

/**
 * The previous run's states of one range, in key order (the order of the states file). A state
 * without its fingerprint (a damaged line) gets the one its key names, as the map's findings do.
 */
async function* statesOfRange(previous: PreviousRun, range: number, ranges: number): AsyncIterable<FindingState> {
  for await (const state of previous.states()) {
    if (ranges === 1) yield state;
    else {
      const fingerprint = typeof state.fingerprint === 'string' && state.fingerprint.length >= 3 ? state.fingerprint : fingerprintOf(state.key.slice(0, state.key.indexOf('\u0002')));
      if (diffRangeOf(fingerprint, ranges) === range) yield state;
    }
  }
}
