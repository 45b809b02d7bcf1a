/**
 * The findings section as the file holds it before any script runs: labelled
 * filters, the count, an empty table and its pager. The page's script
 * (templates/report/report.js) fills them from the rows embedded in the file;
 * without scripts the section says where the findings are instead.
 */
import { formatCount } from '../../units';
import type { HtmlReportInput } from './HtmlReportInput';
import { html, type SafeHtml } from './safeHtml';

/** The filters, in order: the finding column each one filters on and its label. */
export const FINDING_FILTERS = [
  ['module', 'Module'],
  ['tenantId', 'Tenant'],
  ['verdict', 'Verdict'],
  ['severity', 'Severity'],
  ['status', 'Status'],
] as const;

const PAGE_SIZES = [25, 50, 100, 250, 500];
export const DEFAULT_PAGE_SIZE = 50;

/**
 * The findings section's markup: filters (disabled until the script has read the
 * rows), the count, the table and its pager.
 *
 * @example
 * findingsSection(input).text // '<section id="findings" …>…<p id="f-count" …>Loading 45 findings…</p>…'
 */
export function findingsSection({ findings }: HtmlReportInput): SafeHtml {
  const selects = FINDING_FILTERS.map(
    ([column, label]) =>
      html`<div class="field" data-field="${column}"><label for="f-${column}">${label}</label><select id="f-${column}" data-column="${column}" disabled><option value="">All</option></select></div>`,
  );
  return html`<section id="findings" aria-labelledby="findings-h"><h2 id="findings-h">Findings</h2><p class="muted">One finding per item of the snapshot, as in the JSON report. Sort with the column headings, narrow with the filters, and open a row for its clause and details.</p><form id="filters" class="filters" role="search" aria-label="Filter the findings"><div class="field search"><label for="f-search">Search</label><input id="f-search" type="search" placeholder="Item, tenant, store, owner, reason, clause…" autocomplete="off" spellcheck="false" disabled></div>${selects}<div class="field actions"><button type="reset" id="f-reset" disabled>Clear filters</button></div></form><div class="count-bar"><p id="f-count" class="count" role="status" aria-live="polite">Loading ${formatCount(findings.total)} findings…</p><div class="field inline"><label for="f-page-size">Rows per page</label><select id="f-page-size" disabled>${PAGE_SIZES.map(
    (size) => html`<option value="${size}"${size === DEFAULT_PAGE_SIZE ? html` selected` : ''}>${size}</option>`,
  )}</select></div></div><div class="table-wrap findings-wrap"><table id="findings-table" class="findings"><caption class="visually-hidden">Findings, sortable by column</caption><thead></thead><tbody></tbody></table></div><nav class="pager" aria-label="Pages of findings"><button type="button" id="p-first" disabled>First</button><button type="button" id="p-prev" disabled>Previous</button><span id="p-where" class="where"></span><button type="button" id="p-next" disabled>Next</button><button type="button" id="p-last" disabled>Last</button></nav><noscript><div class="banner note">The findings table needs JavaScript, which is off in this viewer. Open the file in a web browser, or read every finding in the JSON and CSV reports of this run.</div></noscript></section>`;
}
