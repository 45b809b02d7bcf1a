import { rename, rm } from 'node:fs/promises';
import { stringify } from 'csv-stringify/sync';
import type { Finding } from '../../model';
import { printable } from '../../text/printable';
import type { ResolvedFinding } from '../ReportModel';
import { sqlString } from '../../sql/sqlText';
import type { FinishedReports, LineRows, ReportAssembly, ReportFormat } from './ReportFormat';
import { PartFile } from './PartFile';
import { TextSink } from './TextSink';

/** One column: its header and how to read it from a finding (its member's key, or `store` or `clause` and the key within). */
const COLUMNS: readonly [string, (f: Finding) => string | number | null | undefined][] = [
  ['itemId', (f) => f.itemId],
  ['snapshotId', (f) => f.snapshotId],
  ['tenantId', (f) => f.tenantId],
  ['module', (f) => f.module],
  ['dataCategory', (f) => f.dataCategory],
  ['storeType', (f) => f.store?.type],
  ['storeResource', (f) => f.store?.resource],
  ['storeRegion', (f) => f.store?.region],
  ['owner', (f) => f.owner],
  ['recordCount', (f) => f.recordCount],
  ['bytes', (f) => f.bytes],
  ['oldestRecordAt', (f) => f.oldestRecordAt],
  ['capturedAt', (f) => f.capturedAt],
  ['verdict', (f) => f.verdict],
  ['underlyingVerdict', (f) => f.underlyingVerdict],
  ['severity', (f) => f.severity],
  ['specialCategory', (f) => f.specialCategory],
  ['ruleId', (f) => f.ruleId],
  ['deadline', (f) => f.deadline],
  ['overdueDays', (f) => f.overdueDays],
  ['waiverId', (f) => f.waiverId],
  ['fingerprint', (f) => f.fingerprint],
  ['status', (f) => f.status],
  ['firstSeenAt', (f) => f.firstSeenAt],
  ['daysOpen', (f) => f.daysOpen],
  ['reason', (f) => f.reason],
  ['clauseSource', (f) => f.clause?.source],
  ['clauseSection', (f) => f.clause?.section],
  ['clauseText', (f) => f.clause?.text],
];

/** The columns that hold a finding's numbers: csv-stringify writes them as String() does, which is how the line spells them. */
const NUMBER_COLUMNS = new Set(['recordCount', 'bytes', 'overdueDays', 'daysOpen']);

/** A column's member in a finding's line, as a JSON path: `storeType` is `$.store.type`. */
const jsonPath = (header: string) => {
  const nested = /^(store|clause)([A-Z].*)$/.exec(header);
  return nested ? `$.${nested[1]}.${nested[2]![0]!.toLowerCase()}${nested[2]!.slice(1)}` : `$.${header}`;
};

export function resolvedRow(entry: ResolvedFinding): Finding {
  return {
    itemId: entry.itemId,
    snapshotId: null,
    tenantId: entry.tenantId,
    module: entry.module,
    dataCategory: entry.dataCategory,
    store: entry.resource === null ? null : { type: '', resource: entry.resource },
    owner: null,
    recordCount: null,
    bytes: null,
    oldestRecordAt: null,
    capturedAt: entry.resolvedAt,
    verdict: entry.previousVerdict,
    severity: 'info',
    specialCategory: null,
    ruleId: null,
    deadline: null,
    overdueDays: null,
    reason: `No longer in ${entry.previousVerdict} since the previous audit (first seen ${entry.firstSeenAt.slice(0, 10)}).`,
    clause: null,
    fingerprint: entry.fingerprint,
    status: 'resolved',
    firstSeenAt: entry.firstSeenAt,
    daysOpen: entry.daysOpen ?? undefined,
  };
}

/**
 * A cell that starts like a formula (= + - @, or TAB or CR) once the spreadsheet has
 * skipped what it skips (spaces, controls, invisible format characters) is run by it.
 */
const FORMULA = /^(?:[\s\p{Cc}\p{Cf}]*[=+\-@]|[\t\r])/u;

/**
 * Every text cell: controls and bidi characters become visible escapes (line breaks
 * stay, the cell is quoted), and a leading quote keeps formula-like cells text
 * (OWASP CSV injection).
 *
 * @example
 * neutralize(' =1+1') // "' =1+1"
 * neutralize('\u0000=1+1') // "'\\x00=1+1" (a quote, then backslash, x, 0, 0, =1+1)
 */
export const neutralize = (value: string): string => {
  const text = printable(value, { allow: '\n' });
  return FORMULA.test(value) ? `'${text}` : text;
};

/** Rows per csv-stringify call: batching keeps the per-call overhead negligible. */
const ROWS_PER_BATCH = 512;

type Row = (string | number | null | undefined)[];

const rowOf = (finding: Finding): Row => COLUMNS.map(([, read]) => read(finding));

/** Rows as the report holds them: every text cell neutralized, each row ending with its line break. */
const csvText = (rows: Row[]): string => stringify(rows, { cast: { string: neutralize } });

/** The file's first row: the column names. */
const HEADER_ROW: Row = COLUMNS.map(([header]) => header);

/**
 * A JSON escape (`\` and what follows) that the SQL row of a line cannot take: any but `\u`, or `\u` of a
 * character that printable() or the formula test treats apart (controls, bidi and invisible format characters,
 * spaces), or of half a surrogate pair; by whole blocks, so a little more than needed.
 */
export const ESCAPE_FOR_JS = String.raw`\\(?:[^u]|u(?:00|0[678]|1680|180e|200|202[89a-f]|205f|206|3000|d[89a-f]|fe|fff))`;

/**
 * The CSV rows of the findings' lines as the SQL engine writes them (BulkFindings.copyLines' `rows`): in
 * SQL for a line without an escape that ESCAPE_FOR_JS names: then no cell has a character printable()
 * rewrites, a quote or a line break; a formula can only start after ASCII spaces; and a cell is quoted only
 * for a comma. A number is JSON text as DuckDB writes it, which is String()'s but for the `+` of a positive
 * exponent (JSON.stringify writes a finite number as String() does, csv-stringify's cast). Any other line is
 * parsed and written by csv-stringify, as the writer writes a finding.
 */
export const CSV_ROWS: LineRows = {
  sqlCan: (line) => `(NOT contains(${line}, '\\') OR NOT regexp_matches(${line}, ${sqlString(ESCAPE_FOR_JS)}))`,
  sql(line) {
    const texts = `json_extract_string(${line}, [${COLUMNS.map(([header]) => sqlString(jsonPath(header))).join(', ')}])`;
    const numbers = COLUMNS.flatMap(([header], i) => (NUMBER_COLUMNS.has(header) ? [i + 1] : []));
    const formula = `ascii(v) IN (32, 43, 45, 61, 64) AND regexp_matches(v, '^ *[-=+@]')`;
    const text = `(CASE WHEN ${formula} THEN concat('''', v) ELSE v END)`;
    // The line parsed once; each cell made by one lambda over the texts (a vector of them all), the numbers by their place.
    const cell =
      `CASE WHEN i IN (${numbers.join(', ')}) THEN coalesce(CASE WHEN contains(v, 'e') AND NOT contains(v, 'e-') THEN replace(v, 'e', 'e+') ELSE v END, '') ` +
      `WHEN v IS NULL THEN '' WHEN contains(v, ',') THEN concat('"', ${text}, '"') ELSE ${text} END`;
    return `array_to_string(list_transform(${texts}, lambda v, i: ${cell}), ',')`;
  },
  js: (line) => csvText([rowOf(JSON.parse(line) as Finding)]).slice(0, -1),
};

/**
 * Rows on their way to a file, stringified in batches of ROWS_PER_BATCH.
 *
 * @example
 * const rows = new CsvRows(sink);
 * await rows.add(finding);
 * await rows.flush();
 */
class CsvRows {
  constructor(
    private readonly sink: TextSink,
    /** The rows to start with (the header row, at the file's start). */
    private rows: Row[] = [],
  ) {}

  async add(finding: Finding): Promise<void> {
    this.rows.push(rowOf(finding));
    if (this.rows.length >= ROWS_PER_BATCH) await this.flush();
  }

  /** Violations of the previous run that are gone: one row each, status "resolved". */
  async addResolved(finished: FinishedReports): Promise<void> {
    for await (const entry of finished.resolved()) await this.add(resolvedRow(entry));
  }

  async flush(): Promise<void> {
    if (this.rows.length === 0) return;
    await this.sink.write(csvText(this.rows));
    this.rows = [];
  }
}

/**
 * The same bytes as the writer's, in parts: the header, the findings' rows, the resolved rows; nothing
 * to cut. A batch's text is its rows' texts joined, so batches may end anywhere.
 */
const csvAssembly: ReportAssembly = {
  createPart(path) {
    const file = new PartFile(path);
    const rows = new CsvRows(file.sink);
    return {
      write: (record) => rows.add(record.finding()),
      async close() {
        await rows.flush();
        return { bytes: await file.close() };
      },
      abort: () => file.abort(),
    };
  },
  trimLast: 0,
  head: () => Buffer.from(csvText([HEADER_ROW]), 'utf8'),
  writeTail(path, _head, finished) {
    return PartFile.write(path, async (sink) => {
      const rows = new CsvRows(sink);
      await rows.addResolved(finished);
      await rows.flush();
    });
  },
};

/**
 * The CSV report: one row per finding, in the report's order, with a header row.
 */
export const csvFormat: ReportFormat = {
  extension: 'csv',
  contentType: 'text/csv; charset=utf-8',
  description: 'every finding as a spreadsheet row',
  attachRank: 2,
  create(path) {
    const partialPath = `${path}.partial`;
    let file: { sink: TextSink; rows: CsvRows } | null = null;
    // The header row first, unless the engine wrote it with every finding's row (writeAll).
    const open = () => {
      if (!file) {
        const sink = new TextSink(partialPath);
        file = { sink, rows: new CsvRows(sink, [HEADER_ROW]) };
      }
      return file;
    };
    return {
      async write(record) {
        await open().rows.add(record.finding());
      },
      async writeAll(findings) {
        // The same bytes as write(): the header row, then a row per finding (most of them made in SQL: CSV_ROWS).
        await findings.copyLines(partialPath, { before: [csvText([HEADER_ROW]).slice(0, -1)], rows: CSV_ROWS });
        const sink = new TextSink(partialPath, 'a');
        file = { sink, rows: new CsvRows(sink) };
      },
      async finish(_head, finished) {
        const { sink, rows } = open();
        await rows.addResolved(finished);
        await rows.flush();
        await sink.close();
        await rename(partialPath, path);
      },
      async abort() {
        await file?.sink.destroy();
        await rm(partialPath, { force: true });
      },
    };
  },
  assembly: csvAssembly,
};
