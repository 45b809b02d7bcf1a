/**
 * npm run report:preview [-- PDF] [--dpi N]
 *
 * Renders a PDF report (default: the newest in ./reports) to PNG pages with
 * pdftoppm (Debian: apt-get install poppler-utils), to look at it as a DPO will.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

function newestPdf(dir: string): string {
  const pdfs = readdirSync(dir)
    .filter((name) => name.endsWith('.pdf'))
    .map((name) => join(dir, name))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  if (!pdfs[0]) throw new Error(`No PDF report in ${dir}: run "npm start" first.`);
  return pdfs[0];
}

function preview(): void {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { dpi: { type: 'string', default: '80' }, out: { type: 'string' } } });
  const pdf = resolve(positionals[0] ?? newestPdf(resolve('reports')));
  const outDir = resolve(values.out ?? join('reports', 'preview'));
  mkdirSync(outDir, { recursive: true });
  const prefix = join(outDir, basename(pdf, '.pdf'));
  try {
    execFileSync('pdftoppm', ['-png', '-r', values.dpi, pdf, prefix], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error('pdftoppm is not installed: on Debian or Ubuntu, run "apt-get install poppler-utils".');
    }
    throw error;
  }
  const pages = readdirSync(outDir).filter((name) => name.startsWith(basename(prefix)) && name.endsWith('.png')).sort();
  for (const page of pages) console.log(join(outDir, page));
}

try {
  preview();
} catch (error) {
  console.error(`error: ${(error as Error).message}`);
  process.exitCode = 2;
}
