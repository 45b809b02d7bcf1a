/**
 * What changed since the previous audit of the same scope, the violations that
 * were resolved, and the trend over the scope's recent runs: the part of the
 * report that tells a DPO whether things are getting better.
 */
import { formatCount } from '../../units';
import { lineChart } from './charts';
import { keyFigures } from './keyFigures';
import type { HtmlReportInput } from './HtmlReportInput';
import { TREND_COLORS } from './palette';
import { html, type SafeHtml } from './safeHtml';
import { day, plural, utc } from './words';

/** Resolved violations listed open; a longer list starts folded. */
const OPEN_UP_TO = 20;

function resolvedTable({ resolved }: HtmlReportInput): SafeHtml {
  if (resolved.total === 0) return html`<p class="muted">No violation of the previous run was resolved.</p>`;
  const rest = resolved.total - resolved.rows.length;
  // A long list stays folded: the figures above say what matters.
  return html`<details${resolved.total <= OPEN_UP_TO ? html` open` : ''}><summary>The ${plural(resolved.total, 'violation')} resolved since the last audit</summary><div class="table-wrap"><table class="plain"><thead><tr><th scope="col">Item</th><th scope="col">Tenant</th><th scope="col">Module</th><th scope="col">Data category</th><th scope="col">Store</th><th scope="col">Was</th><th scope="col">First seen</th><th scope="col" class="num">Days open</th></tr></thead><tbody>${resolved.rows.map(
    (entry) =>
      html`<tr><td class="id">${entry.itemId ?? '–'}</td><td>${entry.tenantId ?? '–'}</td><td>${entry.module ?? '–'}</td><td>${entry.dataCategory ?? '–'}</td><td class="id">${entry.resource ?? '–'}</td><td>${entry.previousVerdict}</td><td>${day(entry.firstSeenAt)}</td><td class="num">${entry.daysOpen === null ? '–' : formatCount(entry.daysOpen)}</td></tr>`,
  )}</tbody></table></div>${
    rest > 0 ? html`<p class="note">… and ${plural(rest, 'more resolved violation')}, not listed here (this page lists the first ${formatCount(resolved.rows.length)}); all are in the JSON and CSV reports.</p>` : ''
  }</details>`;
}

function changesBody(input: HtmlReportInput): SafeHtml {
  const { changes } = input.head;
  if (!changes) return html`<p class="muted">This run keeps no history, so it is not compared with earlier runs.</p>`;
  if (!changes.previousRunId) {
    return html`<p class="muted">This is the first complete run of its scope: every finding is new. The next run will be compared with this one.</p>`;
  }
  const figures = keyFigures([
    [formatCount(changes.newViolations), 'New violations', changes.newViolations > 0 ? 'alarm' : 'ok'],
    [formatCount(changes.new), 'Findings new or changed', ''],
    [formatCount(changes.persisting), 'Findings unchanged', ''],
    [formatCount(changes.resolved), 'Violations resolved', changes.resolved > 0 ? 'ok' : ''],
  ]);
  return html`<p>Compared with run <span class="id">${changes.previousRunId}</span> (snapshot captured ${utc(changes.previousCapturedAt)}). In the findings table, the status filter shows what is new.</p>${figures}${resolvedTable(input)}`;
}

/**
 * The "what changed" section.
 *
 * @example
 * changesSection(input).text // '<section id="changes" …><h2 …>What changed since the last audit</h2>…'
 */
export function changesSection(input: HtmlReportInput): SafeHtml {
  return html`<section id="changes" aria-labelledby="changes-h"><h2 id="changes-h">What changed since the last audit</h2>${changesBody(input)}</section>`;
}

/**
 * The trend of violations over the scope's recent runs: a chart when there are at
 * least two runs to join, with its figures in a table for those who cannot see it.
 *
 * @example
 * trendSection(input).text // '<section id="trend" …><h2 …>Trend</h2><figure class="chart line-chart">…'
 */
export function trendSection(input: HtmlReportInput): SafeHtml {
  // The trend comes from stored history: a damaged count draws as zero rather than breaking the chart.
  const count = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : 0);
  const trend = (Array.isArray(input.head.trend) ? input.head.trend : []).map((point) => ({
    ...point,
    openViolations: count(point.openViolations),
    newViolations: count(point.newViolations),
    resolvedViolations: count(point.resolvedViolations),
  }));
  let body: SafeHtml;
  if (trend.length < 2) {
    body = html`<p class="muted">${
      trend.length === 0
        ? 'No trend: this run has no earlier runs of its scope to compare with (or keeps no history).'
        : 'The trend appears once the scope has at least two runs; this is its first.'
    }</p>`;
  } else {
    const days = trend.map((point) => day(point.finishedAt));
    const sameDay = new Set(days).size < days.length;
    const chart = lineChart({
      id: 'trend-chart',
      title: `Violations over the last ${formatCount(trend.length)} runs`,
      description: `Open violations went from ${formatCount(trend[0]!.openViolations)} to ${formatCount(trend.at(-1)!.openViolations)} between ${day(trend[0]!.finishedAt)} and ${day(trend.at(-1)!.finishedAt)}.`,
      // Runs of the same day are told apart by their time.
      labels: trend.map((point) => (sameDay ? utc(point.finishedAt).slice(0, 16) : day(point.finishedAt))),
      pointNames: trend.map((point) => `${point.runId} (${utc(point.finishedAt)})`),
      series: [
        { name: 'open violations', color: TREND_COLORS.open, values: trend.map((point) => point.openViolations) },
        { name: 'new violations', color: TREND_COLORS.new, values: trend.map((point) => point.newViolations), dash: '6 4' },
        { name: 'resolved violations', color: TREND_COLORS.resolved, values: trend.map((point) => point.resolvedViolations), dash: '2 3' },
      ],
    });
    const table = html`<details><summary>The figures of each run</summary><div class="table-wrap"><table class="plain"><thead><tr><th scope="col">Run</th><th scope="col">Finished</th><th scope="col" class="num">Open</th><th scope="col" class="num">New</th><th scope="col" class="num">Resolved</th></tr></thead><tbody>${trend.map(
      (point) =>
        html`<tr><td class="id">${point.runId}</td><td>${utc(point.finishedAt)}</td><td class="num">${formatCount(point.openViolations)}</td><td class="num">${formatCount(point.newViolations)}</td><td class="num">${formatCount(point.resolvedViolations)}</td></tr>`,
    )}</tbody></table></div></details>`;
    body = html`${chart}${table}`;
  }
  return html`<section id="trend" aria-labelledby="trend-h"><h2 id="trend-h">Trend</h2>${body}</section>`;
}
