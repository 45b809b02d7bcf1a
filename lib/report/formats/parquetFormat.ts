import { rename, rm } from 'node:fs/promises';
import { sqlString } from '../../sql/sqlText';
import { toJsonLine } from '../FindingSorter';
import { SCHEMA_VERSION } from '../ReportModel';
import { resolvedRow } from './csvFormat';
import type { ReportFormat } from './ReportFormat';
import { TextSink } from './TextSink';

/** The columns of the Parquet report: the CSV's, typed, each read from the finding's JSON line. */
const COLUMNS: readonly [name: string, path: string, type: 'VARCHAR' | 'DOUBLE'][] = [
  ['itemId', '$.itemId', 'VARCHAR'],
  ['snapshotId', '$.snapshotId', 'VARCHAR'],
  ['tenantId', '$.tenantId', 'VARCHAR'],
  ['module', '$.module', 'VARCHAR'],
  ['dataCategory', '$.dataCategory', 'VARCHAR'],
  ['storeType', '$.store.type', 'VARCHAR'],
  ['storeResource', '$.store.resource', 'VARCHAR'],
  ['storeRegion', '$.store.region', 'VARCHAR'],
  ['owner', '$.owner', 'VARCHAR'],
  ['recordCount', '$.recordCount', 'DOUBLE'],
  ['bytes', '$.bytes', 'DOUBLE'],
  ['oldestRecordAt', '$.oldestRecordAt', 'VARCHAR'],
  ['capturedAt', '$.capturedAt', 'VARCHAR'],
  ['verdict', '$.verdict', 'VARCHAR'],
  ['underlyingVerdict', '$.underlyingVerdict', 'VARCHAR'],
  ['severity', '$.severity', 'VARCHAR'],
  ['specialCategory', '$.specialCategory', 'VARCHAR'],
  ['ruleId', '$.ruleId', 'VARCHAR'],
  ['deadline', '$.deadline', 'VARCHAR'],
  ['overdueDays', '$.overdueDays', 'DOUBLE'],
  ['waiverId', '$.waiverId', 'VARCHAR'],
  ['fingerprint', '$.fingerprint', 'VARCHAR'],
  ['status', '$.status', 'VARCHAR'],
  ['firstSeenAt', '$.firstSeenAt', 'VARCHAR'],
  ['daysOpen', '$.daysOpen', 'DOUBLE'],
  ['reason', '$.reason', 'VARCHAR'],
  ['clauseSource', '$.clause.source', 'VARCHAR'],
  ['clauseSection', '$.clause.section', 'VARCHAR'],
  ['clauseText', '$.clause.text', 'VARCHAR'],
];

/**
 * The Parquet rows from a relation with a `line` column (finding JSON lines): each
 * line parsed once, into a struct of the finding's members (lib/model.ts Finding).
 */
function parquetRowsSql(lines: string): string {
  const shape: Record<string, unknown> = {};
  for (const [, path, type] of COLUMNS) {
    const keys = path.slice(2).split('.');
    let node = shape;
    for (const key of keys.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
    node[keys.at(-1)!] = type;
  }
  const parsed = `from_json(line, ${sqlString(JSON.stringify(shape))})`;
  const columns = COLUMNS.map(([name, path]) => `f.${path.slice(2).split('.').map((key) => `"${key}"`).join('.')} AS "${name}"`);
  return `SELECT ${columns.join(', ')} FROM (SELECT ${parsed} AS f FROM ${lines})`;
}

/**
 * The Parquet report: the CSV's rows (findings in the report's order, then the
 * resolved ones) as typed columns, for analysts to query directly
 * (`SELECT verdict, count(*) FROM 'audit-….parquet' GROUP BY ALL`). The file's
 * key-value metadata names the run, the report schema and the JSON report's
 * SHA-256. Written by DuckDB (already in every package that audits): the
 * finding lines go to a file as they come and are turned into columns once, at the end.
 */
export const parquetFormat: ReportFormat = {
  extension: 'parquet',
  contentType: 'application/vnd.apache.parquet',
  description: 'every finding as typed columns analysts query directly with DuckDB, Athena or pandas',
  attachRank: 4,
  create(path, _draft, context) {
    const partialPath = `${path}.partial`;
    // The finding lines wait on disk (not in memory) until DuckDB turns them into columns.
    const linesPath = `${path}.lines.ndjson`;
    let sink: TextSink | null = null;
    const lines = () => (sink ??= new TextSink(linesPath));
    return {
      async write(record) {
        await lines().write(`${record.line}\n`);
      },
      async writeAll(findings) {
        await findings.copyLines(linesPath);
        sink = new TextSink(linesPath, 'a');
      },
      async finish(head, finished) {
        for await (const entry of finished.resolved()) await lines().write(`${toJsonLine(resolvedRow(entry))}\n`);
        await lines().close();
        const metadata = { runId: head.run.id, schemaVersion: SCHEMA_VERSION, catalogVersion: head.run.catalogVersion, jsonReportSha256: finished.jsonSha256 ?? '' };
        const kv = Object.entries(metadata).map(([key, value]) => `${key}: ${sqlString(value)}`).join(', ');
        const duck = await context.openDuck({ threads: 1, memoryLimit: '256MB' });
        try {
          await duck.connection.run(
            `COPY (${parquetRowsSql(findingLinesSql(linesPath))}) TO ${sqlString(partialPath)} ` +
              `(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE ${ROW_GROUP_SIZE}, KV_METADATA {${kv}})`,
          );
        } finally {
          duck.close();
          await rm(linesPath, { force: true });
        }
        await rename(partialPath, path);
      },
      async abort() {
        await sink?.destroy();
        await Promise.all([rm(partialPath, { force: true }), rm(linesPath, { force: true })]);
      },
    };
  },
};

/** Rows per row group: small enough that 29 columns of text stay well inside the writer's memory limit. */
const ROW_GROUP_SIZE = 16_384;

/**
 * A file of finding lines (toJsonLine: ASCII, no raw control character) as a
 * relation of one VARCHAR column `line`, in file order: read as CSV with a
 * delimiter a JSON line cannot hold unescaped, and no quoting.
 */
function findingLinesSql(path: string): string {
  return `read_csv(${sqlString(path)}, columns = {'line': 'VARCHAR'}, delim = chr(1), quote = '', escape = '', header = false, max_line_size = 2097152)`;
}
