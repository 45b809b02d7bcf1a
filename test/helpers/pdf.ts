import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export interface PdfText {
  numPages: number;
  info: Record<string, unknown>;
  pages: { width: number; height: number; text: string; items: { str: string; x: number; y: number; width: number; height: number }[] }[];
}

/** The text of a PDF with positions, extracted by pdfjs-dist in a child process. */
export function readPdf(path: string): PdfText {
  const out = execFileSync(process.execPath, [join(__dirname, 'pdfText.mjs'), path], { encoding: 'utf8', maxBuffer: 256 << 20 });
  return JSON.parse(out) as PdfText;
}

/** All the text of a PDF, with whitespace runs collapsed. */
export function pdfText(pdf: PdfText): string {
  return pdf.pages.map((p) => p.text).join(' ').replace(/\s+/g, ' ');
}
