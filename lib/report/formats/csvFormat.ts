import { rename, rm } from 'node:fs/promises';
import { stringify } from 'csv-stringify/sync';
import type { Finding } from '../../model';
import { printable } from '../../text/printable';
import type { ResolvedFinding } from '../ReportModel';
import type { FinishedReports, ReportAssembly, ReportFormat } from './ReportFormat';
import { PartFile } from './PartFile';
import { TextSink } from './TextSink';

/** One column: its header and how to read it from a finding. */
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
    const sink = new TextSink(partialPath);
    const rows = new CsvRows(sink, [HEADER_ROW]);
    return {
      async write(record) {
        await rows.add(record.finding());
      },
      async finish(_head, finished) {
        await rows.addResolved(finished);
        await rows.flush();
        await sink.close();
        await rename(partialPath, path);
      },
      async abort() {
        await sink.destroy();
        await rm(partialPath, { force: true });
      },
    };
  },
  assembly: csvAssembly,
};
