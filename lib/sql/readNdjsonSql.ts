/**
 * The fast path into the SQL engine's `items` table (lib/sql/relations.ts, stage 1): DuckDB reads
 * an NDJSON inventory file itself, and the table holds exactly the rows lib/sql/sqlEngine.ts
 * `append` would write for the entries of lib/inventory/FileInventorySource.ts (its `lineEntries`
 * and the snapshot filter of `entries`), with the same InputErrors. Node no longer decodes,
 * parses and appends every line; it reads the file's bytes once, at memchr speed, to prove that
 * DuckDB's line reader sees the lines readLines sees.
 *
 * How each part stays exact:
 * - Lines. read_csv with one VARCHAR column, quoting, escaping and comments off, LF rows, strict
 *   mode. Its state machine treats a CR as a newline of its own (a lone CR, or CRLF as two rows)
 *   and a line that is only the delimiter as empty, both silently; so a file holding a CR or a
 *   0x01 byte (the delimiter), or that is not valid UTF-8 (Node would read U+FFFD), is left to
 *   the Node reader. For the rest, the rows must number the file's lines and their bytes the
 *   file's bytes less the LFs and the leading BOM (which both readers drop), else the Node reader.
 * - Line numbers and `ord`. `WITH ORDINALITY` and a running count of the non-blank lines are
 *   streaming windows: DuckDB runs them on one thread in the reader's order, so they are the
 *   physical line number and the entry's index by construction, not by luck of scheduling.
 * - Blank lines. `text.trim() === ''`: the class of the characters trim removes is taken from
 *   the running JavaScript engine itself.
 * - JSON. DuckDB's JSON reader (yyjson) accepts what JSON.parse accepts with two extensions
 *   switched on (DuckDB's JSONCommon READ_FLAG: NaN/Infinity literals and trailing commas) and
 *   rejects lone surrogate escapes, which JSON.parse takes. So the verdict is DuckDB's only for a
 *   line yyjson accepts and in which neither extension can stand (a conservative pattern test);
 *   every other line — yyjson rejects it, or it might use an extension — is fetched and judged
 *   by JSON.parse in Node, as FileInventorySource does. Those lines are rare in real files.
 * - The snapshot filter. An item's snapshotId is read by DuckDB only when no second key can
 *   spell it (JSON.parse keeps the last of repeated keys, DuckDB the first); else Node decides.
 */
import { isUtf8 } from 'node:buffer';
import { open, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { InputError } from '../errors';
import type { SourceProgress } from '../inventory/InventorySource';
// The same choice between array and lines, and the same empty-file error, as FileInventorySource.
import { firstCharacter } from '../inventory/FileInventorySource';
import { onOneThread, watchProgress, withSetting } from './duck';
import { sqlString } from './sqlText';

/** What {@link loadNdjsonItems} wrote. */
export interface NdjsonLoad {
  /** Rows written: the entries FileInventorySource would yield (items and parse errors). */
  count: number;
}

export interface NdjsonLoadOptions {
  /** The table to create, with the columns of stage 1 (`ord, location, raw, parse_error`). */
  table: string;
  /** FileInventorySource's `snapshotId` option: items of other snapshots are left out. */
  snapshotFilter: string | null;
  /**
   * The bytes of the file read, as FileInventorySource's entries report them: growing as DuckDB
   * reads, and all of them once the table holds the file's lines.
   */
  onProgress?: (progress: SourceProgress) => void;
  /** How often the read is asked how far it is (duck.ts watchProgress; default there). */
  progressEveryMs?: number;
}

/**
 * Creates `options.table` (stage 1 of lib/sql/relations.ts) from an NDJSON file, row for row what
 * FileInventorySource's entries give through SqlEngine.append, and throws the InputErrors they
 * throw (an empty file, a file in which no line is JSON, a snapshot filter no item matches).
 * Returns null, with no table created, when the file needs the Node reader: a JSON array file, a
 * file DuckDB cannot be shown to read line for line as readLines does (a CR, a 0x01 byte, invalid
 * UTF-8, a line beyond DuckDB's line size), or a path or filter SQL cannot carry exactly.
 *
 * @example
 * const load = await loadNdjsonItems(duck.connection, 'inventory.ndjson', { table: 'items', snapshotFilter: null });
 * if (load === null) for await (const entry of new FileInventorySource('inventory.ndjson').entries()) engine.append(entry);
 */
export async function loadNdjsonItems(connection: DuckDBConnection, path: string, options: NdjsonLoadOptions): Promise<NdjsonLoad | null> {
  const absolute = resolve(path);
  const size = sqlCanCarry(absolute, options.snapshotFilter) ? await regularFileSize(absolute) : null;
  if (size === null) return null;
  const first = await firstCharacter(path);
  if (first === null) throw new InputError(`Inventory file ${path} is empty: it holds no inventory items.`);
  if (first === '[') return null;
  const tables = new LoadTables(connection, options.table);
  try {
    if (!(await readFileLines(connection, tables, { path: absolute, size }, options))) {
      await tables.dropAll();
      return null;
    }
    return await judgeRestAndFinish(connection, tables, path, options.snapshotFilter);
  } catch (error) {
    await tables.dropAll();
    throw error;
  }
}

/** The load's tables: the target, with its working columns until the end, and JSON.parse's verdicts (temporary). */
class LoadTables {
  /** Whether this load created the target (a table that was there before is never dropped). */
  created = false;
  readonly items: string;
  readonly verdicts: string;
  readonly verdictsName: string;

  constructor(
    private readonly connection: DuckDBConnection,
    name: string,
  ) {
    this.items = quoteIdentifier(name);
    this.verdictsName = `${name}_ndjson_verdicts`;
    this.verdicts = `temp.main.${quoteIdentifier(this.verdictsName)}`;
  }

  async dropVerdicts(): Promise<void> {
    await this.connection.run(`DROP TABLE IF EXISTS ${this.verdicts}`);
  }

  async dropAll(): Promise<void> {
    await this.dropVerdicts();
    if (this.created) await this.connection.run(`DROP TABLE IF EXISTS ${this.items}`);
    this.created = false;
  }
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Whether the path and the filter reach DuckDB as they are: a NUL ends SQL text early, glob
 * characters make read_csv read other files, and a lone surrogate has no UTF-8 (JavaScript would
 * compare its code units).
 */
function sqlCanCarry(absolutePath: string, filter: string | null): boolean {
  if (/[\0*?[\]{}]/.test(absolutePath) || !isWellFormed(absolutePath)) return false;
  return filter === null || (!filter.includes('\0') && isWellFormed(filter));
}

/** No lone surrogate: the text survives UTF-8 unchanged. */
function isWellFormed(text: string): boolean {
  return Buffer.from(text, 'utf8').toString('utf8') === text;
}

/** The size of a regular file; null for anything else (a directory, a FIFO, a missing file), which gets the Node reader's own error. */
async function regularFileSize(path: string): Promise<number | null> {
  try {
    const stats = await stat(path);
    return stats.isFile() ? stats.size : null;
  } catch {
    return null;
  }
}


/**
 * DuckDB reads and judges the lines while Node scans the bytes (on DuckDB's one thread and the
 * event loop at once); true when the table holds the file's lines. A scan that finds the file unfit
 * stops DuckDB's read.
 */
async function readFileLines(connection: DuckDBConnection, tables: LoadTables, file: { path: string; size: number }, options: NdjsonLoadOptions): Promise<boolean> {
  const { onProgress } = options;
  const { path, size: total } = file;
  let reading = false;
  let fit = false;
  const scan = scanBytes(path).then((bytes) => {
    // Only the read is stopped: an interrupt must not land on the statements around it.
    if (bytes.unfit !== null && reading) connection.interrupt();
    fit = bytes.unfit === null;
    return bytes;
  });
  const report = (fraction: number) => onProgress?.({ done: Math.round(fraction * total), total, unit: 'bytes' });
  // The read's progress only once the scan found the file fit: a read given up for the Node reader
  // (a CR, invalid UTF-8) would have shown progress the Node reader's then took back. (One that
  // DuckDB's reader itself refuses, a line beyond its line size, still can: the bar then starts over.)
  const progress =
    onProgress &&
    ((fraction: number) => {
      if (fit) report(fraction);
    });
  // One thread: the read is one pipeline by design (its streaming windows); with more, an idle DuckDB
  // thread was measured spinning for as long as it runs (as much CPU again as the working thread),
  // which on a busy machine also doubles the time.
  const lines = onOneThread(connection, async () => {
    reading = true;
    try {
      const read = () => readLines(connection, tables, file, options.snapshotFilter);
      await (progress ? watchProgress(connection, progress, read, options.progressEveryMs) : read());
    } finally {
      reading = false;
    }
  });
  const [scanned, read] = await Promise.allSettled([scan, lines]);
  if (scanned.status === 'rejected') throw scanned.reason;
  if (scanned.value.unfit !== null) return false;
  if (read.status === 'rejected') {
    // What the reader refuses is the Node reader's to read (it reads invalid UTF-8 as U+FFFD, and lines of any length).
    if (/^(Invalid Input|IO) Error/.test((read.reason as Error).message)) return false;
    throw read.reason;
  }
  const same = await sameLines(connection, tables, scanned.value);
  if (same) report(1);
  return same;
}

/** What the bytes of the file say its lines must be, or why DuckDB's reader cannot be trusted with them. */
interface FileBytes {
  /** Lines readLines yields: one per LF, and a last one when bytes follow the last LF. */
  lines: number;
  /** Bytes of all lines' text: the file less its LFs and a leading UTF-8 BOM. */
  textBytes: number;
  unfit: string | null;
}

const SCAN_CHUNK = 1 << 20;
const LF = 0x0a;
const CR = 0x0d;
/** read_csv's delimiter: it must not occur, and a line holding it is read wrongly without an error. */
const DELIMITER = 0x01;

/** Reads the file's bytes once: LFs counted, a CR or the delimiter refused, UTF-8 checked across chunk ends. */
async function scanBytes(path: string): Promise<FileBytes> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(SCAN_CHUNK + 4);
    let size = 0;
    let lfs = 0;
    let carried = 0;
    let lastByte = -1;
    let bom = false;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, carried, SCAN_CHUNK, size);
      const data = buffer.subarray(0, carried + bytesRead);
      if (bytesRead === 0) {
        if (!isUtf8(data)) return unfit('it is not valid UTF-8');
        break;
      }
      if (size === 0) bom = data.length >= 3 && data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf;
      size += bytesRead;
      lastByte = data[data.length - 1]!;
      if (data.indexOf(CR) !== -1) return unfit('it holds a carriage return');
      if (data.indexOf(DELIMITER) !== -1) return unfit('it holds a 0x01 byte');
      for (let at = data.indexOf(LF); at !== -1; at = data.indexOf(LF, at + 1)) lfs += 1;
      // Bytes carried over are the start of a character cut by the chunk's end (never an LF).
      const cut = completeCharactersEnd(data);
      if (!isUtf8(data.subarray(0, cut))) return unfit('it is not valid UTF-8');
      carried = data.length - cut;
      data.copy(buffer, 0, cut);
    }
    const lines = lfs + (size > 0 && lastByte !== LF ? 1 : 0);
    return { lines, textBytes: size - lfs - (bom ? 3 : 0), unfit: null };
  } finally {
    await handle.close();
  }
}

function unfit(reason: string): FileBytes {
  return { lines: 0, textBytes: 0, unfit: reason };
}

/** Where the last, possibly incomplete, UTF-8 sequence of a chunk starts (at most 4 bytes before its end). */
function completeCharactersEnd(data: Buffer): number {
  let start = data.length - 1;
  while (start >= 0 && data.length - start < 4 && (data[start]! & 0xc0) === 0x80) start -= 1;
  return start >= 0 && data[start]! >= 0xc0 ? start : data.length;
}

/**
 * The characters String.prototype.trim removes, as an RE2 class, taken from the running engine
 * (all are in the BMP; a lone surrogate is no space).
 */
function jsSpaceClass(): string {
  const ranges: Array<[number, number]> = [];
  for (let code = 0; code <= 0xffff; code += 1) {
    if ((code >= 0xd800 && code <= 0xdfff) || String.fromCharCode(code).trim() !== '') continue;
    const last = ranges.at(-1);
    if (last && last[1] === code - 1) last[1] = code;
    else ranges.push([code, code]);
  }
  const hex = (code: number) => `\\x{${code.toString(16)}}`;
  return `[${ranges.map(([from, to]) => (from === to ? hex(from) : `${hex(from)}-${hex(to)}`)).join('')}]`;
}

let blankPattern: string | null = null;

/** A line FileInventorySource skips: `text.trim() === ''`. */
function blankSql(text: string): string {
  blankPattern ??= `${jsSpaceClass()}*`;
  return `(${text} IS NULL OR regexp_full_match(${text}, ${sqlString(blankPattern)}))`;
}

/**
 * read_csv as a line reader (see the file's comment): one VARCHAR column `column` per line of the file
 * at `path` after its first `skip` lines, quoting, escaping and comments off, LF rows, strict mode.
 * Exact for a file without a CR or a 0x01 byte, in valid UTF-8 (the scan checks an inventory; report
 * lines are ASCII JSON).
 *
 * @example
 * `SELECT line FROM ${lineReaderSql('/tmp/lines.txt')}`
 */
export function lineReaderSql(path: string, options: { column?: string; skip?: number } = {}): string {
  const { column = 'line', skip = 0 } = options;
  return (
    `read_csv(${sqlString(path)}, columns = {${sqlString(column)}: 'VARCHAR'}, header = false, auto_detect = false, ` +
    `delim = chr(${DELIMITER}), quote = '', escape = '', comment = '', new_line = '\\n', strict_mode = true, ` +
    `skip = ${skip}, compression = 'none', encoding = 'utf-8')`
  );
}

/**
 * The target in one pass over the file: read_csv as a line reader (see the file's comment), the
 * physical line number (ordinality) and `ord`, the running count of non-blank lines — streaming
 * windows, run on one thread in the reader's order — and DuckDB's verdict on each line. Working
 * columns say what is left to do: `ndjson_blank` and `ndjson_bytes` (for the check against the
 * scan; blank rows leave after it), and `ndjson_kind`: NULL for a row that is final (an item of
 * the run, or a line that is not an object), else 'node' (JSON.parse must judge it), 'skip' (an
 * item of another snapshot, `ndjson_sid`) or 'keep' (an item without a string snapshotId under a
 * filter: kept, not counted as the filter's).
 */
async function readLines(connection: DuckDBConnection, tables: LoadTables, file: { path: string; size: number }, filter: string | null): Promise<void> {
  const { path } = file;
  const reader = lineReaderSql(path);
  const lines = `
    SELECT
      CAST(sum(CASE WHEN blank THEN 0 ELSE 1 END) OVER (ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) - 1 AS BIGINT) AS ord,
      line_no, blank, CASE WHEN NOT blank THEN text END AS text, coalesce(strlen(text), 0) AS bytes
    FROM (
      SELECT line_no, text, ${blankSql('text')} AS blank
      FROM (SELECT ordinality AS line_no, line AS text FROM ${reader} WITH ORDINALITY)
    )`;
  const ofRun = filter === null ? 'true' : `sid = ${sqlString(filter)}`;
  const small = file.size <= UNCOMPRESSED_ITEMS_BYTES;
  const create = () =>
    connection.run(`
    CREATE ${small ? 'TEMP ' : ''}TABLE ${tables.items} AS
    SELECT
      ord,
      'line ' || line_no AS location,
      CASE WHEN kind <> 'not-object' THEN text END AS raw,
      CASE WHEN kind = 'not-object' THEN 'Line ' || line_no || ' is not a JSON object.' END AS parse_error,
      blank AS ndjson_blank,
      bytes AS ndjson_bytes,
      CASE WHEN kind IS NULL THEN NULL WHEN kind <> 'item' THEN nullif(kind, 'not-object')
        WHEN sid IS NULL AND ${ofRun} IS NULL THEN 'keep' WHEN NOT ${ofRun} THEN 'skip' END AS ndjson_kind,
      CASE WHEN kind = 'item' AND NOT ${ofRun} THEN sid END AS ndjson_sid
    FROM (${verdictSql(lines, filter)})`);
  // The table lives until the items are checked (SqlEngine drops it then): compressing it (FSST) was a fifth of
  // the read, on its one thread, and only saves disk space, which matters for large files alone. A small file's
  // table is TEMP besides, as the findings are: a table of the database file is written to it as it is created
  // (500,000 items: the read 0.4–0.7 s quicker, the evaluation, which then evicts it to make room, 0.1–0.3 s slower).
  if (small) await withSetting(connection, 'force_compression', "'uncompressed'", create);
  else await create();
  tables.created = true;
}

/** Files up to this size are read into an uncompressed TEMP table (see readLines). */
const UNCOMPRESSED_ITEMS_BYTES = 2 ** 30;

/** Whether DuckDB's rows are the file's lines: as many, with as many bytes. */
async function sameLines(connection: DuckDBConnection, tables: LoadTables, bytes: FileBytes): Promise<boolean> {
  const [row] = await rowsOf(connection, `SELECT count(*), coalesce(sum(ndjson_bytes), 0) FROM ${tables.items}`);
  return Number(row![0]) === bytes.lines && Number(row![1]) === bytes.textBytes;
}

async function rowsOf(connection: DuckDBConnection, sql: string): Promise<unknown[][]> {
  return (await connection.runAndReadAll(sql)).getRowsJS() as unknown[][];
}

/** JSON whitespace within a line (an LF ends the line; a CR never reaches this path, listed to be safe). */
const WS = String.raw`[ \t\r]*`;
/** Where a NaN or Infinity literal of yyjson may begin (any case, signed), `null` excepted. */
const NAN_OR_INF = String.raw`(?:[-+][ \t\r]*)?(?:[iIN]|n[^u])`;
/**
 * Where a line yyjson accepts may use one of DuckDB's two JSON extensions: a NaN/Infinity literal
 * (a value, so after `:`, `,`, `[` or at the start) or a trailing comma. Conservative: a string
 * may match too, which only sends the line to JSON.parse. One pattern per leading character,
 * which RE2 finds with memchr: several times faster than one alternation.
 */
const EXTENSION_PATTERNS = [`:${WS}${NAN_OR_INF}`, `,${WS}(?:${NAN_OR_INF}|[\\]}])`, `\\[${WS}${NAN_OR_INF}`, `^${WS}${NAN_OR_INF}`];
const OBJECT_START = String.raw`^[ \t\r]*\{`;
const SNAPSHOT_KEY = '"snapshotId"';

/**
 * Each line's verdict where DuckDB can give it exactly: 'item', 'not-object', or 'node'
 * (JSON.parse must judge it), NULL for a blank line; and under a snapshot filter, an item's
 * string snapshotId (`sid`), read only when no other key can spell snapshotId: two keys need two
 * literal `"snapshotId"`s or an escape.
 */
function verdictSql(lines: string, filter: string | null): string {
  const extension = EXTENSION_PATTERNS.map((pattern) => `regexp_matches(text, ${sqlString(pattern)})`).join(' OR ');
  // LIKE finds two (non-overlapping) occurrences by plain searches: several times cheaper than counting with replace().
  const repeatedKey = `contains(text, '\\') OR text LIKE '%${SNAPSHOT_KEY}%${SNAPSHOT_KEY}%'`;
  const keyCount = `len(list_filter(json_keys(CASE WHEN valid THEN text END), k -> k = 'snapshotId'))`;
  const kind = `CASE
      WHEN blank THEN NULL
      WHEN NOT valid OR ${extension} THEN 'node'
      WHEN NOT regexp_matches(text, ${sqlString(OBJECT_START)}) THEN 'not-object'
      ${filter === null ? '' : `WHEN (${repeatedKey}) AND ${keyCount} > 1 THEN 'node'`}
      ELSE 'item' END`;
  const judged = `SELECT *, ${kind} AS kind FROM (SELECT *, json_valid(text) AS valid FROM (${lines}))`;
  if (filter === null) return `SELECT *, CAST(NULL AS VARCHAR) AS sid FROM (${judged})`;
  // A JSON value of the item (never of a line yyjson rejects), then its text if it is a string.
  const snap = `json_extract(CASE WHEN kind = 'item' THEN text END, '$.snapshotId')`;
  return `SELECT *, CASE WHEN json_type(snap) = 'VARCHAR' THEN snap ->> '$' END AS sid FROM (SELECT *, ${snap} AS snap FROM (${judged}))`;
}

/** What JSON.parse says of the lines DuckDB could not judge, tallied as FileInventorySource tallies. */
interface NodeJudgement {
  broken: number;
  /** Lines that become parse errors (not JSON, or not an object). */
  errors: number;
  chosen: number;
  skipped: number;
  /** The first snapshots skipped, each with the `ord` it was first seen at. */
  others: Map<string, number>;
}

function snapshotIdOf(raw: unknown): string | null {
  const id = (raw as { snapshotId?: unknown } | null)?.snapshotId;
  return typeof id === 'string' ? id : null;
}

/**
 * Text from DuckDB as readLines decodes it. Not as a VARCHAR: the bindings decode those with
 * TextDecoder's defaults, which drop a leading U+FEFF (a BOM on a line after the first is text,
 * and makes the line invalid JSON).
 */
function textOf(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

/** FileInventorySource's lineEntries and snapshot filter for one line: what becomes of it. */
function judgeLine(text: string, filter: string | null): { action: 'invalid' | 'not-object' | 'keep' | 'skip'; id: string | null } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { action: 'invalid', id: null };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { action: 'not-object', id: null };
  const id = filter === null ? null : snapshotIdOf(raw);
  return { action: id !== null && id !== filter ? 'skip' : 'keep', id };
}

/** Judges the 'node' lines with JSON.parse, in file order, and records what becomes of each. */
async function judgeInNode(connection: DuckDBConnection, tables: LoadTables, filter: string | null): Promise<NodeJudgement> {
  await connection.run(`CREATE TEMP TABLE ${tables.verdicts} (ord BIGINT, action VARCHAR)`);
  const appender = await connection.createAppender(tables.verdictsName, 'main', 'temp');
  const judgement: NodeJudgement = { broken: 0, errors: 0, chosen: 0, skipped: 0, others: new Map() };
  const result = await connection.stream(`SELECT ord, encode(raw) FROM ${tables.items} WHERE ndjson_kind = 'node' ORDER BY ord`);
  for await (const rows of result.yieldRowsJs()) {
    for (const [ord, bytes] of rows as Array<[bigint, Uint8Array]>) {
      const { action, id } = judgeLine(textOf(bytes), filter);
      if (action === 'invalid') judgement.broken += 1;
      if (action === 'invalid' || action === 'not-object') judgement.errors += 1;
      if (action === 'skip') {
        judgement.skipped += 1;
        // FileInventorySource names the first five snapshots it skips; later ones cannot be among them.
        if (judgement.others.size < 5 && !judgement.others.has(id!)) judgement.others.set(id!, Number(ord));
      } else if (id !== null) judgement.chosen += 1;
      if (action === 'keep') continue;
      appender.appendBigInt(ord);
      appender.appendVarchar(action);
      appender.endRow();
    }
  }
  appender.closeSync();
  return judgement;
}

/** Judges what DuckDB could not, throws FileInventorySource's errors, and gives the table its final rows. */
async function judgeRestAndFinish(connection: DuckDBConnection, tables: LoadTables, path: string, filter: string | null): Promise<NdjsonLoad> {
  const node = await judgeInNode(connection, tables, filter);
  const [counts] = await rowsOf(
    connection,
    `SELECT count(*) FILTER (WHERE NOT ndjson_blank), count(*) FILTER (WHERE ndjson_blank), count(*) FILTER (WHERE ndjson_kind = 'skip'),
       count(*) FILTER (WHERE NOT ndjson_blank AND ndjson_kind IS NULL AND parse_error IS NULL) FROM ${tables.items}`,
  );
  const [entries, blanks, fastSkipped, fastChosen] = counts!.map(Number) as [number, number, number, number];
  if (entries - node.broken === 0) {
    throw new InputError(
      `${path} is not an inventory: none of its ${node.broken} non-blank lines is JSON (expected a JSON array or one JSON object per line).`,
    );
  }
  // FileInventorySource's `read === 0` error cannot arise here: a file with a JSON line yields an entry.
  if (filter !== null && fastChosen + node.chosen === 0) await throwNoSnapshot(connection, tables, path, filter, node);
  if (node.errors > 0) await writeParseErrors(connection, tables);
  await dropLines(connection, tables, blanks, fastSkipped + node.skipped);
  for (const column of ['ndjson_blank', 'ndjson_bytes', 'ndjson_kind', 'ndjson_sid']) await connection.run(`ALTER TABLE ${tables.items} DROP COLUMN ${column}`);
  await tables.dropVerdicts();
  return { count: entries - fastSkipped - node.skipped };
}

/** FileInventorySource's error for a filter no item matches, naming the first five other snapshots seen. */
async function throwNoSnapshot(connection: DuckDBConnection, tables: LoadTables, path: string, filter: string, node: NodeJudgement): Promise<never> {
  const fast = await rowsOf(
    connection,
    `SELECT encode(ndjson_sid), min(ord) AS first FROM ${tables.items} WHERE ndjson_kind = 'skip' GROUP BY ndjson_sid ORDER BY first LIMIT 5`,
  );
  const firstSeen = new Map(node.others);
  for (const [bytes, first] of fast as Array<[Uint8Array, bigint]>) {
    const sid = textOf(bytes);
    firstSeen.set(sid, Math.min(Number(first), firstSeen.get(sid) ?? Infinity));
  }
  const others = [...firstSeen].sort((a, b) => a[1] - b[1]).slice(0, 5).map(([sid]) => sid);
  const held = others.length > 0 ? ` (it holds ${others.join(', ')}${others.length === 5 ? ' and maybe more' : ''})` : '';
  throw new InputError(`Inventory file ${path} has no item of snapshot ${filter}${held}.`);
}

/** Lines JSON.parse refuses, or finds not to be objects, become parse errors: no raw, the source's sentence. */
async function writeParseErrors(connection: DuckDBConnection, tables: LoadTables): Promise<void> {
  const { items, verdicts } = tables;
  await connection.run(`
    UPDATE ${items} SET raw = NULL,
      parse_error = 'L' || ${items}.location[2:] || CASE ${verdicts}.action WHEN 'invalid' THEN ' is not valid JSON.' ELSE ' is not a JSON object.' END
    FROM ${verdicts}
    WHERE ${items}.ord = ${verdicts}.ord AND ${verdicts}.action <> 'skip' AND NOT ${items}.ndjson_blank`);
}

/** Blank lines and items of other snapshots leave; `ord` then counts the entries that stay (it never counted blank lines). */
async function dropLines(connection: DuckDBConnection, tables: LoadTables, blanks: number, skipped: number): Promise<void> {
  if (blanks + skipped === 0) return;
  // A blank row shares the `ord` of the entry before it, and leaves anyway.
  await connection.run(`
    DELETE FROM ${tables.items}
    WHERE ndjson_blank OR ndjson_kind = 'skip' OR ord IN (SELECT ord FROM ${tables.verdicts} WHERE action = 'skip')`);
  if (skipped === 0) return;
  await connection.run(`
    UPDATE ${tables.items} SET ord = renumbered.new_ord
    FROM (SELECT ord AS old_ord, row_number() OVER (ORDER BY ord) - 1 AS new_ord FROM ${tables.items}) AS renumbered
    WHERE ${tables.items}.ord = renumbered.old_ord AND renumbered.old_ord <> renumbered.new_ord`);
}
