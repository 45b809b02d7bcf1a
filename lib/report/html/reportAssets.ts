/**
 * The HTML report's page template, style sheet and script, read from
 * templates/report/ (shipped beside the code like the mail templates) once per
 * process. Line ends are made LF: the browser hashes the inline script and style
 * as it parses them, with CR LF already folded, and the CSP names those hashes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assetPath } from '../../assets';

export const REPORT_ASSETS = ['report.html.mustache', 'report.css', 'report.js'] as const;
export type ReportAsset = (typeof REPORT_ASSETS)[number];

const cache = new Map<ReportAsset, string>();

/**
 * @example
 * reportAsset('report.css') // ':root { --ink: #1f2937; …'
 */
export function reportAsset(name: ReportAsset): string {
  let text = cache.get(name);
  if (text === undefined) {
    text = readFileSync(join(assetPath('templates/report'), name), 'utf8').replace(/\r\n?/g, '\n');
    cache.set(name, text);
  }
  return text;
}
