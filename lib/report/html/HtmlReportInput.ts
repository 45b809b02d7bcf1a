/**
 * Everything the HTML report's sections are drawn from, gathered by the writer
 * when the findings are done; the findings themselves are already in the file.
 */
import type { Catalog } from '../../catalog/loadCatalog';
import type { ReportHead, ResolvedFinding } from '../ReportModel';
import type { TrendPoint } from '../trend';
import type { EncodedColumns } from './FindingEncoder';
import type { ViolationTally } from './ViolationTally';

/** The first rows of a list, and how many it holds in all. */
export interface CappedRows<T> {
  rows: T[];
  total: number;
}

export interface HtmlReportInput {
  /** The report head; `trend` is read when present (runs of the scope, oldest first). */
  head: ReportHead & { trend?: TrendPoint[] | null };
  catalog: Catalog;
  /** SHA-256 of the JSON report of the same run, or null when no JSON was written. */
  jsonSha256: string | null;
  resolved: CappedRows<ResolvedFinding>;
  violations: ViolationTally;
  /** How many findings the file holds, and how to read their rows. */
  findings: { total: number; columns: EncodedColumns };
}
