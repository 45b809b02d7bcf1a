import type { Finding } from '../../model';
import type { ReportHead } from '../ReportModel';

/** Writes one report file. Findings arrive in the report's order; the head arrives last, when it is known. */
export interface ReportWriter {
  write(finding: Finding): Promise<void>;
  /** Completes the file at its final path. */
  finish(head: ReportHead): Promise<void>;
  /** Removes anything written so far (the run failed). */
  abort(): Promise<void>;
}

export interface ReportFormat {
  extension: string;
  /** Starts a report that will be written to `path`. */
  create(path: string): ReportWriter;
}
