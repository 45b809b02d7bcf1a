// Prints, as JSON, the text of a PDF page by page with each text item's position,
// read with pdfjs-dist. Run as a child process: pdfjs-dist is ESM only.
import { readFileSync } from 'node:fs';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';

const data = new Uint8Array(readFileSync(process.argv[2]));
const pdf = await getDocument({ data, verbosity: 0, useSystemFonts: false, disableFontFace: true }).promise;
const pages = [];
for (let n = 1; n <= pdf.numPages; n += 1) {
  const page = await pdf.getPage(n);
  const [x0, y0, x1, y1] = page.view;
  const content = await page.getTextContent();
  const items = content.items
    .filter((item) => 'str' in item && item.str.trim() !== '')
    .map((item) => ({ str: item.str, x: item.transform[4], y: item.transform[5], width: item.width, height: item.height }));
  pages.push({ width: x1 - x0, height: y1 - y0, text: items.map((i) => i.str).join(' '), items });
}
const info = (await pdf.getMetadata()).info;
process.stdout.write(JSON.stringify({ numPages: pdf.numPages, info, pages }));
