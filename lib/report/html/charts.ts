/**
 * The HTML report's charts, drawn as inline SVG so the file needs nothing from the
 * network. Bar charts are tables (a real row per bar, so screen readers and narrow
 * screens read the labels as text) whose bars are small SVGs; the trend is one SVG
 * line chart with its figures in a table beside it.
 */
import { formatCount } from '../../units';
import { html, type SafeHtml } from './safeHtml';

export interface BarSegment {
  name: string;
  value: number;
  color: string;
}

export interface BarRow {
  label: string;
  /** A plain-text hint under the label (e.g. the module's name). */
  hint?: string;
  segments: BarSegment[];
  /** What the findings table shows when the label is chosen: column id → value. */
  filter?: Readonly<Record<string, string>>;
}

export interface BarChartOptions {
  title: string;
  rows: BarRow[];
  /** Shown instead of the bars when every row is zero or there are no rows. */
  empty: string;
  /** A legend for stacked bars. */
  legend?: { name: string; color: string }[];
  /** A line under the chart (e.g. how many rows were left out). */
  note?: string;
}

const total = (row: BarRow) => row.segments.reduce((sum, segment) => sum + segment.value, 0);

/** One bar: its segments side by side, scaled so that `max` fills the cell. */
function bar(row: BarRow, max: number): SafeHtml {
  let x = 0;
  const rects = row.segments
    .filter((segment) => segment.value > 0)
    .map((segment) => {
      const width = (segment.value / max) * 100;
      const rect = html`<rect x="${x.toFixed(3)}" y="0" width="${width.toFixed(3)}" height="10" fill="${segment.color}"><title>${segment.name}: ${formatCount(segment.value)}</title></rect>`;
      x += width;
      return rect;
    });
  return html`<svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true" focusable="false"><rect class="track" x="0" y="0" width="100" height="10"/>${rects}</svg>`;
}

function filterAttributes(filter: BarRow['filter']): SafeHtml {
  if (!filter) return html``;
  return html` data-filter="${JSON.stringify(filter)}"`;
}

/**
 * A horizontal bar chart as a table: label, bar, count. A label with a `filter`
 * is a button the page's script enables: it filters the findings table.
 *
 * @example
 * barChart({ title: 'Findings by verdict', empty: 'No findings.', rows: [{ label: 'violation', segments: [{ name: 'violation', value: 3, color: '#b91c1c' }] }] })
 */
export function barChart(options: BarChartOptions): SafeHtml {
  const max = Math.max(0, ...options.rows.map(total));
  const legend = options.legend
    ? html`<ul class="legend">${options.legend.map((entry) => html`<li><svg viewBox="0 0 10 10" aria-hidden="true" focusable="false"><rect width="10" height="10" fill="${entry.color}"/></svg>${entry.name}</li>`)}</ul>`
    : '';
  const body =
    max === 0
      ? html`<p class="muted">${options.empty}</p>`
      : html`<table class="bars"><thead class="visually-hidden"><tr><th scope="col">${options.title}</th><th scope="col">Bar</th><th scope="col">Count</th></tr></thead><tbody>${options.rows.map(
          (row) =>
            html`<tr><th scope="row">${
              row.filter
                ? html`<button type="button" class="filter-link" disabled${filterAttributes(row.filter)} title="Show these findings in the table">${row.label}</button>`
                : html`<span>${row.label}</span>`
            }${row.hint ? html`<span class="hint">${row.hint}</span>` : ''}</th><td class="bar-cell">${bar(row, max)}</td><td class="num">${formatCount(total(row))}</td></tr>`,
        )}</tbody></table>`;
  return html`<figure class="chart"><figcaption>${options.title}</figcaption>${legend}${body}${options.note ? html`<p class="note">${options.note}</p>` : ''}</figure>`;
}

export interface LineSeries {
  name: string;
  color: string;
  values: number[];
  /** A dash pattern, so series differ by more than colour. */
  dash?: string;
}

export interface LineChartOptions {
  id: string;
  title: string;
  description: string;
  /** One label per point, e.g. the run's date. */
  labels: string[];
  /** A longer name per point for its tooltip, e.g. the run id. */
  pointNames: string[];
  series: LineSeries[];
}

/**
 * The smallest round number (a round step, such as 1, 1.5, 2, 2.5 or 5 times a power
 * of ten, times the tick count) at or above `max`, so the axis reads in round steps
 * and the plot fills most of its height.
 *
 * @example
 * niceCeiling(37, 4) // 40
 * niceCeiling(401, 4) // 600
 * niceCeiling(0, 4) // 4
 */
export function niceCeiling(max: number, ticks: number): number {
  if (max <= 0) return ticks;
  const raw = max / ticks;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10].map((m) => m * power).find((candidate) => candidate >= raw) ?? 10 * power;
  return Math.max(ticks, Math.ceil(step) * ticks);
}

/** The plot's size in SVG units; the page scales it to its width. */
export interface PlotSize {
  width: number;
  height: number;
  /** At most this many labels along the x axis. */
  xLabels: number;
  className: string;
}

/** Two drawings of the same chart: wide screens get the first, phones the second (report.css picks), so text stays legible on both. */
export const PLOT_SIZES: readonly PlotSize[] = [
  { width: 960, height: 300, xLabels: 8, className: 'plot-wide' },
  { width: 440, height: 280, xLabels: 3, className: 'plot-compact' },
];

/** Room around the plot: for the y labels on the left, and half a date label on either side. */
const PAD = { left: 64, right: 44, top: 16, bottom: 44 } as const;
const TICKS = 4;

/**
 * Which points get an x label: evenly spaced, the last always, and none so close
 * before the last that the two would overlap.
 *
 * @example
 * labelledPoints(14, 8) // [0, 2, 4, 6, 8, 10, 13]
 */
export function labelledPoints(count: number, maxLabels: number): number[] {
  if (count === 0) return [];
  const every = Math.max(1, Math.ceil(count / Math.max(1, maxLabels)));
  const last = count - 1;
  const points: number[] = [];
  for (let i = 0; i < last; i += every) if (last - i >= every) points.push(i);
  points.push(last);
  return points;
}

function plot(options: LineChartOptions, size: PlotSize): SafeHtml {
  const { width: W, height: H } = size;
  const count = options.labels.length;
  const top = niceCeiling(Math.max(0, ...options.series.flatMap((series) => series.values)), TICKS);
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const x = (i: number) => PAD.left + (count <= 1 ? plotW / 2 : (i / (count - 1)) * plotW);
  const y = (value: number) => PAD.top + plotH - (value / top) * plotH;
  const grid = Array.from({ length: TICKS + 1 }, (_, i) => {
    const value = (top / TICKS) * i;
    return html`<line class="grid" x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(value).toFixed(1)}" y2="${y(value).toFixed(1)}"/><text class="tick" x="${PAD.left - 8}" y="${(y(value) + 4).toFixed(1)}" text-anchor="end">${formatCount(value)}</text>`;
  });
  const xLabels = labelledPoints(count, size.xLabels).map(
    (i) =>
      html`<text class="tick" x="${x(i).toFixed(1)}" y="${H - PAD.bottom + 20}" text-anchor="middle">${options.labels[i] ?? ''}</text>`,
  );
  const lines = options.series.map((series) => {
    const points = series.values.map((value, i) => `${x(i).toFixed(1)},${y(value).toFixed(1)}`).join(' ');
    const dots = series.values.map(
      (value, i) =>
        html`<circle cx="${x(i).toFixed(1)}" cy="${y(value).toFixed(1)}" r="3.5" fill="${series.color}"><title>${options.pointNames[i] ?? ''}: ${series.name} ${formatCount(value)}</title></circle>`,
    );
    return html`<polyline fill="none" stroke="${series.color}" stroke-width="2.5"${series.dash ? html` stroke-dasharray="${series.dash}"` : ''} points="${points}"/>${dots}`;
  });
  // Both drawings carry the same title and description; only the one shown is read out (the other is display: none).
  const id = `${options.id}-${size.className}`;
  return html`<svg class="plot ${size.className}" viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="${options.id}-title ${id}-desc"><desc id="${id}-desc">${options.description}</desc><line class="axis" x1="${PAD.left}" x2="${W - PAD.right}" y1="${PAD.top + plotH}" y2="${PAD.top + plotH}"/>${grid}${xLabels}${lines}</svg>`;
}

/**
 * A line chart of a few series over the same points, with a legend that names each
 * series (colour and dash) and, for screen readers, a title and a description.
 *
 * @example
 * lineChart({ id: 'trend', title: 'Violations per run', description: '…', labels: ['11-01', '11-02'], pointNames: ['a', 'b'], series: [{ name: 'open', color: '#b91c1c', values: [3, 5] }] })
 */
export function lineChart(options: LineChartOptions): SafeHtml {
  const legend = html`<ul class="legend">${options.series.map(
    (series) =>
      html`<li><svg viewBox="0 0 24 10" class="legend-line" aria-hidden="true" focusable="false"><line x1="0" x2="24" y1="5" y2="5" stroke="${series.color}" stroke-width="3"${series.dash ? html` stroke-dasharray="${series.dash}"` : ''}/></svg>${series.name}</li>`,
  )}</ul>`;
  return html`<figure class="chart line-chart"><figcaption id="${options.id}-title">${options.title}</figcaption>${legend}${PLOT_SIZES.map((size) => plot(options, size))}</figure>`;
}
