/**
 * Assembles the HTML report around its findings: everything before the row
 * blocks (head, style, the sections drawn from the report head) and everything
 * after them (the column tables the rows refer to, and the script). The page
 * loads nothing: its Content-Security-Policy allows only this style sheet and
 * this script, by hash, and data: images, so even injected markup could neither
 * run nor reach the network.
 */
import { createHash } from 'node:crypto';
import Mustache from 'mustache';
import { FINDING_STATUSES, SEVERITIES, VERDICTS } from '../../model';
import { printable } from '../../text/printable';
import { changesSection, trendSection } from './changesSection';
import { contextSection } from './contextSection';
import { DEFAULT_PAGE_SIZE, FINDING_FILTERS, findingsSection } from './findingsSection';
import type { HtmlReportInput } from './HtmlReportInput';
import { SEVERITY_COLORS, VERDICT_COLORS } from './palette';
import { reportAsset } from './reportAssets';
import { html, jsonForScript } from './safeHtml';
import { masthead, summarySection } from './summarySection';

/** Where the row blocks go in the rendered template; no rendered value can hold a NUL. */
const ROWS_MARK = '\u0000ROWS\u0000';

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** The badge colours, from the palette the charts use too. */
function paletteCss(): string {
  const verdicts = VERDICTS.map((verdict) => `.tone-${verdict}{--tone:${VERDICT_COLORS[verdict]}}`);
  const severities = SEVERITIES.map((severity) => `.tone-${severity}{--tone:${SEVERITY_COLORS[severity]}}`);
  return [...verdicts, ...severities].join('\n');
}

/**
 * The policy in the page's meta tag: nothing from anywhere, but the inline style
 * and script (by hash) and data: images.
 *
 * @example
 * contentSecurityPolicy('body{}', 'void 0') // "default-src 'none'; style-src 'sha256-…'; script-src 'sha256-…'; img-src data:; …"
 */
export function contentSecurityPolicy(style: string, script: string): string {
  return `default-src 'none'; style-src ${sha256(style)}; script-src ${sha256(script)}; img-src data:; base-uri 'none'; form-action 'none'`;
}

/** The page's parts: `before` and `after` go on either side of the row blocks. */
export interface HtmlReportParts {
  before: string;
  after: string;
}

/**
 * @example
 * const { before, after } = renderHtmlReport(input);
 * // file = before + '<script type="application/json" class="findings-rows">[…]</script>' … + after
 */
export function renderHtmlReport(input: HtmlReportInput): HtmlReportParts {
  const style = `${reportAsset('report.css')}\n${paletteCss()}\n`;
  const script = reportAsset('report.js');
  const body = html`${masthead(input)}<nav class="toc" aria-label="Sections"><div class="wrap"><a href="#summary">Summary</a><a href="#changes">What changed</a><a href="#trend">Trend</a><a href="#context">Forecast, waivers, holds</a><a href="#findings">Findings</a></div></nav><main id="main" class="wrap">${summarySection(input)}${changesSection(input)}${trendSection(input)}${contextSection(input)}${findingsSection(input)}</main><footer class="wrap"><p>Run <span class="id">${input.head.run.id}</span> · report schema ${input.head.schemaVersion}${
    input.jsonSha256 ? html` · JSON report SHA-256 <code class="hash">${input.jsonSha256}</code>` : ''
  }</p></footer>`;
  const moduleNames = Object.fromEntries([...input.catalog.modules.values()].map((module) => [printable(module.id), printable(module.name)]));
  const meta = {
    total: input.findings.total,
    ...input.findings.columns,
    orders: { verdict: VERDICTS, severity: SEVERITIES, status: FINDING_STATUSES },
    filters: FINDING_FILTERS.map(([column]) => column),
    pageSize: DEFAULT_PAGE_SIZE,
    moduleNames,
  };
  const page = Mustache.render(reportAsset('report.html.mustache'), {
    title: `Data retention audit ${printable(input.head.run.id)}`,
    csp: contentSecurityPolicy(style, script),
    style,
    body: body.text,
    rows: ROWS_MARK,
    meta: jsonForScript(meta),
    script,
  });
  const [before, after, ...extra] = page.split(ROWS_MARK);
  if (after === undefined || extra.length > 0) throw new Error('templates/report/report.html.mustache must hold {{{rows}}} exactly once.');
  return { before: before!, after };
}
