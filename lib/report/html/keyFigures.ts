/**
 * The row of key figures at the head of a section (violations, due soon…): one
 * tile per figure, the number large, its meaning under it. A long number gets a
 * smaller face so that it stays on one line in its tile.
 */
import { html, type SafeHtml } from './safeHtml';

/** A figure as shown, what it counts, its tone ('alarm', 'warn', 'ok' or '' for neutral), and the exact figure when the shown one is rounded. */
export type KeyFigure = readonly [value: string, label: string, tone: 'alarm' | 'warn' | 'ok' | '', exact?: string];

/**
 * @example
 * keyFigures([['17', 'Violations', 'alarm']]).text // '<ul class="kpis"><li class="kpi alarm"><span class="value">17</span>…'
 */
export function keyFigures(figures: readonly KeyFigure[]): SafeHtml {
  return html`<ul class="kpis">${figures.map(([value, label, tone, exact]) => {
    const size = value.length > 13 ? ' longer' : value.length > 10 ? ' long' : '';
    const precisely = exact && exact !== value ? html`<span class="exact">${exact}</span>` : '';
    return html`<li class="kpi ${tone}"><span class="value${size}">${value}</span><span class="label">${label}</span>${precisely}</li>`;
  })}</ul>`;
}
