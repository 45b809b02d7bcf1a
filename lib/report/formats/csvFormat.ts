import { rename, rm } from 'node:fs/promises';
import { stringify } from 'csv-stringify/sync';
import type { Finding } from '../../model';
import { printable } from '../../text/printable';
import type { ResolvedFinding } from '../ReportModel';
import type { ReportFormat } from './ReportFormat';
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
    let rows: (string | number | null | undefined)[][] = [COLUMNS.map(([header]) => header)];
    const flush = async () => {
      await sink.write(stringify(rows, { cast: { string: neutralize } }));
      rows = [];
    };
    return {
      async write(record) {
        const finding = record.finding();
        rows.push(COLUMNS.map(([, read]) => read(finding)));
        if (rows.length >= ROWS_PER_BATCH) await flush();
      },
      async finish(_head, finished) {
        // Violations of the previous run that are gone: one row each, status "resolved".
        for await (const entry of finished.resolved()) {
          rows.push(COLUMNS.map(([, read]) => read(resolvedRow(entry))));
          if (rows.length >= ROWS_PER_BATCH) await flush();
        }
        await flush();
        await sink.close();
        await rename(partialPath, path);
      },
      async abort() {
        await sink.destroy();
        await rm(partialPath, { force: true });
      },
    };
  },
};
