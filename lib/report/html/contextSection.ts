/**
 * What surrounds the findings: the deletion forecast (data about to pass its
 * deadline), the waivers and how they fared, and the legal holds. Each is a count
 * a DPO reads at a glance with its list folded beneath it.
 */
import { describeScope } from '../../engine/waivers';
import type { HoldEntry } from '../ReportModel';
import { formatBytes, formatCount } from '../../units';
import type { HtmlReportInput } from './HtmlReportInput';
import { html, type SafeHtml } from './safeHtml';
import { day, plural } from './words';

function forecastBlock({ head }: HtmlReportInput): SafeHtml {
  const forecast = head.forecast;
  if (!forecast) return html``;
  const headline =
    forecast.items === 0
      ? html`<p>Nothing else passes its deadline in the ${formatCount(forecast.days)} days after the capture (until ${day(forecast.until)}).</p>`
      : html`<p><strong>${plural(forecast.items, 'more item')}</strong> (${formatCount(forecast.records)} records, ${formatBytes(forecast.bytes)}) pass their deadline by ${day(forecast.until)} unless their data is deleted.</p>`;
  const rest = forecast.totalGroups - forecast.byModuleTenant.length;
  const table =
    forecast.byModuleTenant.length === 0
      ? ''
      : html`<details><summary>By module and tenant, the soonest first (${formatCount(forecast.totalGroups)})</summary><div class="table-wrap"><table class="plain"><thead><tr><th scope="col">First deadline</th><th scope="col">Module</th><th scope="col">Tenant</th><th scope="col" class="num">Items</th><th scope="col" class="num">Records</th><th scope="col" class="num">Size</th></tr></thead><tbody>${forecast.byModuleTenant.map(
          (entry) =>
            html`<tr><td>${day(entry.firstDeadline)}</td><td>${entry.module}</td><td>${entry.tenantId}</td><td class="num">${formatCount(entry.items)}</td><td class="num">${formatCount(entry.records)}</td><td class="num">${formatBytes(entry.bytes)}</td></tr>`,
        )}</tbody></table></div>${rest > 0 ? html`<p class="note">… and ${plural(rest, 'more group')}, not listed.</p>` : ''}</details>`;
  return html`<div class="card"><h3>Deletion forecast: the next ${formatCount(forecast.days)} days</h3>${headline}${table}</div>`;
}

function waiversBlock({ head }: HtmlReportInput): SafeHtml {
  const waivers = head.waivers ?? [];
  if (waivers.length === 0) return html`<div class="card"><h3>Waivers</h3><p class="muted">No waiver applies to this run.</p></div>`;
  const count = (status: string) => waivers.filter((waiver) => waiver.status === status).length;
  return html`<div class="card"><h3>Waivers (${formatCount(waivers.length)})</h3><p>${formatCount(count('active'))} active, ${formatCount(count('expired'))} expired, ${formatCount(count('stale'))} stale (matching nothing). Waived findings are not counted as violations.</p><details><summary>Each waiver</summary><div class="table-wrap"><table class="plain"><thead><tr><th scope="col">Waiver</th><th scope="col">Status</th><th scope="col">Scope</th><th scope="col">Reason</th><th scope="col">Approver</th><th scope="col">Expires</th><th scope="col" class="num">Waived</th><th scope="col" class="num">Active again</th></tr></thead><tbody>${waivers.map(
    (waiver) =>
      html`<tr><td class="id">${waiver.id}</td><td><span class="tag ${waiver.status === 'active' ? '' : 'tag-warn'}">${waiver.status}</span></td><td class="id">${describeScope(waiver.scope)}</td><td>${waiver.reason}</td><td>${waiver.approver}</td><td>${day(waiver.expiresAt)}</td><td class="num">${formatCount(waiver.covered)}</td><td class="num">${formatCount(waiver.activeAgain)}</td></tr>`,
  )}</tbody></table></div></details></div>`;
}

function holdTable(caption: string, entries: HoldEntry[], total: number): SafeHtml {
  if (total === 0) return html``;
  const rest = total - entries.length;
  return html`<details><summary>${caption} (${formatCount(total)})</summary><div class="table-wrap"><table class="plain"><thead><tr><th scope="col">Item</th><th scope="col">Tenant</th><th scope="col">Module</th><th scope="col">Data category</th><th scope="col">Store</th><th scope="col">Why</th></tr></thead><tbody>${entries.map(
    (entry) =>
      html`<tr><td class="id">${entry.itemId ?? '–'}</td><td>${entry.tenantId ?? '–'}</td><td>${entry.module ?? '–'}</td><td>${entry.dataCategory ?? '–'}</td><td class="id">${entry.resource ?? '–'}</td><td>${entry.reason}</td></tr>`,
  )}</tbody></table></div>${rest > 0 ? html`<p class="note">… and ${plural(rest, 'more')}, not listed here; all are in the JSON report.</p>` : ''}</details>`;
}

function holdsBlock({ head }: HtmlReportInput): SafeHtml {
  const holds = head.legalHolds;
  if (!holds) return html``;
  return html`<div class="card"><h3>Legal holds</h3><p>${plural(holds.active, 'item')} exempt under an active legal hold; ${plural(holds.ended, 'hold')} ended since the last audit.</p>${holdTable(
    'Under an active hold',
    holds.activeList,
    holds.active,
  )}${holdTable('Holds that ended since the last audit', holds.endedList, holds.ended)}</div>`;
}

/**
 * The forecast, waivers and legal holds section.
 *
 * @example
 * contextSection(input).text // '<section id="context" …><h2 …>Forecast, waivers and legal holds</h2>…'
 */
export function contextSection(input: HtmlReportInput): SafeHtml {
  return html`<section id="context" aria-labelledby="context-h"><h2 id="context-h">Forecast, waivers and legal holds</h2><div class="cards">${forecastBlock(input)}${waiversBlock(input)}${holdsBlock(input)}</div></section>`;
}
