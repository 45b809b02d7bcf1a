import type { ReportFormat } from './ReportFormat';

/** Being built (issue 14). */
export const htmlFormat: ReportFormat = {
  extension: 'html',
  contentType: 'text/html; charset=utf-8',
  description: 'one self-contained page: summary, charts and a findings table that sorts, filters and searches',
  complete: true,
  attachRank: 1,
  create() {
    throw new Error('The html format is not built yet.');
  },
};
