import { existsSync } from 'node:fs';
import { appendFile, mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { readLines } from '../inventory/readLines';
import { TextSink } from '../report/formats/TextSink';
import { parseTimestamp } from '../time';
import {
  HistoryConflictError,
  HistoryDamagedError,
  type FindingState,
  type HistoryRun,
  type HistoryStore,
  type HistoryWriter,
  type PreviousRun,
  type SkippedPrevious,
} from './HistoryStore';
import { checkParquetStates, readParquetStates, statesToParquet } from './parquetStates';
import { validateScope } from './validateScope';

const INDEX = 'runs.ndjson';

/** A line of a history file that does not parse, and why. */
interface DamagedLine {
  path: string;
  line: number;
  reason: string;
}

type IndexEntry = { run: HistoryRun } | { damaged: DamagedLine };

/** A scope's `runs.ndjson`, read tolerantly: the runs that parse, and the lines that do not. */
interface RunsIndex {
  path: string;
  runs: HistoryRun[];
  damaged: DamagedLine[];
  /** Every non-blank line in file order: a run, or a damaged line in its place. */
  entries: IndexEntry[];
  /** The last non-blank line: the scope's latest run, or the damaged line that stands in its place. */
  last: IndexEntry | null;
  /** False when the file ends in a line cut short (a crash mid-append): the next record starts a line of its own. */
  endsWithNewline: boolean;
}

/**
 * History on disk, for the CLI: per scope, `runs.ndjson` lists completed runs
 * (with their reports' SHA-256 and their trend counts) and `<runId>.states.parquet`
 * holds each run's finding states, one row per state, sorted by key (lib/history/parquetStates.ts;
 * runs recorded before kept `<runId>.states.ndjson`, one JSON object per line, still read).
 *
 * A damaged file (a truncated or garbage line) never blocks an audit and is
 * never rewritten: a damaged line is skipped; when it is the latest run's line,
 * or that run's states file is damaged, the run compares with nothing and says
 * why, and new runs are still appended after it.
 *
 * @example
 * const history = new FileHistoryStore('reports/history');
 */
export class FileHistoryStore implements HistoryStore {
  private readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  describe(): string {
    return this.root;
  }

  private scopeDir(scope: string): string {
    return join(this.root, validateScope(scope));
  }

  private async index(dir: string): Promise<RunsIndex> {
    const path = join(dir, INDEX);
    const index: RunsIndex = { path, runs: [], damaged: [], entries: [], last: null, endsWithNewline: true };
    if (!existsSync(path)) return index;
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (cause) {
      throw new HistoryDamagedError(`Cannot read the history file ${path}: ${(cause as NodeJS.ErrnoException).code ?? 'error'}.`, { cause });
    }
    index.endsWithNewline = text === '' || text.endsWith('\n');
    for (const [n, line] of text.split('\n').entries()) {
      if (line.trim() === '') continue;
      const parsed = parseRun(line);
      if (typeof parsed === 'string') {
        const damaged = { path, line: n + 1, reason: parsed };
        index.damaged.push(damaged);
        index.last = { damaged };
      } else {
        index.runs.push(parsed);
        index.last = { run: parsed };
      }
      index.entries.push(index.last);
    }
    return index;
  }

  async previous(scope: string, skipped?: (skip: SkippedPrevious) => void): Promise<PreviousRun | null> {
    const dir = this.scopeDir(scope);
    const { last } = await this.index(dir);
    if (!last) return null;
    if ('damaged' in last) {
      skipped?.({ reason: `No comparable previous run: ${describeDamage(last.damaged)}, where the latest run of scope ${scope} is recorded; this run is compared with none, and the next with this one.`, headRunId: null });
      return null;
    }
    const { run } = last;
    // States are Parquet files; runs recorded before that kept NDJSON, still read.
    const parquet = join(dir, `${run.runId}.states.parquet`);
    const legacy = join(dir, `${run.runId}.states.ndjson`);
    const isParquet = existsSync(parquet) || !existsSync(legacy);
    const damage = isParquet ? (existsSync(parquet) ? await checkParquetStates(parquet) : `the history file ${parquet} is missing`) : await checkStates(legacy);
    if (damage) {
      skipped?.({ reason: `No comparable previous run: ${damage} (the finding states of run ${run.runId}); this run is compared with none, and the next with this one.`, headRunId: run.runId });
      return null;
    }
    if (isParquet) return { run, states: () => readParquetStates(parquet), parquetPath: parquet };
    return { run, states: () => readStates(legacy) };
  }

  /** The last `limit` lines of the scope's `runs.ndjson`, newest first; damaged lines are told to `skipped`. */
  async recentRuns(scope: string, limit: number, skipped?: (reason: string) => void): Promise<HistoryRun[]> {
    const dir = this.scopeDir(scope);
    if (limit < 1) return [];
    const { entries } = await this.index(dir);
    const runs: HistoryRun[] = [];
    for (const entry of entries.slice(-limit).reverse()) {
      if ('run' in entry) runs.push(entry.run);
      else skipped?.(describeDamage(entry.damaged));
    }
    return runs;
  }

  /** A recorded run by id; when it is not among the runs that parse and some line does not, the error names those lines. */
  async findRun(runId: string): Promise<HistoryRun | null> {
    if (!existsSync(this.root)) return null;
    const damaged: DamagedLine[] = [];
    for (const scope of await readdir(this.root)) {
      const index = await this.index(join(this.root, scope));
      const found = index.runs.find((run) => run.runId === runId);
      if (found) return found;
      damaged.push(...index.damaged);
    }
    if (damaged.length > 0) {
      const shown = damaged.slice(0, 3).map(describeDamage).join('; ');
      throw new HistoryDamagedError(
        `Run ${runId} is not among the readable runs of the history at ${this.root}, which is damaged: ${shown}${damaged.length > 3 ? `; and ${damaged.length - 3} more lines` : ''}. The run's record may have been there.`,
        { context: { runId } },
      );
    }
    return null;
  }

  begin(scope: string, runId: string, basisRunId: string | null): HistoryWriter {
    const dir = this.scopeDir(scope);
    const final = join(dir, `${runId}.states.parquet`);
    const partial = `${final}.partial`;
    // States written one by one wait as NDJSON lines, turned into the Parquet file at commit.
    const lines = join(dir, `${runId}.states.ndjson.partial`);
    let sink: TextSink | null = null;
    let copied = false;
    const open = async () => {
      if (!sink) {
        await mkdir(dir, { recursive: true });
        sink = new TextSink(lines);
      }
      return sink;
    };
    const index = () => this.index(dir);
    const cleanup = () => Promise.all([rm(partial, { force: true }), rm(lines, { force: true })]);
    return {
      async write(state) {
        await (await open()).write(`${JSON.stringify(state)}\n`);
      },
      async writeParquet(copy) {
        await mkdir(dir, { recursive: true });
        await copy(partial);
        copied = true;
      },
      async commit(run) {
        if (!copied) {
          await (await open()).close();
          await statesToParquet(lines, partial);
          await rm(lines, { force: true });
        }
        const { path, last, endsWithNewline } = await index();
        // The head as previous() saw it: a damaged last line stands for no run.
        const head = last && 'run' in last ? last.run.runId : null;
        if (head !== basisRunId) {
          await cleanup();
          throw new HistoryConflictError(
            `Run ${run.runId} is not the latest of scope ${scope}: ${head === null ? 'another run' : `run ${head}`} of the same scope finished first, so the next run compares with that one.`,
          );
        }
        await rename(partial, final);
        // After a line cut short, this record starts a line of its own; the damaged line stays as it was.
        await appendFile(path, `${endsWithNewline ? '' : '\n'}${JSON.stringify(run)}\n`);
      },
      async abort() {
        await sink?.destroy();
        await cleanup();
      },
    };
  }
}

/** A run record, or why the line is not one. */
function parseRun(line: string): HistoryRun | string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return 'not JSON';
  }
  const run = value as Partial<HistoryRun> | null;
  if (typeof run !== 'object' || run === null || Array.isArray(run)) return 'not a JSON object';
  if (typeof run.runId !== 'string' || run.runId === '') return 'no runId';
  // The run id names its states file: a path in it would read outside the scope's folder.
  if (!/^[A-Za-z0-9_-][A-Za-z0-9._-]*$/.test(run.runId)) return 'a runId that is not a plain name';
  if (typeof run.reports !== 'object' || run.reports === null || Array.isArray(run.reports)) return `run ${run.runId} lists no reports`;
  return run as HistoryRun;
}

/** A finding state, or why the line is not one. */
function parseState(line: string): FindingState | string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return 'not JSON';
  }
  const state = value as Partial<FindingState> | null;
  if (typeof state !== 'object' || state === null || Array.isArray(state)) return 'not a JSON object';
  if (typeof state.key !== 'string' || !state.key.includes('\u0002')) return 'no finding key';
  if (typeof state.verdict !== 'string') return 'no verdict';
  if (parseTimestamp(state.firstSeenAt) === null) return 'no firstSeenAt timestamp';
  return state as FindingState;
}

function describeDamage({ path, line, reason }: DamagedLine): string {
  return `line ${line} of the history file ${path} is damaged (${reason})`;
}

/**
 * Reads a states file once through before the diff uses it: the diff streams
 * it while writing the reports, too late to fall back to "no previous run".
 */
async function checkStates(path: string): Promise<string | null> {
  if (!existsSync(path)) return `the history file ${path} is missing`;
  let previousKey = '';
  let n = 0;
  try {
    for await (const line of readLines(path)) {
      n += 1;
      if (line.trim() === '') continue;
      const state = parseState(line);
      if (typeof state === 'string') return describeDamage({ path, line: n, reason: state });
      // The diff is a merge-join: states out of order would pair the wrong findings.
      if (state.key < previousKey) return describeDamage({ path, line: n, reason: 'out of key order' });
      previousKey = state.key;
    }
  } catch (cause) {
    return `the history file ${path} cannot be read (${(cause as NodeJS.ErrnoException).code ?? 'error'})`;
  }
  return null;
}

async function* readStates(path: string): AsyncIterable<FindingState> {
  let n = 0;
  for await (const line of readLines(path)) {
    n += 1;
    if (line.trim() === '') continue;
    const state = parseState(line);
    // checkStates read it whole just before: only a file changed since then gets here.
    if (typeof state === 'string') throw new HistoryDamagedError(`The history file ${path} changed while it was read: ${describeDamage({ path, line: n, reason: state })}.`);
    yield state;
  }
}
