import { HtmlReportWriter } from '../html/HtmlReportWriter';
import type { ReportFormat } from './ReportFormat';

/**
 * The HTML report: one self-contained page a DPO opens from the mail or the
 * bucket, loading nothing from the network. The summary, what changed, the trend
 * and the charts are drawn from the report head; every finding is embedded
 * compactly and shown in a table that sorts, filters and searches in the page.
 * Findings stream to a part file as they come (lib/report/html/HtmlReportWriter.ts),
 * so memory does not grow with the inventory.
 */
export const htmlFormat: ReportFormat = {
  extension: 'html',
  contentType: 'text/html; charset=utf-8',
  description: 'one self-contained page: summary, charts, what changed, and every finding in a table that sorts, filters and searches',
  attachRank: 1,
  create(path, _draft, context) {
    return new HtmlReportWriter(path, { catalog: context.catalog });
  },
};
