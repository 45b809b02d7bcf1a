/**
 * A report's bytes wherever it is: a file on the machine that ran the audit,
 * or an object in the reports bucket (a partitioned run's JSON and CSV are put
 * together there and never were a local file). The channels that read a
 * report's findings back (owner digests, Security Hub) and the digest's
 * attachments read it through this, streamed, whatever its size.
 */
import { createReadStream } from 'node:fs';
import { linesOf } from '../inventory/readLines';

export interface ReportSource {
  /** How messages name it: its path, or its s3:// address. */
  name: string;
  /** Its bytes, streamed (read again from the start at each call). */
  bytes(): AsyncIterable<Buffer>;
}

/**
 * A report file (or a source already made) as a source.
 *
 * @example
 * sourceOf('reports/audit-….json').name // 'reports/audit-….json'
 */
export function sourceOf(report: string | ReportSource): ReportSource {
  return typeof report === 'string' ? { name: report, bytes: () => createReadStream(report) } : report;
}

/**
 * A report's lines, as readLines splits a file's.
 *
 * @example
 * for await (const line of reportLines(sourceOf(path))) parse(line);
 */
export function reportLines(source: ReportSource): AsyncGenerator<string> {
  return linesOf(source.bytes());
}
