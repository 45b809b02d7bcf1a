import type { ReportFormat } from './ReportFormat';

/** Being built (issue 14). */
export const ocsfFormat: ReportFormat = {
  extension: 'ocsf',
  contentType: 'application/x-ndjson',
  description: 'the non-compliant findings as OCSF Compliance Finding events (NDJSON)',
  complete: false,
  attachRank: null,
  create() {
    throw new Error('The ocsf format is not built yet.');
  },
};
