/**
 * What the PDF is drawn from, and the shape of a section: each section of the
 * report is one function of the canvas and this input, so renderPdf.ts is just
 * their order.
 */
import type { Catalog } from '../../catalog/loadCatalog';
import type { ReportHead, ResolvedFinding } from '../ReportModel';
import type { PdfCanvas } from './draw/PdfCanvas';
import type { CappedList, PdfReportModel } from './PdfReportModel';

export interface PdfRenderInput {
  head: ReportHead;
  model: PdfReportModel;
  catalog: Catalog;
  /** SHA-256 of the JSON report of the same run, or null when no JSON was written. */
  jsonSha256: string | null;
  /** Violations of the previous run that are gone (the first rows; `total` counts all). */
  resolved: CappedList<ResolvedFinding>;
}

/** Draws one section of the report, from a new page, at the canvas's cursor. */
export type PdfSection = (pdf: PdfCanvas, input: PdfRenderInput) => void;
