/**
 * How a finding travels inside the HTML report: one JSON array of cell values per
 * finding, in the column order of HTML_COLUMNS, so that 100,000 findings stay a few
 * tens of megabytes and parse fast. Columns whose values repeat (module, tenant,
 * verdict, clause text…) are dictionary-encoded: a cell holds the index of its value
 * in that column's table, written once at the end of the report. The tables are
 * capped, so memory stays bounded whatever the inventory: a value that does not fit
 * is written inline as a string, which the page reads the same way.
 */
import type { Finding } from '../../model';
import { printable } from '../../text/printable';
import { scriptSafeJson } from './safeHtml';

/** `key`: dictionary-encoded text; `text`: inline text; `number`: a number. Null everywhere when absent. */
export type HtmlColumnKind = 'key' | 'text' | 'number';

interface HtmlColumn {
  id: string;
  kind: HtmlColumnKind;
  read: (finding: Finding) => string | number | null | undefined;
  /** Text that may span lines (prose): line breaks stay. */
  multiline?: boolean;
}

/**
 * The cells of a finding in the page, in order. Columns that are mostly absent come
 * last, because trailing empty cells are not written.
 */
export const HTML_COLUMNS: readonly HtmlColumn[] = [
  { id: 'itemId', kind: 'text', read: (f) => f.itemId },
  { id: 'tenantId', kind: 'key', read: (f) => f.tenantId },
  { id: 'module', kind: 'key', read: (f) => f.module },
  { id: 'dataCategory', kind: 'key', read: (f) => f.dataCategory },
  { id: 'verdict', kind: 'key', read: (f) => f.verdict },
  { id: 'severity', kind: 'key', read: (f) => f.severity },
  { id: 'storeType', kind: 'key', read: (f) => f.store?.type },
  { id: 'resource', kind: 'text', read: (f) => f.store?.resource },
  { id: 'region', kind: 'key', read: (f) => f.store?.region },
  { id: 'owner', kind: 'key', read: (f) => f.owner },
  { id: 'recordCount', kind: 'number', read: (f) => f.recordCount },
  { id: 'bytes', kind: 'number', read: (f) => f.bytes },
  { id: 'oldestRecordAt', kind: 'text', read: (f) => f.oldestRecordAt },
  { id: 'capturedAt', kind: 'key', read: (f) => f.capturedAt },
  { id: 'snapshotId', kind: 'key', read: (f) => f.snapshotId },
  { id: 'ruleId', kind: 'key', read: (f) => f.ruleId },
  { id: 'deadline', kind: 'text', read: (f) => f.deadline },
  { id: 'overdueDays', kind: 'number', read: (f) => f.overdueDays },
  { id: 'reason', kind: 'text', read: (f) => f.reason, multiline: true },
  { id: 'clauseSource', kind: 'key', read: (f) => f.clause?.source },
  { id: 'clauseSection', kind: 'key', read: (f) => f.clause?.section },
  { id: 'clauseText', kind: 'key', read: (f) => f.clause?.text, multiline: true },
  { id: 'specialCategory', kind: 'key', read: (f) => f.specialCategory },
  { id: 'status', kind: 'key', read: (f) => f.status },
  { id: 'firstSeenAt', kind: 'key', read: (f) => f.firstSeenAt },
  { id: 'daysOpen', kind: 'number', read: (f) => f.daysOpen },
  { id: 'underlyingVerdict', kind: 'key', read: (f) => f.underlyingVerdict },
  { id: 'waiverId', kind: 'key', read: (f) => f.waiverId },
];

/** What the page needs to read the rows back: the columns and their value tables. */
export interface EncodedColumns {
  columns: { id: string; kind: HtmlColumnKind }[];
  /** For each `key` column, its values by index. */
  dictionaries: Record<string, string[]>;
}

export interface FindingEncoderOptions {
  /** Values per column table (default 65,536). */
  maxEntriesPerColumn?: number;
  /** Characters of all tables together (default 8 M). */
  maxTableChars?: number;
  /** Longer values are written inline, never tabled (default 4,096). */
  maxValueChars?: number;
}

/**
 * Encodes findings as compact rows, remembering the repeated values.
 *
 * @example
 * const encoder = new FindingEncoder();
 * encoder.encode(finding) // '["item-1",0,0,0,0,0,0,"im/test",…]'
 * encoder.columns().dictionaries.module // ['instant-messaging']
 */
export class FindingEncoder {
  private readonly tables = HTML_COLUMNS.map((column) => (column.kind === 'key' ? new Map<string, number>() : null));
  private tableChars = 0;
  private readonly maxEntries: number;
  private readonly maxChars: number;
  private readonly maxValueChars: number;

  constructor(options: FindingEncoderOptions = {}) {
    this.maxEntries = options.maxEntriesPerColumn ?? 65_536;
    this.maxChars = options.maxTableChars ?? 8 << 20;
    this.maxValueChars = options.maxValueChars ?? 4096;
  }

  /** The finding's row as JSON text, safe inside a script block. */
  encode(finding: Finding): string {
    const cells: (string | number | null)[] = HTML_COLUMNS.map((column, index) => this.cell(column, index, column.read(finding)));
    let length = cells.length;
    while (length > 0 && cells[length - 1] === null) length -= 1;
    cells.length = length;
    return scriptSafeJson(JSON.stringify(cells));
  }

  columns(): EncodedColumns {
    const dictionaries: Record<string, string[]> = {};
    HTML_COLUMNS.forEach((column, index) => {
      const table = this.tables[index];
      if (table) dictionaries[column.id] = [...table.keys()];
    });
    return { columns: HTML_COLUMNS.map(({ id, kind }) => ({ id, kind })), dictionaries };
  }

  private cell(column: HtmlColumn, index: number, value: string | number | null | undefined): string | number | null {
    if (value === null || value === undefined) return null;
    if (column.kind === 'number') return typeof value === 'number' && Number.isFinite(value) ? value : null;
    const text = printable(String(value), column.multiline ? { allow: '\n' } : {});
    const table = this.tables[index];
    if (!table) return text;
    const known = table.get(text);
    if (known !== undefined) return known;
    if (table.size >= this.maxEntries || text.length > this.maxValueChars || this.tableChars + text.length > this.maxChars) return text;
    table.set(text, table.size);
    this.tableChars += text.length;
    return table.size - 1;
  }
}
