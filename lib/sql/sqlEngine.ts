import type { Catalog } from '../catalog/loadCatalog';
import type { EngineOptions } from '../engine/evaluate';
import type { SourceEntry, SourceProgress } from '../inventory/InventorySource';
import type { Finding, Verdict } from '../model';
import type { FindingOrder } from '../audit/evaluateEntries';
import type { FindingLine } from '../report/FindingSorter';
import { InputError, StoreError } from '../errors';
import { readFileChunks } from '../fileChunks';
import { createWriteStream, existsSync, rmSync } from 'node:fs';
import { link, mkdtemp, open, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { DuckDBScalarFunction, VARCHAR, type DuckDBPreparedStatement } from './duckdb';
import { inAnyOrder, ItemsTable, onOneThread, onThreads, openDuck, watchProgress, withSetting, type Duck, type DuckOptions } from './duck';
import { isOutOfMemory } from './outOfMemory';
import { evaluationSql } from './evaluationSql';
import { registerGlobFunction } from './globFunction';
import { DIGEST_COLUMNS, validationSql } from './validationSql';
import type { SnapshotDigest } from '../engine/snapshotDigest';
import { lineReaderSql, loadNdjsonItems } from './readNdjsonSql';
import { fileLines } from './fileLines';
import { TextSink } from '../report/formats/TextSink';
import type { LineRows } from '../report/formats/ReportFormat';

/** An NDJSON inventory file DuckDB may read itself, and the snapshot to keep (FileInventorySource's filter). */
export interface NdjsonFile {
  path: string;
  snapshotFilter: string | null;
}
import {
  activeHoldsSql,
  forecastSql,
  snapshotFactsSql,
  summarySql,
  waiverCountsSql,
  type ForecastCounts,
  type SnapshotFacts,
  type WaiverCounts,
} from './insightsSql';
import type { Changes, HoldEntry, ResolvedFinding, Summary } from '../report/ReportModel';
import type { HistoryWriter, PreviousRun } from '../history/HistoryStore';
import { appendPrevStates, createPrevTable, createPrevView, DIFF_TAIL_IDS, diffHoldSql, diffKeyParts, diffSql, groupPrevStates, holdsEndedSql, resolvedSql, stateOf, statesSql, tailedLineSql, writeStatesFile } from './historySql';
import { jsOrderSql } from './jsOrderSql';
import { timed } from './timed';
import { sqlString } from './sqlText';
import type { SeriousFinding } from '../report/ReportModel';
import { mostSeriousOrderSql, seriousFilterSql, seriousOf } from '../report/MostSeriousCollector';

/** What {@link SqlEngine.open} reads, computes and reports beside the findings. */
export interface SqlOpenOptions {
  /** An NDJSON inventory DuckDB may read itself. */
  file?: NdjsonFile;
  /** The run wants the snapshot digest (see SqlEngine.open). */
  digest?: boolean;
  /**
   * When DuckDB reads `file` itself (no entry of the source is read, so the source reports
   * nothing): the bytes of the file read, then the items validated and evaluated (of the
   * items read), each growing and ending at its total. Without it, no progress is asked of DuckDB.
   */
  onProgress?: (progress: SourceProgress) => void;
}

export interface SqlDiffOptions {
  previous: PreviousRun | null;
  /** When this run saw its findings (diffFindings `seenAt`). */
  seenAt: string;
  writer: HistoryWriter;
  resolved(entry: ResolvedFinding): Promise<void>;
  holdListCap: number;
}

export interface SqlDiff {
  counts: Omit<Changes, 'previousRunId' | 'previousCapturedAt'>;
  ended: number;
  endedList: HoldEntry[];
}

/** DuckDB's optimizers that plan from a table's statistics (see SqlEngine.prepareSlices). */
const STATISTICS_OPTIMIZERS = 'statistics_propagation,compressed_materialization';

/** Up to this many ords, {@link rowsByOrd} reads each row on its own. */
const ORDS_READ_ONE_BY_ONE = 64;

/**
 * The rows of `relation` whose ord is one of `ords`: for a few, one scan each, as DuckDB
 * reads a column only where a row matches `ord = n`, where `ord IN (…)` reads every line
 * of the table (half a second at 500,000 findings); for more, that one scan.
 *
 * @example
 * rowsByOrd('findings', ['4', '9']) // 'SELECT * FROM findings WHERE ord = 4 UNION ALL SELECT * FROM findings WHERE ord = 9'
 */
function rowsByOrd(relation: string, ords: readonly string[]): string {
  const numbers = ords.map((ord) => BigInt(ord));
  if (numbers.length > ORDS_READ_ONE_BY_ONE) return `SELECT * FROM ${relation} WHERE ord IN (${numbers.join(', ')})`;
  return numbers.map((ord) => `SELECT * FROM ${relation} WHERE ord = ${ord}`).join(' UNION ALL ');
}

/**
 * Appended rows that start a slice (see {@link SqlEngine}); rows appended while a slice runs wait
 * for the next, so slices grow when the source is quicker than the evaluation. What a slice costs
 * beside its rows (copying them to item_slice, starting the prepared statement) is about 40 ms.
 * `run --table` on a local DynamoDB (npm run bench, which shares the two cores with it), against
 * slices of 131,072 with the program planned after the read: 50,000 items 3.0–3.3 s → 2.7–3.1 s
 * (slices of 16,384: 2.7–3.0 s); 200,000 items within the machine's noise (9.2–10.4 s, the bare
 * Scan 5.6–5.8 s), where the read and the evaluation both want the two cores.
 */
export const SLICE_ROWS = 32_768;

/**
 * The report's lines are sorted in one go up to this many times the memory limit (see SqlEngine.sortedParts;
 * after a diff, also while its join fits, {@link DIFF_JOIN_LIMITS}).
 * DuckDB 1.5's sort, on one thread within 256 MB, took 6.8 s for 1,000,000 lines of about 950 bytes and 36.7 s
 * for 4,000,000 (3.8 GB); in parts, 1,000,000 took 18.6 s (10.9 s to cut them, on one thread then, 7.7 s to sort and write).
 */
const SORT_IN_ONE_LIMITS = 16;
/**
 * Beyond, in parts of this many times the memory limit (each sorted alone, on one thread; DuckDB's
 * sort spills what is beyond the limit). Parts this large are few (10,000,000 findings: about 19 at
 * 256 MB), so that the cut buffers few row groups and runs on every thread (see cutPlan).
 * 10,000,000 findings with history (npm run bench), against parts of half the limit cut on one
 * thread: the cut 137 s → 34 s (with cutPlan's flush), the parts' sorts 75 s → 80 s, the run
 * 472 s → 363 s, its peak RSS 946 MB → 780 MB.
 */
const PART_LIMITS = 2;
/**
 * After a diff, the report is sorted in one go only while the hash table of its join of the findings with the
 * numbers of their tails (historySql.ts `diffed`) takes at most this share of the memory limit; beyond it, in parts
 * (each joins its own). Measured with that join, history on, in one sort: 1,330,000 findings within 256MB (a share
 * of 0.249) passed, 3,000,000 (0.56) ran out of memory. Between those, unmeasured: a quarter is the share known to pass.
 */
const DIFF_JOIN_LIMITS = 0.25;
/** The bytes of that hash table per finding (its ord and tail number, with the table's own hash and pointer), as estimated. */
const DIFF_JOIN_ROW_BYTES = 48;
/** A row of the tails' cut (cutParts): its part, the item key's sort key (about 20–40 bytes), ord and the tail's number. */
const TAIL_ID_CUT_BYTES = 64;
/** The most a diff adds to a line: `,"status":"persisting","firstSeenAt":"<ISO instant>","daysOpen":<number>` (historySql.ts lineTailSql). */
const DIFF_TAIL_BYTES = 96;
/** Keys sampled to choose the parts' boundaries. */
const KEY_SAMPLE_ROWS = 65_536;
/** The table of the item keys more than one finding has (SqlEngine.repeatedItemIds), one column: repeated_key. */
const REPEATED_KEYS = 'repeated_keys';
/** Up to this many repeated item keys, only their findings take the diff key as a sort key (SqlEngine.tiebreakSql). */
const REPEATED_KEYS_FOR_TIEBREAK = 65_536;

/**
 * The share of the first statement of the evaluation (the plain items, through the fast path) in its
 * progress; the rest (the other items) is the second's. 500,000 items: 5.7 s of CPU against 0.5 s.
 */
const PLAIN_SHARE = 0.9;
/**
 * The share of cutting the lines in parts (see SqlEngine.sortedParts) in the progress of writing a
 * report in parts; sorting and writing the parts in turn is the rest. 10,000,000 findings: 120 s to
 * cut them, 70 s to sort and write the parts.
 */
const CUT_SHARE = 0.5;

/**
 * COPY options that write each row's one text column as it is, a line each: CSV with no
 * header, no quote and a delimiter a line never holds. FORCE_QUOTE with an empty quote
 * writes every value as it is without first scanning it for characters that would need
 * quoting (DuckDB's CSVWriter::RequiresQuotes, a byte-by-byte loop that was two thirds of
 * the writer's time on 900-byte lines): with no quote character a value is written raw
 * either way, so the bytes are the same.
 *
 * With `before` lines (at least one, and rows to follow them), they are the file's PREFIX:
 * the writer then puts each row's newline before the next row instead of after it, and
 * the SUFFIX (a newline) ends the last one, so the file is the same as with the lines
 * written first, without a UNION that sorts them in front of the rows.
 */
function linesCopyOptions(before: readonly string[] = []): string {
  const prefix = before.length === 0 ? '' : `, PREFIX ${sqlString(before.map((line) => `${line}\n`).join(''))}, SUFFIX ${sqlString('\n')}`;
  return `(FORMAT csv, HEADER false, QUOTE '', ESCAPE '', DELIMITER ${sqlString('\u0001')}, FORCE_QUOTE *${prefix})`;
}

/** Lines copyLines wrote, in a file of the engine's: bytes `start` to `end` (exclusive), each line followed by `suffix`. */
interface CopiedLines {
  file: string;
  start: number;
  end: number;
  suffix: string;
  /** The lines before them (start's bytes). */
  skip: number;
}

/** Kept lines, and the size of their file now. */
type KeptLines = CopiedLines & { size: number };

/**
 * The lines of `copied` without their suffix, as copyLines wrote them. The file may since have been cut short
 * at its end (the JSON writer cuts the last line's ",\n"): a line without its suffix is taken as it is (a
 * finding's line ends with its object's `}`, never with a suffix). `onProgress`: how far the reading is (0 to 1).
 */
async function* copiedLines(copied: CopiedLines, onProgress?: (fraction: number) => void): AsyncIterable<string> {
  const { file, start, end, suffix } = copied;
  if (end <= start) return;
  let read = 0;
  let reported = 0;
  for await (const line of fileLines(file, { start, end: end - 1 })) {
    yield suffix !== '' && line.endsWith(suffix) ? line.slice(0, -suffix.length) : line;
    read += line.length + 1;
    if (onProgress && read - reported > PROGRESS_BYTES) {
      reported = read;
      onProgress(Math.min(read / (end - start), 1));
    }
  }
}

/** `length` bytes of `file` from byte `at` (fewer past its end), and the file's size. */
async function readRange(file: string, at: number, length: number): Promise<{ bytes: Buffer; size: number }> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const { bytesRead, buffer } = await handle.read(Buffer.alloc(length), 0, length, at);
    return { bytes: buffer.subarray(0, bytesRead), size };
  } finally {
    await handle.close();
  }
}

/** How many bytes (about) copiedLines reads between two reports of its progress. */
const PROGRESS_BYTES = 16 << 20;

/**
 * A finding line's verdict member, as the line spells it: the line holds this text exactly when
 * its verdict is `verdict`. A line has one `verdict` member, and no other text matches: inside
 * a JSON string every quote is escaped (`\"`), no object within a finding has a `verdict` key,
 * and the one other key with the word, `underlyingVerdict`, spells it with a capital V.
 *
 * @example
 * verdictMember('compliant') // '"verdict":"compliant"'
 */
function verdictMember(verdict: Verdict): string {
  return `${JSON.stringify('verdict')}:${JSON.stringify(verdict)}`;
}

/**
 * Bytes of a DuckDB size setting as it prints it ('244.1 MiB', '1.0 GiB', '512 bytes').
 *
 * @example
 * bytesOf('244.1 MiB') // 255957401
 */
export function bytesOf(setting: string): number {
  const match = /^([\d.]+)\s*(bytes|[KMGTP]i?B)?$/i.exec(setting.trim());
  if (!match) return Number.POSITIVE_INFINITY;
  const unit = (match[2] ?? 'bytes').toUpperCase();
  const power = { BYTES: 0, KB: 1, KIB: 1, MB: 2, MIB: 2, GB: 3, GIB: 3, TB: 4, TIB: 4, PB: 5, PIB: 5 }[unit] ?? 0;
  const base = unit.includes('I') || unit === 'BYTES' ? 1024 : 1000;
  return Math.floor(Number(match[1]) * base ** power);
}

/**
 * Whether the report's `count` lines of about `rowBytes` each are sorted in one go (else in parts, see
 * SqlEngine.sortedParts): up to `inOne` bytes of them, and after a diff only while the hash table of the
 * join that gives each finding its tail (historySql.ts `diffed`), read under the sort, fits a share of the
 * memory `limit` ({@link DIFF_JOIN_LIMITS}).
 *
 * @example
 * sortsInOne({ count: 3_000_000, rowBytes: 1100, limit: 256e6, inOne: 16 * 256e6, diffed: true }) // false
 */
export function sortsInOne(report: { count: number; rowBytes: number; limit: number; inOne: number; diffed: boolean }): boolean {
  const { count, rowBytes, limit, inOne, diffed } = report;
  return count * rowBytes <= inOne && (!diffed || diffJoinParts(count, limit) <= 1);
}

/** After a diff, the fewest parts among which `count` findings' join with their tail numbers fits as {@link DIFF_JOIN_LIMITS} wants. */
function diffJoinParts(count: number, limit: number): number {
  return Math.ceil((count * DIFF_JOIN_ROW_BYTES) / (limit * DIFF_JOIN_LIMITS));
}

/** The fewest rows of a row group the cut writes: with many parts, a quarter of the limit shared among them leaves each a tiny one. */
const MIN_ROW_GROUP_ROWS = 1024;

/**
 * How the cut (COPY … PARTITION_BY, see SqlEngine.cutParts) writes `parts` parts at once: each
 * thread keeps a row group of `rows` rows per part and hands its rows to the parts' files once it
 * holds `rows` × `parts` of them (DuckDB's partitioned_write_flush_threshold, whose default,
 * 524,288 rows, at 1 kB a row spilled what each thread held beyond the limit: 500,000 findings cut
 * in 18 parts took 1.6–1.8 s, 0.8 s with it set), together a quarter of the memory limit. On the
 * engine's `threads` when each one's row groups then hold at least {@link MIN_ROW_GROUP_ROWS} rows,
 * else on one (two threads with the fewest rows each, 90 parts of 5,000 findings, ran out of a
 * 256 MB limit).
 *
 * @example
 * cutPlan(256 * 2 ** 20, 20, 1000, 2) // { threads: 2, rows: 1677 }
 * cutPlan(256 * 2 ** 20, 80, 1000, 2) // { threads: 1, rows: 1024 }
 */
function cutPlan(limit: number, parts: number, bytesPerRow: number, threads: number): { threads: number; rows: number } {
  const rows = (on: number) => Math.floor(limit / 4 / parts / bytesPerRow / on);
  if (threads > 1 && rows(threads) >= MIN_ROW_GROUP_ROWS) return { threads, rows: rows(threads) };
  return { threads: 1, rows: Math.max(MIN_ROW_GROUP_ROWS, rows(1)) };
}

/**
 * Runs one step of the SQL engine (timed): DuckDB's error becomes a StoreError naming the step,
 * its first line only (DuckDB's next lines suggest SET statements no user of the CLI can run)
 * and, when memory ran out, the limit to raise. The InputErrors of a file are the user's, as they are.
 */
async function guardedStep<T>(what: string, duckOptions: DuckOptions, work: () => Promise<T>): Promise<T> {
  try {
    return await timed(what, work);
  } catch (cause) {
    if (cause instanceof InputError) throw cause;
    const line = (cause as Error).message.split('\n')[0] ?? String(cause);
    const message = /[.!?]$/.test(line) ? line : `${line}.`;
    const hint = isOutOfMemory(message) ? ` Raise --memory-limit (now ${duckOptions.memoryLimit ?? "DuckDB's default"}) or lower --workers.` : '';
    throw new StoreError(`The SQL engine failed while ${what}: ${message}${hint}`, { cause });
  }
}

/**
 * A report cut in parts (SqlEngine.sortedParts), in a folder of their own: for each part, in the
 * report's order, a relation of its rows (text: the report line, k1, k2, ord, item_key) to sort alone.
 */
interface ReportParts {
  dir: string;
  parts: string[];
}

/**
 * The progress of writing a report (0 to 1) from the progress of its statement `index`: in parts,
 * after the cut's share, each part an equal share of the rest, in turn; else the one statement's.
 *
 * @example
 * partsProgress(report, { dir, parts: ['SELECT …', 'SELECT …'] })(1)(0.5) // report(0.875)
 */
function partsProgress(report: (fraction: number) => void, parts: ReportParts | null): (index: number) => (fraction: number) => void {
  const [from, count] = parts ? [CUT_SHARE, parts.parts.length] : [0, 1];
  return (index) => (fraction) => report(from + ((1 - from) * (index + fraction)) / count);
}

export interface TallyOptions {
  /** The run's snapshot id when the source named it (else the first finding's). */
  runSnapshotId: string | null;
  otherSnapshotsLimit: number;
  holdListCap: number;
  forecastDays: number;
}

/** The run's tallies of the findings (see {@link SqlEngine.tallies}). */
export interface SqlTallies {
  summary: Summary;
  snapshot: SnapshotFacts;
  holds: { active: number; activeList: HoldEntry[] };
  forecast: ForecastCounts;
  waivers: WaiverCounts[];
}

/**
 * The audit engine as one SQL program run by an in-process DuckDB
 * (lib/sql/relations.ts): entries are appended to the `items` table as the
 * source yields them, then validation (lib/sql/validationSql.ts) and the
 * catalog compiled to SQL (lib/sql/evaluationSql.ts, one fragment per rule
 * kind) give one finding per entry, identical to lib/engine/evaluate.ts.
 *
 * Reading and evaluating overlap: the program is planned as the engine opens, and once
 * {@link SLICE_ROWS} appended rows wait, they are validated and evaluated as one slice
 * (`ord` range) on the engine's connection while the source goes on appending through a
 * connection of its own; the rows left when the source ends are the last slice. (A file
 * DuckDB reads itself is evaluated in one go.)
 *
 * @example
 * const sql = await SqlEngine.open(catalog, engineOptions, { threads: 2 });
 * for await (const entry of source.entries()) sql.append(entry);
 * for await (const finding of sql.findings()) console.log(finding.verdict);
 * sql.close();
 */
export class SqlEngine {
  /** Once close() is called: settles when DuckDB is closed. */
  private closing: Promise<void> | null = null;
  /** The program's run (see prepare), once asked for. */
  private preparing: Promise<void> | null = null;
  /** Rows with `ord` below this are in (or on their way to) the findings table. */
  private slicedTo = 0;
  /** A slice is queued or running: the rows appended meanwhile wait for the next. */
  private sliceQueued = false;
  /** The program's work so far, in order (see chain): its planning, the slices, and what prepare() adds; its error is thrown by prepare(). */
  private work: Promise<void> = Promise.resolve();
  /** The last of {@link work} while it runs, else null: what close() waits for. */
  private workRunning: Promise<void> | null = null;
  /** The report's parts for the lines' state (see sortedParts), and every folder of parts made. */
  private parts: { state: string; cut: Promise<ReportParts | null> } | null = null;
  private readonly partDirs: string[] = [];
  /** The INSERT that evaluates a slice (see evaluatePrepared), once prepared. */
  private insertSlice: Promise<DuckDBPreparedStatement> | null = null;
  private diffed = false;
  private replaced = false;
  /** The lines copyLines wrote last, which the passes after it read again instead of sorting them again (see {@link copyLines}). */
  private copied: CopiedLines | null = null;
  /** The function rowFunction registered for each LineRows (once: a function stays with its connection). */
  private readonly rowFunctions = new Map<LineRows, string>();
  /**
   * How many item keys more than one finding has ({@link repeatedItemIds} keeps them in
   * {@link REPEATED_KEYS}), for the lines' state; null until it is asked.
   */
  private repeatedKeys: number | null = null;

  private constructor(
    private readonly duck: Duck,
    private readonly items: ItemsTable | null,
    private readonly catalog: Catalog,
    private readonly options: EngineOptions,
    private readonly duckOptions: DuckOptions,
    /** Whether the program computes the snapshot digest's columns (see {@link addDigestTo}). */
    private readonly digesting: boolean,
    /** How far the evaluation of the items DuckDB read from the file is (0 to 1), when progress is wanted. */
    private readonly evaluationProgress: ((fraction: number) => void) | null,
  ) {}

  /**
   * Opens the engine. With `file` (an NDJSON inventory), DuckDB reads the file into
   * `items` itself (lib/sql/readNdjsonSql.ts) when it can prove it reads it as
   * FileInventorySource does: then `loadedFromFile` is true and nothing is appended.
   * `digest`: the run wants the snapshot digest, which the program then computes for the
   * file it read ({@link addDigestTo}; appended entries are the caller's to digest).
   * `onProgress`: see {@link SqlOpenOptions}.
   */
  static async open(catalog: Catalog, options: EngineOptions, duckOptions: DuckOptions = {}, opening: SqlOpenOptions = {}): Promise<SqlEngine> {
    const { file, digest = false, onProgress } = opening;
    const duck = await openDuck(duckOptions);
    try {
      // Waiver globs RE2 cannot express run through picomatch itself.
      registerGlobFunction(duck.connection);
      const load = { table: 'items', snapshotFilter: file?.snapshotFilter ?? null, onProgress, progressEveryMs: duckOptions.progressEveryMs };
      const loaded = file ? await guardedStep('reading the file', duckOptions, () => loadNdjsonItems(duck.connection, file.path, load)) : null;
      const evaluationProgress = loaded && onProgress ? (fraction: number) => onProgress({ done: Math.round(fraction * loaded.count), total: loaded.count, unit: 'items' }) : null;
      const items = loaded ? null : await ItemsTable.create(duck.connection, await duck.connect());
      const engine = new SqlEngine(duck, items, catalog, options, duckOptions, loaded !== null && digest, evaluationProgress);
      if (items) engine.planSlices();
      return engine;
    } catch (error) {
      duck.close();
      throw error;
    }
  }

  /** Whether DuckDB read the inventory file itself (no entry is to be appended). */
  get loadedFromFile(): boolean {
    return this.items === null;
  }

  /** Takes one entry of the source (a gap is the caller's business). */
  append(entry: Exclude<SourceEntry, { kind: 'gap' }>): void {
    if (!this.items) throw new Error('The SQL engine read the inventory file itself: nothing is appended.');
    if (entry.kind === 'parse-error') {
      this.items.append({ location: entry.location, raw: null, parseError: entry.reason });
      return;
    }
    this.items.append({ location: entry.location ?? null, raw: entry.text ?? JSON.stringify(entry.raw) });
    if (!this.sliceQueued && this.items.count - this.slicedTo >= (this.duckOptions.sliceRows ?? SLICE_ROWS)) this.startSlice(this.items);
  }

  /**
   * Plans the slices' statement (see prepareSlices) while the source's first entries are on their
   * way: the program is planned once, as the source opens, not after its last page.
   */
  private planSlices(): void {
    this.chain(async () => {
      this.insertSlice = this.guarded('planning the evaluation', () => this.prepareSlices());
      await this.insertSlice;
    });
  }

  /**
   * Evaluates the rows appended since the last slice, while the source goes on: on a thread fewer
   * than the engine's (one at least), leaving a core to JavaScript, which reads the source meanwhile
   * (pages parsed, unmarshalled, appended). A 50,000-item slice on two threads took 1.5 times the CPU
   * of one thread for a few percent of wall time. `run --table` on the local DynamoDB, two cores:
   * peak RSS 50,000 items 484–526 → 462–475 MB, 200,000 items 604–646 → 574–595 MB, wall times within noise.
   */
  private startSlice(items: ItemsTable): void {
    items.flush();
    const ords = { from: this.slicedTo, to: items.count };
    this.slicedTo = ords.to;
    this.sliceQueued = true;
    // Decided as the slice starts: one queued as the source ended runs on every thread.
    const whileReading = (threads: number) => (this.preparing ? threads : Math.max(1, threads - 1));
    this.chain(() => onThreads(this.duck.connection, whileReading, () => this.evaluatePrepared(ords)).finally(() => (this.sliceQueued = false)));
  }

  /**
   * Runs `next` once the program's work before it has ended (not once some failed, nor once the
   * engine is closed); prepare() awaits the last and throws its error, and close() waits for it.
   */
  private chain(next: () => Promise<void>): void {
    const link = this.work.then(() => (this.closing ? undefined : next()));
    this.work = link;
    this.workRunning = link;
    // Also what keeps a failure from counting as unhandled until prepare() awaits it.
    const ended = () => {
      if (this.workRunning === link) this.workRunning = null;
    };
    link.then(ended, ended);
  }

  /**
   * Validates and evaluates the rows of a file DuckDB read into the findings table (ord,
   * item_id, diff_key, diff_hold, finding…), in one go. (The rows a source appends are
   * evaluated in slices as they come: see evaluatePrepared.)
   */
  private async evaluateFile(): Promise<void> {
    // Validation and evaluation in one statement: the checked rows flow into the evaluation instead of being
    // stored (beyond the memory limit, spilled) and read back. The findings are a TEMP table: kept uncompressed in
    // memory up to the limit and spilled to temp_directory beyond it (about 9% fewer instructions than a compressed
    // table of the database file, callgrind), stored in any order (every reader orders by ord): duck.ts inAnyOrder.
    // Two statements: the plain items through the fast path alone, one streaming pipeline; then the others, those
    // without a finding yet, through the general path. One statement holds every row's fast-path columns for the join
    // of the two paths: 500,000 items, this step alone, 0.3–0.5 s and 80–100 MB of peak RSS more; in whole runs, about
    // 0.5 s of CPU and 35 MB of peak RSS more on average, the wall time within noise.
    const report = this.evaluationProgress;
    const plain = report && ((fraction: number) => report(fraction * PLAIN_SHARE));
    const rest = report && ((fraction: number) => report(PLAIN_SHARE + fraction * (1 - PLAIN_SHARE)));
    await this.step('validating and evaluating', `CREATE TEMP TABLE findings AS ${this.programOver('items', 'plain')}`, { anyOrder: true, progress: plain });
    await this.step('validating and evaluating the items off the fast path', `INSERT INTO findings ${this.programOver('items', 'rest')}`, { anyOrder: true, progress: rest });
  }

  /** Drops the stage-1 tables (and the slices' statement) once every row is evaluated. */
  private async dropItems(): Promise<void> {
    const { connection } = this.duck;
    await connection.run('DROP TABLE items');
    if (!this.insertSlice) return;
    (await this.insertSlice).destroySync();
    this.insertSlice = null;
    await connection.run('DROP TABLE item_slice');
  }

  /**
   * The program (validation, then the catalog compiled to SQL) over the stage-1 rows of `table`: all of them,
   * the plain ones alone (validationSql `only`), or the rest (those with no finding yet).
   */
  private programOver(table: string, part?: 'plain' | 'rest'): string {
    const rows = part === 'plain' ? { only: 'plain' as const } : part === 'rest' ? { fastPath: false, skipOrdsOf: '(SELECT ord FROM findings)' } : {};
    const validation = validationSql(
      { capturedNotAfterMs: this.options.capturedNotAfterMs },
      { declaredEvents: this.catalog.events, table, digest: this.digesting, ...rows },
    );
    // diff_key: lib/history/diffFindings.ts diffKey(identityKey(finding), itemId, verdict), the order of the history diff;
    // diff_hold: the reason its state keeps as `hold` (historySql.ts diffHoldSql).
    const field = (name: string) => `coalesce(${name}, '')`;
    return `WITH checked AS NOT MATERIALIZED (${validation})
      SELECT *, ${diffHoldSql('diff_key', 'finding')} AS diff_hold FROM (
        SELECT *,
          ${field('tenant_id')} || chr(1) || ${field('module')} || chr(1) || ${field('data_category')} || chr(1) || ${field('store_resource')}
            || chr(2) || coalesce(item_id, '') || chr(2) || verdict AS diff_key
        FROM (${evaluationSql(this.catalog, this.options, 'checked', this.digesting ? DIGEST_COLUMNS : [])}))`;
  }

  /**
   * Evaluates the appended rows whose ord is in [from, to) with the INSERT prepared (once)
   * over table `item_slice`, into which they are copied first: a prepared statement reads
   * the same table each time, and its filter on a parameter would scan every row appended so far.
   */
  private async evaluatePrepared(ords: { from: number; to: number }): Promise<void> {
    const { connection } = this.duck;
    await this.guarded('validating and evaluating', async () => {
      const insert = await this.insertSlice!;
      await connection.run('DELETE FROM item_slice');
      await connection.run(`INSERT INTO item_slice SELECT * FROM items WHERE ord >= ${ords.from} AND ord < ${ords.to}`);
      // Stored in any order, as the file's findings are (see evaluateFile); prepared under the same setting.
      await inAnyOrder(connection, () => insert.run());
    });
  }

  /** The slices' table, the (empty) findings table, and the INSERT that evaluates a slice into it (see evaluatePrepared). */
  private async prepareSlices(): Promise<DuckDBPreparedStatement> {
    const { connection } = this.duck;
    await connection.run('CREATE TEMP TABLE item_slice AS SELECT * FROM items LIMIT 0');
    // Planned without the table's statistics: they are those of the table when it is planned (empty), and the
    // statement runs over every slice. With them, DuckDB folds what they seem to prove (no parse_error in an empty
    // table: its coalesce() was dropped, and the parse errors of later slices lost their reason). The findings table
    // takes its columns from the same program over the same empty table, made WITH NO DATA: 80–90 ms of CPU against
    // 150–180 ms for a CREATE TABLE AS that runs the program over it, beside the prepared statement's 110–150 ms
    // (scratch measurement, one process, three rounds).
    const program = this.programOver('item_slice');
    return inAnyOrder(connection, () =>
      withSetting(connection, 'disabled_optimizers', sqlString(STATISTICS_OPTIMIZERS), async () => {
        await connection.run(`CREATE TEMP TABLE findings AS ${program} WITH NO DATA`);
        return connection.prepare(`INSERT INTO findings ${program}`);
      }),
    );
  }

  /**
   * Runs the SQL program once: the findings table (ord, item_id, diff_key, finding). Asked again, it
   * gives the same outcome (a failure too), as part of the program's work (see chain).
   */
  private prepare(): Promise<void> {
    if (!this.preparing) {
      const { items } = this;
      items?.close();
      this.chain(async () => {
        // The rows appended since the last slice, or the file DuckDB read.
        if (!items) await this.evaluateFile();
        else if (items.count > this.slicedTo) await this.evaluatePrepared({ from: this.slicedTo, to: items.count });
        // Nothing reads the items again once they are evaluated: their memory goes to what follows.
        await this.dropItems();
      });
      this.preparing = this.work;
    }
    return this.preparing;
  }

  /** Runs `work` with DuckDB on one thread, then gives it back its threads. */
  private withOneThread<T>(work: () => Promise<T>): Promise<T> {
    return onOneThread(this.duck.connection, work);
  }

  /**
   * Runs one statement of the program; an error names the step and, when it is memory, the limit to raise.
   * `anyOrder`: the rows it writes may be stored in any order (duck.ts inAnyOrder). `progress`: see {@link run}.
   */
  private async step(what: string, sql: string, options: { anyOrder?: boolean; progress?: ((fraction: number) => void) | null } = {}): Promise<void> {
    const { connection } = this.duck;
    await this.guarded(what, () => (options.anyOrder ? inAnyOrder(connection, () => this.run(sql, options.progress)) : this.run(sql, options.progress)));
  }

  /**
   * Runs one statement; with `progress`, tells it how far the statement is (0 to 1, growing) as it
   * runs, and 1 once it ended, even when it ended before DuckDB was first asked.
   */
  private async run(sql: string, progress?: ((fraction: number) => void) | null): Promise<void> {
    const { connection } = this.duck;
    if (!progress) {
      await connection.run(sql);
      return;
    }
    await watchProgress(connection, progress, () => connection.run(sql), this.duckOptions.progressEveryMs);
    progress(1);
  }

  /** Runs `work` (timed), an error naming the step and, when it is memory, the limit to raise. */
  private guarded<T>(what: string, work: () => Promise<T>): Promise<T> {
    return guardedStep(what, this.duckOptions, work);
  }

  /**
   * The finding rows, one per appended entry: in the order appended, by itemId (no
   * itemId first, then code-point order; ties in the order appended) or by the
   * history diff's key; each the finding's JSON text and its key.
   */
  private async *rows(order: 'read' | FindingOrder): AsyncIterable<[text: string, key: string | null]> {
    await this.prepare();
    let sql: string;
    if (order === 'itemId') {
      const report = this.reportOrder();
      sql = `SELECT ${report.line}, ${report.key} FROM ${report.from} ORDER BY ${report.orderBy}`;
    } else {
      sql = `SELECT finding, ${order === 'identity' ? 'diff_key' : 'item_id'} FROM findings ORDER BY ${order === 'read' ? 'ord' : `${jsOrderSql('diff_key')}, ord`}`;
    }
    const result = await this.duck.connection.stream(sql);
    for await (const rows of result.yieldRows()) {
      for (const [text, rowKey] of rows) yield [text as string, (rowKey as string | null) ?? null];
    }
  }

  /**
   * What the run counts of the findings, as SQL aggregates (lib/sql/insightsSql.ts):
   * no finding is read back to be counted.
   *
   * The five tallies are asked at once, on the one connection (which runs one query at a
   * time): each query waits for JavaScript to take its result and send the next, and with
   * history on, the snapshot digest keeps JavaScript busy meanwhile (500,000 items: the
   * tallies took 2.3 s of wall time one after another, 0.5 s without the digest). Asked at
   * once, a query follows the last without waiting for JavaScript, but in a tally's own chain.
   */
  async tallies(options: TallyOptions): Promise<SqlTallies> {
    await this.prepare();
    const { connection } = this.duck;
    return this.guarded('counting (tallies)', async () => {
      const [summary, snapshot, holds, forecast, waivers] = await Promise.all([
        summarySql(connection, 'findings'),
        snapshotFactsSql(connection, 'findings', options.runSnapshotId, options.otherSnapshotsLimit),
        activeHoldsSql(connection, 'findings', options.holdListCap),
        forecastSql(connection, 'findings', options.forecastDays),
        waiverCountsSql(connection, 'findings', this.options.waivers),
      ]);
      return { summary, snapshot, holds, forecast, waivers };
    });
  }

  /**
   * Adds the snapshot digest (lib/engine/snapshotDigest.ts) of the items DuckDB read from
   * the file to `digest` (open's `digest`): the SHA-256 of each plain item's RFC 8785 JSON is
   * computed and summed in SQL (validationSql DIGEST_COLUMNS), on every thread; the other
   * items (hostile ones, spelt with escapes or spaces) are parsed and added in JavaScript.
   * The same digest as adding every item the file's entries hold. Gives how many items each way took.
   */
  async addDigestTo(digest: SnapshotDigest): Promise<{ inSql: number; inJavaScript: number }> {
    if (!this.digesting) throw new Error('The SQL engine computes the snapshot digest only of a file it read, when opened with digest.');
    await this.prepare();
    const { connection } = this.duck;
    return this.guarded('the snapshot digest', async () => {
      const words = DIGEST_COLUMNS.slice(0, 4);
      const [row] = (await connection.runAndReadAll(`SELECT ${words.map((w) => `CAST(coalesce(sum(${w}), 0) AS VARCHAR)`).join(', ')}, count(digest_w0) FROM findings`)).getRows();
      // Each word's sum carries into the word before it; the digest's sum is modulo 2^256.
      const sum = row!.slice(0, 4).reduce<bigint>((total, word) => (total << 64n) + BigInt(word as string), 0n) & ((1n << 256n) - 1n);
      const inSql = Number(row![4]);
      digest.merge({ sum: sum.toString(16).padStart(64, '0'), count: inSql });
      let inJavaScript = 0;
      const others = await connection.stream('SELECT digest_raw FROM findings WHERE digest_raw IS NOT NULL');
      for await (const rows of others.yieldRows()) {
        for (const [text] of rows) digest.add(JSON.parse(text as string), text as string);
        inJavaScript += rows.length;
      }
      return { inSql, inJavaScript };
    });
  }

  /**
   * The history diff as joins (lib/sql/historySql.ts) against the previous run's
   * states: read by DuckDB from the store's Parquet file, or appended as the store
   * gives them; this run's states go to the writer (as one Parquet file when it
   * takes one). Afterwards `lines('itemId')` gives the findings with their status.
   */
  async diff(options: SqlDiffOptions): Promise<SqlDiff> {
    await this.prepare();
    const { connection } = this.duck;
    // DuckDB reads a Parquet file in place; a store's states otherwise come through JavaScript (its errors as they are).
    const parquetPath = options.previous?.parquetPath;
    if (parquetPath) await createPrevView(connection, parquetPath);
    else {
      await createPrevTable(connection);
      if (options.previous) await appendPrevStates(connection, options.previous.states());
    }
    await this.guarded("reading the previous run's states", () => groupPrevStates(connection));
    const { counts, plainKeys } = await this.guarded('the history diff', () => diffSql(connection, options.seenAt, { findingFingerprints: true }));
    let resolved = 0;
    const holds = await timed('listing what is gone', async () => {
      for await (const entry of resolvedSql(connection, options.seenAt)) {
        resolved += 1;
        await options.resolved(entry);
      }
      return holdsEndedSql(connection, options.holdListCap);
    });
    const { writer } = options;
    if (writer.writeParquet) {
      await writer.writeParquet((path) => this.guarded('writing the history', () => writeStatesFile(connection, path, plainKeys)));
    } else {
      const result = await connection.stream(statesSql(plainKeys));
      for await (const rows of result.yieldRows()) for (const row of rows) await writer.write(stateOf(row));
    }
    this.diffed = true;
    this.copied = null;
    // Any keys listed were itemIds; the diffed lines' are the diff's item keys, to be listed again (tiebreakSql).
    this.repeatedKeys = null;
    await connection.run(`DROP TABLE IF EXISTS ${REPEATED_KEYS}`);
    return { counts: { new: counts.new, persisting: counts.persisting, resolved, newViolations: counts.newViolations }, ...holds };
  }

  /**
   * The report's order: by itemId (none first) in JavaScript's string order, as the
   * reference engine's sorters sort; after a diff, the diffed lines by the itemId the
   * diff read back, ties in the diff's order (as they reach the reference's sorter).
   */
  private reportOrder(): { from: string; line: string; key: string; tiebreak: string; orderBy: string } {
    const [from, line, key] = this.diffed ? ['diffed', 'line', 'item_key'] : ['findings', 'finding', 'item_id'];
    const tiebreak = this.diffed ? `${jsOrderSql('diff_key')}, ord` : 'ord';
    return { from, line, key, tiebreak, orderBy: `${jsOrderSql(key)} NULLS FIRST, ${tiebreak}` };
  }

  /**
   * The report's rows with their sort columns alone (ord, diff_key, and reportOrder's `key`), straight from the
   * findings: after a diff, the itemId each diff key gives back, as `diffed` has it, without the view's join of
   * every finding with its diff row, which ran out of a 256 MB limit at 10,000,000 findings where only keys were read.
   */
  private keyRows(): string {
    return this.diffed ? `(SELECT ord, diff_key, ${diffKeyParts('diff_key').itemKey} AS item_key FROM findings)` : 'findings';
  }

  /**
   * The findings whose itemId an earlier finding of the report already has (each
   * after the first of its itemId), in the report's order: the run marks them
   * invalid (runAudit duplicateOf) and gives the new lines to {@link replaceLines}.
   */
  async repeatedItemIds(): Promise<{ ord: bigint; line: string }[]> {
    await this.prepare();
    const { from, line, key, tiebreak, orderBy } = this.reportOrder();
    const { connection } = this.duck;
    const keys = this.keyRows();
    return this.guarded('finding repeated itemIds', async () => {
      // A GROUP BY, not count(DISTINCT …): DuckDB's grouping spills to disk, and 10 million
      // distinct itemIds do not fit a 256 MB limit. Kept: the report's sort needs the diff key of their findings alone (tiebreakSql).
      await connection.run(`CREATE OR REPLACE TEMP TABLE ${REPEATED_KEYS} AS SELECT ${key} AS repeated_key FROM ${keys} WHERE ${key} IS NOT NULL GROUP BY ${key} HAVING count(*) > 1`);
      const [counts] = (await connection.runAndReadAll(`SELECT count(*) FROM ${REPEATED_KEYS}`)).getRows();
      this.repeatedKeys = Number(counts![0]);
      if (this.repeatedKeys === 0) return [];
      // The window over the findings of repeated itemIds only, then the lines of the later ones (a few) alone:
      // over every finding, its rows (whole lines) outgrow the limit.
      const reader = await connection.runAndReadAll(`
        WITH later AS (SELECT ord FROM (
            SELECT ord, row_number() OVER (PARTITION BY ${key} ORDER BY ${tiebreak}) AS n FROM ${keys} WHERE ${key} IN (SELECT repeated_key FROM ${REPEATED_KEYS}))
          WHERE n > 1)
        SELECT ord, ${line} FROM ${from} WHERE ord IN (SELECT ord FROM later) ORDER BY ${orderBy}`);
      return reader.getRows().map(([ord, text]) => ({ ord: ord as bigint, line: text as string }));
    });
  }

  /** Lines that replace findings' lines in the reports written by {@link copyLines}. */
  async replaceLines(lines: readonly { ord: bigint; line: string }[]): Promise<void> {
    if (lines.length === 0) return;
    const { connection } = this.duck;
    await connection.run('CREATE TABLE replaced (ord BIGINT, line VARCHAR)');
    const appender = await connection.createAppender('replaced');
    for (const { ord, line } of lines) {
      appender.appendBigInt(ord);
      appender.appendVarchar(line);
      appender.endRow();
    }
    appender.closeSync();
    this.replaced = true;
    this.copied = null;
  }

  /**
   * Writes the report's lines to `path` with DuckDB's COPY, sorted out of core,
   * without passing them through JavaScript (lib/report/formats/ReportFormat.ts BulkFindings).
   * The lines written are kept (a hard link to the file, and where in it they are) for the
   * passes after this one: another copyLines, and reportLines, read them again in JavaScript
   * instead of sorting them again (500,000 findings: a sort of 2.5–3 s).
   */
  async copyLines(path: string, options: { before?: readonly string[]; suffix?: string; rows?: LineRows; onProgress?: (fraction: number) => void } = {}): Promise<number> {
    const { onProgress } = options;
    await this.prepare();
    const { from } = this.reportOrder();
    const before = options.before ?? [];
    // The report has a line per finding (`diffed` too): counted without its join.
    const [[rows]] = (await this.duck.connection.runAndReadAll('SELECT count(*) FROM findings')).getRows() as [[bigint]];
    const beforeText = before.map((line) => `${line}\n`).join('');
    const rowOf = options.rows ? this.rowFunction(options.rows) : null;
    // Progress that only grows, should the lines be written twice (copyKeptRows' fallback).
    let reported = 0;
    const progressOf = onProgress && ((fraction: number) => {
      if (fraction > reported) onProgress((reported = fraction));
    });
    // What is written of a line: its row, or the line and the suffix.
    const written = (line: string) => (rowOf ? rowOf(line) : options.suffix ? `${line} || ${sqlString(options.suffix)}` : line);
    const kept = rows > 0n ? await this.keptLines() : null;
    if (kept) {
      if (!(rowOf && (await this.copyKeptRows(kept, rows, path, before, written, progressOf)))) {
        const rowsJs = options.rows?.js;
        const suffix = options.suffix ?? '';
        await this.guarded('writing the reports', () => this.copyCopied(kept, path, beforeText, (line) => (rowsJs ? rowsJs(line) : `${line}${suffix}`), progressOf));
      }
      return Number(rows);
    }
    // No findings: the lines before them alone (a COPY with a PREFIX would end them with its SUFFIX).
    if (rows === 0n) {
      await writeFile(path, beforeText);
      onProgress?.(1);
    }
    const parts = rows === 0n ? null : await this.sortedParts(onProgress);
    const progress = onProgress && partsProgress(onProgress, parts);
    if (parts) {
      // One thread: with two, DuckDB's sort of whole lines needs twice the memory.
      await this.withOneThread(() =>
        this.guarded('writing the reports', async () => {
          await writeFile(path, beforeText);
          const partText = joinPath(parts.dir, 'part.txt');
          for (const [index, part] of parts.parts.entries()) {
            await this.run(`COPY (SELECT ${written('text')} FROM (${part}) ORDER BY k1 NULLS FIRST, k2, ord) TO ${sqlString(partText)} ${linesCopyOptions()}`, progress?.(index));
            await pipeline(readFileChunks(partText), createWriteStream(path, { flags: 'a' }));
          }
          await rm(partText, { force: true });
        }),
      );
    } else if (rows > 0n) {
      const { text, join, k1, k2 } = this.lineColumns();
      const keys = this.diffed ? 'k1 NULLS FIRST, k2, ord' : 'k1 NULLS FIRST, ord';
      const lines = `SELECT ${written(text)} AS text, ${k1} AS k1, ${k2} AS k2, x.ord AS ord FROM ${from} x ${join}`;
      // One thread for the sort of the whole lines: with two, DuckDB's sort runs out of a 256 MB limit at 500,000 findings.
      await this.withOneThread(() => this.step('writing the reports', `COPY (SELECT text FROM (${lines}) ORDER BY ${keys}) TO ${sqlString(path)} ${linesCopyOptions(before)}`, { progress: progress?.(0) }));
    }
    // Rows are not lines: only lines are kept for the passes after this one.
    if (rows > 0n && !options.rows) await this.keepCopied(path, beforeText, options.suffix ?? '');
    return Number(rows);
  }

  /**
   * `rows` as an SQL expression of a line (copyLines' `rows`): its `sql` where `sqlCan`, else its `js`,
   * which DuckDB calls (a function registered on the connection, run on the JavaScript thread).
   */
  private rowFunction(rows: LineRows): (line: string) => string {
    const expression = (name: string) => (line: string) => `(CASE WHEN ${rows.sqlCan(line)} THEN ${rows.sql(line)} ELSE ${name}(${line}) END)`;
    const known = this.rowFunctions.get(rows);
    if (known) return expression(known);
    const name = `report_row_${this.rowFunctions.size + 1}`;
    this.rowFunctions.set(rows, name);
    this.duck.connection.registerScalarFunction(
      DuckDBScalarFunction.create({
        name,
        mainFunction: (_info, input, output) => {
          const lines = input.getColumnVector(0);
          for (let row = 0; row < input.rowCount; row += 1) {
            const line = lines.getItem(row);
            output.setItem(row, typeof line === 'string' ? rows.js(line) : null);
          }
          output.flush();
        },
        returnType: VARCHAR,
        parameterTypes: [VARCHAR],
      }),
    );
    return expression(name);
  }

  /**
   * Writes the `written` text of each kept line to `path` after the `before` lines, DuckDB reading the
   * kept file on every thread in its order. False (what it wrote to be written again) when it cannot: the
   * file holds more than the lines now, DuckDB's reader refuses a line (longer than its line size), or it
   * read another number of lines than `rows` (its `skip` counts a CR in a line before them as a line end).
   */
  private async copyKeptRows(kept: KeptLines, rows: bigint, path: string, before: readonly string[], written: (line: string) => string, onProgress?: (fraction: number) => void): Promise<boolean> {
    if (kept.size > kept.end) return false;
    const reader = lineReaderSql(kept.file, { column: 'text', skip: kept.skip });
    const suffix = sqlString(kept.suffix);
    const lines = kept.suffix === '' ? `SELECT text AS line FROM ${reader}` : `SELECT CASE WHEN ends_with(text, ${suffix}) THEN left(text, length(text) - length(${suffix})) ELSE text END AS line FROM ${reader}`;
    const { connection } = this.duck;
    let copied = -1n;
    const copy = async () => {
      const result = await connection.runAndReadAll(`COPY (SELECT ${written('line')} FROM (${lines})) TO ${sqlString(path)} ${linesCopyOptions(before)}`);
      copied = BigInt(result.getRows()[0]?.[0] as bigint | number);
    };
    try {
      await this.guarded('writing the reports', () => (onProgress ? watchProgress(connection, onProgress, copy, this.duckOptions.progressEveryMs) : copy()));
    } catch (error) {
      if (/Maximum line size/.test((error as Error).message)) return false;
      throw error;
    }
    if (copied !== rows) return false;
    onProgress?.(1);
    return true;
  }

  /**
   * Keeps the lines copyLines wrote to `path`: a hard link to the file in a folder of the engine's, so that the
   * writer may rename or replace its file. Nothing is kept when the link cannot be made (another file system):
   * the next pass sorts again.
   */
  private async keepCopied(path: string, beforeText: string, suffix: string): Promise<void> {
    const dir = await this.folder('report-copied-');
    const file = joinPath(dir, 'lines.txt');
    try {
      await link(path, file);
    } catch {
      await rm(dir, { recursive: true, force: true });
      return;
    }
    this.copied = { file, start: Buffer.byteLength(beforeText), end: (await stat(file)).size, suffix, skip: beforeText.split('\n').length - 1 };
  }

  /**
   * The lines copyLines kept, if their file still holds them: its lines end where they ended, with the
   * last one's suffix and LF (what a writer added after them is not read), or the file ends where the
   * last line's suffix and LF were cut (the JSON writer's cut). Else they are forgotten, and the lines
   * are sorted again.
   */
  private async keptLines(): Promise<KeptLines | null> {
    if (!this.copied) return null;
    const { file, end, suffix } = this.copied;
    const ending = Buffer.from(`${suffix}\n`);
    const size = await readRange(file, end - ending.length, ending.length).then(
      ({ bytes, size }) => (bytes.equals(ending) || (suffix !== '' && size === end - ending.length) ? size : null),
      () => null,
    );
    if (size === null) this.copied = null;
    return this.copied && size !== null ? { ...this.copied, size } : null;
  }

  /** A new folder of the engine's for the report's files, removed with the engine (close). */
  private async folder(prefix: string): Promise<string> {
    const dir = await mkdtemp(joinPath(this.duckOptions.tempDirectory ?? tmpdir(), prefix));
    this.partDirs.push(dir);
    return dir;
  }

  /** Writes `beforeText`, then the `written` text of each kept line and an LF, to `path` (copyLines' output, without a sort). */
  private async copyCopied(kept: CopiedLines, path: string, beforeText: string, written: (line: string) => string, onProgress?: (fraction: number) => void): Promise<void> {
    const sink = new TextSink(path);
    try {
      await sink.write(beforeText);
      for await (const line of copiedLines(kept, onProgress)) await sink.write(`${written(line)}\n`);
      await sink.close();
    } catch (error) {
      await sink.destroy();
      throw error;
    }
    onProgress?.(1);
  }

  /**
   * The report line (with the replaced lines) and the report's sort columns of each finding `x` of reportOrder's relation:
   * the report's order is `k1 NULLS FIRST, k2, ord`.
   */
  private lineColumns(): { text: string; join: string; k1: string; k2: string } {
    const { line, key } = this.reportOrder();
    return {
      text: this.replaced ? `coalesce(r.line, x.${line})` : `x.${line}`,
      join: this.replaced ? 'LEFT JOIN replaced r ON r.ord = x.ord' : '',
      k1: jsOrderSql(`x.${key}`),
      k2: this.tiebreakSql(`x.${key}`),
    };
  }

  /**
   * The report's second sort key of a finding `x` whose item key (reportOrder's `key`) is `itemKey`: after a
   * diff, its diff key in JavaScript's order, which orders the findings of one item key as the diff met them.
   * Only the findings that tie on the item key need it, those without one and those of an item key that others
   * have too: once {@link repeatedItemIds} has listed those keys, the others' is NULL, and the sort spares a key
   * of about 100 bytes a finding (500,000 findings, history on: the report's write 2.77–2.81 s → 2.51–2.76 s, three
   * pairs of runs). NULL without a diff (ties: ord).
   */
  private tiebreakSql(itemKey: string): string {
    if (!this.diffed) return 'NULL::VARCHAR';
    const diffKey = jsOrderSql('x.diff_key');
    // Unknown, or so many that their hash table would take room from the sort: every finding's.
    if (this.repeatedKeys === null || this.repeatedKeys > REPEATED_KEYS_FOR_TIEBREAK) return diffKey;
    const repeated = this.repeatedKeys === 0 ? '' : ` OR ${itemKey} IN (SELECT repeated_key FROM ${REPEATED_KEYS})`;
    return `(CASE WHEN ${itemKey} IS NULL${repeated} THEN ${diffKey} END)`;
  }

  /**
   * The report's lines cut into parts of consecutive sort keys, for when they are too
   * many for one sort within the memory limit (DuckDB's merge of a 9 GB sort runs out of
   * 256 MB): the parts' first keys are read off a sample of the keys (so the parts are
   * about even), one pass writes every line with its sort columns into the part its key
   * falls in (COPY … PARTITION_BY, Parquet), and each part is small enough to sort
   * alone. Reading the parts in turn, each sorted, gives the report's order whatever the
   * sample: a line's part is the number of boundaries below its key, which grows with
   * the key. Null when one sort will do (nearly every run). `onProgress`: the progress of
   * the report being written, of which cutting is the first {@link CUT_SHARE} (a report
   * whose parts were already cut starts past it).
   */
  private sortedParts(onProgress?: (fraction: number) => void): Promise<ReportParts | null> {
    // The parts depend on the lines (after a diff, with replaced lines), cut once for every report of that state.
    const state = `${this.diffed}/${this.replaced}`;
    if (this.parts?.state !== state) this.parts = { state, cut: this.cutParts(onProgress && ((fraction) => onProgress(fraction * CUT_SHARE))) };
    return this.parts.cut;
  }

  /**
   * Cuts the parts (see {@link sortedParts}), telling `onProgress` how far the cut is; their
   * folder goes with {@link close}. After a diff, the findings' lines and the numbers of their
   * tails (historySql.ts DIFF_TAIL_IDS) are cut apart, each by its own scan, and a part's rows
   * join their own numbers alone, then the few tails' text: the view `diffed` joins every
   * finding's number (about DIFF_JOIN_ROW_BYTES a finding, 480 MB at 10,000,000; see sortsInOne).
   */
  private async cutParts(onProgress?: (fraction: number) => void): Promise<ReportParts | null> {
    const { from, key } = this.reportOrder();
    const { connection } = this.duck;
    // Counted and sampled from the findings alone (keyRows): the lines' size is the findings' lines' and, after a
    // diff, a status tail of at most DIFF_TAIL_BYTES.
    const [row] = (await connection.runAndReadAll(`SELECT count(*), (SELECT value FROM duckdb_settings() WHERE name = 'memory_limit'), current_setting('threads') FROM findings`)).getRows();
    const count = Number(row![0]);
    const limit = bytesOf(String(row![1]));
    const threads = Number(row![2]);
    const [sample] = (await connection.runAndReadAll('SELECT coalesce(avg(strlen(finding)), 0) FROM (SELECT finding FROM findings LIMIT 4096)')).getRows();
    const rowBytes = Number(sample![0]) + (this.diffed ? DIFF_TAIL_BYTES : 0) + 64;
    const inOne = this.duckOptions.reportSortBytes ?? limit * SORT_IN_ONE_LIMITS;
    if (sortsInOne({ count, rowBytes, limit, inOne, diffed: this.diffed })) return null;
    const partBytes = this.duckOptions.reportSortBytes === undefined ? limit * PART_LIMITS : inOne / 4;
    // After a diff, also enough parts for each one's join of its tail numbers to fit.
    const partCount = Math.max(Math.ceil((count * rowBytes) / partBytes), this.diffed ? diffJoinParts(count, limit) : 1);
    const keys = (
      await connection.runAndReadAll(
        `SELECT k FROM (SELECT ${jsOrderSql(key)} AS k FROM ${this.keyRows()} WHERE ${key} IS NOT NULL) USING SAMPLE reservoir(${KEY_SAMPLE_ROWS} ROWS) REPEATABLE (7) ORDER BY k`,
      )
    ).getRows().map(([value]) => value as string);
    const boundaries = [...new Set(Array.from({ length: partCount - 1 }, (_, i) => keys[Math.floor(((i + 1) * keys.length) / partCount)]).filter((value) => value !== undefined))];
    const list = `[${boundaries.map((value) => sqlString(value!)).join(', ')}]::VARCHAR[]`;
    const dir = await this.folder('report-parts-');
    // Writes each row of `rows` (with its sort key k1) into the folder of its part, part=N; `share`: of the cut's progress.
    const cut = (folder: string, rows: string, bytesPerRow: number, share: { from: number; to: number }) => {
      const plan = cutPlan(limit, boundaries.length + 1, bytesPerRow, threads);
      const copy = () =>
        withSetting(connection, 'partitioned_write_flush_threshold', String(plan.rows * (boundaries.length + 1)), () =>
          this.step(
            'cutting the report in parts',
            `COPY (SELECT len(list_filter(${list}, lambda b: b < k1)) AS part, * FROM (${rows}))
              TO ${sqlString(joinPath(dir, folder))} (FORMAT parquet, PARTITION_BY (part), ROW_GROUP_SIZE ${plan.rows})`,
            { progress: onProgress && ((fraction) => onProgress(share.from + fraction * (share.to - share.from))) },
          ),
        );
      // Twice as fast on two threads as on one (500,000 findings in 18 parts: 2.8–3.0 s → 1.6–1.7 s, before the flush was set).
      return plan.threads === 1 ? this.withOneThread(copy) : copy();
    };
    const partFiles = (folder: string, part: number) => sqlString(joinPath(dir, folder, `part=${part}`, '*.parquet'));
    try {
      const { text, join, k1, k2 } = this.lineColumns();
      let partRows: (part: number) => string;
      if (this.diffed) {
        // Each row's item key, parsed once from its diff key.
        const keyed = (columns: string, from: string) => `(SELECT ${columns}, ${diffKeyParts('diff_key').itemKey} AS item_key FROM ${from}) x`;
        // 10,000,000 findings (npm run bench): 26 s to cut the lines, 7.0 s the tails' numbers (7.5 s their text) (as cutPlan says; 107 s and 30 s on one thread, in 4 times as many parts).
        await cut('lines', `SELECT ${jsOrderSql('x.item_key')} AS k1, ${this.tiebreakSql('x.item_key')} AS k2, x.ord AS ord, x.finding AS finding, x.item_key AS item_key FROM ${keyed('ord, diff_key, finding', 'findings')}`, rowBytes, { from: 0, to: 0.75 });
        await cut('tails', `SELECT ${jsOrderSql('x.item_key')} AS k1, x.ord AS ord, x.tail_id AS tail_id FROM ${keyed('ord, tail_id', DIFF_TAIL_IDS)}`, TAIL_ID_CUT_BYTES, { from: 0.75, to: 1 });
        // The replaced lines are whole report lines (read off `diffed`): they replace the joined line. The tails' text
        // as in `diffed`, after the part's join of its numbers.
        const { line, join: tailText } = tailedLineSql('f.finding', 't.tail_id', 'd');
        partRows = (part) =>
          `SELECT ${this.replaced ? `coalesce(r.line, ${line})` : line} AS text, f.k1 AS k1, f.k2 AS k2, f.ord AS ord, f.item_key AS item_key
            FROM read_parquet(${partFiles('lines', part)}, hive_partitioning = false) f
            JOIN read_parquet(${partFiles('tails', part)}, hive_partitioning = false) t ON t.ord = f.ord
            ${tailText}
            ${this.replaced ? 'LEFT JOIN replaced r ON r.ord = f.ord' : ''}`;
      } else {
        await cut('lines', `SELECT ${k1} AS k1, ${k2} AS k2, x.ord AS ord, ${text} AS text, x.${key} AS item_key FROM ${from} x ${join}`, rowBytes, { from: 0, to: 1 });
        partRows = (part) => `SELECT text, k1, k2, ord, item_key FROM read_parquet(${partFiles('lines', part)}, hive_partitioning = false)`;
      }
      const parts = Array.from({ length: boundaries.length + 1 }, (_, part) => part)
        .filter((part) => existsSync(joinPath(dir, 'lines', `part=${part}`)))
        .map(partRows);
      return { dir, parts };
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /**
   * The report's lines in its order, with the replaced lines, as {@link copyLines} writes them,
   * but those of the verdicts in `leaveOut` (SqlBulk.reportLines). After a copyLines, the lines
   * it wrote, read again; else DuckDB sorts them into a file of its own (a line holds no raw LF),
   * and JavaScript reads that file back: fetching the same strings through a query result took
   * as long again as the sort.
   * `onProgress`: how far DuckDB's sorts are (0 to 1, growing), not the reading of their lines.
   */
  async *reportLines(onProgress?: (fraction: number) => void, leaveOut: readonly Verdict[] = []): AsyncIterable<string> {
    await this.prepare();
    const members = leaveOut.map(verdictMember);
    const kept = await this.keptLines();
    if (kept) {
      onProgress?.(1);
      for await (const line of copiedLines(kept)) if (!members.some((member) => line.includes(member))) yield line;
      return;
    }
    const { from } = this.reportOrder();
    const { text, join, k1, k2 } = this.lineColumns();
    const parts = await this.sortedParts(onProgress);
    const progress = onProgress && partsProgress(onProgress, parts);
    const leftOut = members.length === 0 ? '' : ` WHERE NOT (${members.map((member) => `contains(text, ${sqlString(member)})`).join(' OR ')})`;
    const queries = (parts ? parts.parts : [`SELECT ${text} AS text, ${k1} AS k1, ${k2} AS k2, x.ord AS ord FROM ${from} x ${join}`]).map(
      (rows) => `SELECT text FROM (${rows})${leftOut} ORDER BY k1 NULLS FIRST, k2, ord`,
    );
    const dir = await this.folder('report-lines-');
    const file = joinPath(dir, 'lines.txt');
    try {
      for (const [index, query] of queries.entries()) {
        // One thread, as copyLines sorts: with two, the sort of whole lines ran out of a 256 MB limit at 500,000 findings.
        await this.withOneThread(() => this.step('writing the reports', `COPY (${query}) TO ${sqlString(file)} ${linesCopyOptions()}`, { progress: progress?.(index) }));
        yield* fileLines(file);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** The findings, one per appended entry, in the order appended. */
  async *findings(): AsyncIterable<Finding> {
    for await (const [text] of this.rows('read')) yield JSON.parse(text) as Finding;
  }

  /** The findings as the sorters' lines (written as the reports write them), keyed by itemId or by the diff key. */
  async *lines(order: FindingOrder): AsyncIterable<FindingLine> {
    for await (const [text, key] of this.rows(order)) yield { key, line: text };
  }

  /**
   * Closes DuckDB (and removes the report's parts): at once, or, while the program's work runs,
   * once it ends. The promise settles when DuckDB is closed and never rejects on that later path
   * (closing at once throws as it fails); a caller that returns afterwards (a Lambda handler, whose
   * sandbox freezes then) awaits it.
   */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    const release = () => {
      try {
        this.duck.close();
      } finally {
        for (const dir of this.partDirs) rmSync(dir, { recursive: true, force: true });
      }
    };
    // The program's work may still run (the source failed meanwhile): DuckDB closed under a running
    // statement takes the process down (a segmentation fault) or hangs it, so its statement is interrupted,
    // and DuckDB closed once the work ends (nothing chained after runs). A failure to close is then no one's to catch.
    if (this.workRunning) {
      // Set before the interrupt lands: the work chained after the running statement is skipped (chain).
      this.closing = this.workRunning.then(release, release).catch(() => undefined);
      this.duck.connection.interrupt();
    } else {
      this.closing = Promise.resolve();
      release();
    }
    return this.closing;
  }

  /**
   * The `limit` most serious findings (lib/report/MostSeriousCollector.ts), the most
   * serious first, chosen by DuckDB (ORDER BY … LIMIT) over the findings. Asked once the
   * reports are written: a repeated itemId's later findings, replaced by invalid ones
   * (replaceLines), are not among them, and each comes as its report line.
   *
   * The order's keys but the last (the line) are read off the findings' facts (`special`,
   * `overdue_days`), so that no line is read to choose the candidates: the top `limit` by
   * those keys, and every finding that ties with the last of them. Among those, the whole
   * order decides, the line included; no finding outside them can be among the first
   * `limit`. (The kept serious findings have itemIds no other kept finding has, so the line
   * hardly ever decides: the finding's own line stands for the report's there, and the
   * report's lines are read for the chosen ords alone: a join of every finding with the
   * diffed lines outgrows the memory limit.)
   */
  async mostSerious(limit: number): Promise<SeriousFinding[]> {
    await this.prepare();
    const { from, line } = this.reportOrder();
    const count = Math.max(0, Math.floor(limit));
    if (count === 0) return [];
    const serious = `${seriousFilterSql('f.verdict')}${this.replaced ? ' AND f.ord NOT IN (SELECT ord FROM replaced)' : ''}`;
    const columns = { verdict: 'f.verdict', severity: 'f.severity', itemId: 'f.item_id' };
    // The facts as the JSON the order reads them from: a few bytes to parse instead of a line.
    const facts = `json_object('specialCategory', CASE WHEN f.special THEN 'special' END, 'overdueDays', f.overdue_days)`;
    // Ties before the line are broken by ord here, and looked up below.
    const before = mostSeriousOrderSql({ ...columns, finding: facts, line: 'f.ord' });
    const whole = mostSeriousOrderSql({ ...columns, finding: 'f.finding', line: 'f.finding' });
    return this.guarded('choosing the most serious findings', async () => {
      const { connection } = this.duck;
      const ordsOf = async (sql: string) => (await connection.runAndReadAll(sql)).getRows().map(([ord]) => String(ord));
      const candidates = await ordsOf(`SELECT f.ord FROM findings f WHERE ${serious} ORDER BY ${before} LIMIT ${count}`);
      if (candidates.length === 0) return [];
      const tied =
        candidates.length < count
          ? []
          : await ordsOf(
              `SELECT f.ord FROM findings f, (SELECT * FROM findings WHERE ord = ${candidates.at(-1)}) b WHERE ${serious} AND f.verdict = b.verdict AND f.severity = b.severity ` +
                `AND coalesce(f.special, false) = coalesce(b.special, false) AND f.overdue_days IS NOT DISTINCT FROM b.overdue_days AND f.item_id IS NOT DISTINCT FROM b.item_id`,
            );
      const ords = await ordsOf(`SELECT f.ord FROM (${rowsByOrd('findings', [...new Set([...candidates, ...tied])])}) f ORDER BY ${whole} LIMIT ${count}`);
      const lines = new Map((await connection.runAndReadAll(`SELECT ord, ${line} FROM (${rowsByOrd(from, ords)})`)).getRows().map(([ord, text]) => [String(ord), text as string]));
      return ords.map((ord) => seriousOf(JSON.parse(lines.get(ord)!) as Finding)!);
    });
  }
}
