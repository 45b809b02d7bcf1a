import { statSync } from 'node:fs';
import { pdfSafeText } from '../../../../lib/report/pdf/pdfSafeText';
import { pdfText, type PdfText } from '../../../helpers/pdf';
import { renderReport, texts } from './hostileReport';

/** Table cells and lines wrap anywhere in a long word: compare text with all whitespace removed. */
const squash = (text: string) => text.replace(/\s+/g, '');

describe('a report whose every string is a megabyte long', () => {
  const MB = 1 << 20;
  const huge = texts((marker, filler) => `${marker}${filler.repeat(MB)}`);
  let text: string;
  let path: string;
  beforeAll(async () => {
    const rendered = await renderReport(huge);
    path = rendered.path;
    text = squash(pdfText(rendered.pdf));
  });

  it('renders, into a PDF that holds none of them whole', () => {
    expect(statSync(path).size).toBeLessThan(MB);
  });

  const samples = Object.entries(texts((marker, filler) => `${marker}:${filler}`)).map(([field, sample]) => [field, ...sample.split(':')] as [string, string, string]);
  /** The owner is not in the PDF; the region follows the store's type and resource in one cell, and is cut off with them. */
  const NOT_SHOWN = ['owner', 'region'];

  it.each(samples.filter(([field]) => !NOT_SHOWN.includes(field)))('shows the head of %s, cut with an ellipsis', (_field, marker, filler) => {
    expect(text).toMatch(new RegExp(`${marker}${filler}{40,}…`));
  });

  it.each(samples)('never shows more than 2,000 characters of %s (the longest limit)', (_field, _marker, filler) => {
    expect(text).not.toMatch(new RegExp(`${filler}{2000}`));
  });

  it('cuts identifiers to 120 characters', () => {
    expect(text).toContain(pdfSafeText(huge.tenantId, 'id'));
    expect(pdfSafeText(huge.tenantId, 'id')).toBe(`TENANT${'t'.repeat(113)}…`);
    expect(text).toContain(`ITEM${'i'.repeat(115)}…`);
  });

  it('cuts reasons to a few hundred characters', () => {
    expect(text).toContain(`REASON${'e'.repeat(593)}…`);
    expect(text).not.toContain(`REASON${'e'.repeat(594)}`);
  });
});

describe('text with control and bidi characters', () => {
  const hostile = texts((marker) => `${marker}\u0000x\u001b[2Jy\u202Ez\u2066w\u0085v\r\nend`);
  let pdf: PdfText;
  beforeAll(async () => {
    pdf = (await renderReport(hostile)).pdf;
  });

  it('draws none of them raw', () => {
    for (const page of pdf.pages) expect(page.text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
  });

  it('shows each as a visible escape, as the CSV and the terminal do', () => {
    expect(squash(pdfText(pdf))).toContain('TENANT\\x00x\\x1b[2Jy\\u202ez\\u2066w\\x85vend');
  });
});
