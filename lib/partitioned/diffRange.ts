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
import type { FindingState, PreviousRun, WrittenPart } from '../history/HistoryStore';
import { diffFindings } from '../history/diffFindings';
import { statesOfBuckets } from '../history/stateParts';
import type { Finding } from '../model';
import { FindingSorter, keyedLine, keyedRun, mergeSorted, toJsonLine, type FindingLine } from '../report/FindingSorter';
import { TextSink } from '../report/formats/TextSink';
import type { Changes, HoldEntry } from '../report/ReportModel';
import { HOLD_LIST_CAP } from '../audit/phases/SnapshotTally';
import { BlockWriter, blockCharsFor, readBlock, type Block } from './BlockWriter';
import type { SortedSource } from './cutParts';
import { bucketsOf } from './diffRanges';

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
 * A diffed range as the reduce and the assembly read it, wherever it was diffed (in the reduce's
 * process, or by a function of its own that left it in the run-files bucket); a range that
 * failed has no lines. Its annotated findings are a sorted source (by itemId, then diff key) read
 * block by block for the parts of the reports.
 */
export type DiffedRange =
  | (RangeCounts &
      SortedSource & {
        status: 'done';
        /** Annotated findings in the range. */
        findings: number;
        /** The new states, and the resolved findings: keyed lines by state key. */
        states(): AsyncIterable<FindingLine>;
        resolved(): AsyncIterable<FindingLine>;
        /** The history part its new states were written to by its function (then `states()` has none to give): the commit adopts it. */
        statesPart?: WrittenPart;
      })
  | { range: number; status: 'failed'; error: string };

/** What diffRange leaves: the diffed range, and its files in `workDir` (the caller removes them). */
export interface DiffRangeResult extends RangeCounts {
  /** The annotated findings, by itemId then diff key: how many, and the blocks of their file. */
  findings: number;
  blocks: Block[];
  findingsPath: string;
  statesPath: string;
  resolvedPath: string;
  compressed: boolean;
}

/**
 * A range diffed in this process as the reduce reads it.
 *
 * @example
 * const diffed = diffedRange(await diffRange(input)); diffed.blocks.length // blocks of its findings
 */
export function diffedRange(result: DiffRangeResult): DiffedRange {
  const { findingsPath, statesPath, resolvedPath, compressed, ...counts } = result;
  return {
    ...counts,
    status: 'done',
    read: (block) => readBlock(findingsPath, block, compressed),
    states: () => keyedRun(statesPath, compressed),
    resolved: () => keyedRun(resolvedPath, compressed),
  };
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
 * Diffs one range. The caller reads its files and removes `workDir` when done.
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
  const findingsPath = join(input.workDir, `range-${range}.findings`);
  const findings = new FindingSorter({ budgetChars: input.sortBudgetChars, tmpRoot: input.workDir, compress });
  const blockWriter = new BlockWriter(findingsPath, { compress, blockChars: blockCharsFor(input.sortBudgetChars) });
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
    let written = 0;
    for await (const entry of findings.sorted()) {
      signal?.throwIfAborted();
      await blockWriter.write(entry);
      written += 1;
    }
    const blocks = await blockWriter.close();
    return { range, previousRunId: input.previous?.run.runId ?? null, counts, holdsEnded, findings: written, blocks, findingsPath, statesPath, resolvedPath, compressed: compress };
  } catch (error) {
    await Promise.all([states.destroy(), resolved.destroy(), blockWriter.destroy()]);
    throw error;
  } finally {
    await findings.cleanup();
  }
}

/**
 * The previous run's states of one range, in key order: from the parts that hold its buckets
 * when the store kept them by range, else every state read and this range's kept.
 */
function statesOfRange(previous: PreviousRun, range: number, ranges: number): AsyncIterable<FindingState> {
  if (ranges === 1) return previous.states();
  const buckets = bucketsOf(range, ranges);
  if (previous.statesOf) return previous.statesOf(buckets);
  return statesOfBuckets([{ ...buckets }], buckets, () => previous.states());
}
