/**
 * Reads an HTML report back the way its script does, without a browser: the
 * column tables, every row block, and each finding's cells by column id. The
 * unit tests check what the page holds with it.
 */
import { readFileSync } from 'node:fs';

export interface ReadHtmlReport {
  text: string;
  meta: {
    total: number;
    columns: { id: string; kind: 'key' | 'text' | 'number' }[];
    dictionaries: Record<string, string[]>;
    [key: string]: unknown;
  };
  /** The row blocks as they are in the file. */
  blocks: string[];
  /** Each finding's cells by column id, table indices resolved. */
  findings: Record<string, string | number | null>[];
  /** The text of the inline script and style. */
  script: string;
  style: string;
}

const between = (text: string, open: RegExp, close: string): string[] => {
  const found: string[] = [];
  let at = 0;
  for (;;) {
    open.lastIndex = at;
    const start = open.exec(text);
    if (!start) return found;
    const end = text.indexOf(close, start.index + start[0].length);
    if (end < 0) throw new Error(`no ${close} after ${start[0]}`);
    found.push(text.slice(start.index + start[0].length, end));
    at = end + close.length;
  }
};

/**
 * @example
 * readHtmlReport('reports/audit-….html').findings[0].module // 'instant-messaging'
 */
export function readHtmlReport(path: string): ReadHtmlReport {
  const text = readFileSync(path, 'utf8');
  const [metaText] = between(text, /<script type="application\/json" id="findings-meta">/g, '</script>');
  if (metaText === undefined) throw new Error('the page has no findings-meta block');
  const meta = JSON.parse(metaText) as ReadHtmlReport['meta'];
  const blocks = between(text, /<script type="application\/json" class="findings-rows">/g, '</script>');
  const findings = blocks.flatMap((block) =>
    (JSON.parse(block) as (string | number | null)[][]).map((row) =>
      Object.fromEntries(
        meta.columns.map((column, index) => {
          const cell = row[index] ?? null;
          const value = column.kind === 'key' && typeof cell === 'number' ? meta.dictionaries[column.id]![cell]! : cell;
          return [column.id, value];
        }),
      ),
    ),
  );
  const [script] = between(text, /<script>/g, '</script>');
  const [style] = between(text, /<style>/g, '</style>');
  return { text, meta, blocks, findings, script: script ?? '', style: style ?? '' };
}
