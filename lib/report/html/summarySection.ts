/**
 * The top of the HTML report: what a DPO must see first. Whether the run is
 * complete (and if not, why, in the words the run recorded), the key figures, the
 * findings by verdict and severity, the modules with the most violations, and the
 * identifiers that tie this page to its run and to the JSON report.
 */
import { SEVERITIES, VERDICTS } from '../../model';
import { printable } from '../../text/printable';
import { formatBytes, formatCount } from '../../units';
import { barChart, type BarRow } from './charts';
import type { HtmlReportInput } from './HtmlReportInput';
import { SEVERITY_COLORS, VERDICT_COLORS } from './palette';
import { keyFigures } from './keyFigures';
import { html, type SafeHtml } from './safeHtml';
import { plural, shortCount, utc } from './words';

/** Modules in the chart of the most violations. */
const TOP_MODULES = 10;

/**
 * The page's title band: what the page is, and the run, snapshot and catalog it is about.
 *
 * @example
 * masthead(input).text // '<header class="masthead"><div class="wrap"><h1>Data retention audit</h1>…'
 */
export function masthead({ head }: HtmlReportInput): SafeHtml {
  const { run } = head;
  return html`<header class="masthead"><div class="wrap"><h1>Data retention audit</h1><p class="lede">Stored personal data checked against the DATA RETENTION clauses of the privacy-policy modules.</p><p class="byline">Run <span class="id">${run.id}</span> · snapshot <span class="id">${run.snapshotId ?? '(none)'}</span> captured ${utc(run.snapshotCapturedAt)} · rule catalog <span class="id">${run.catalogVersion}</span></p></div></header>`;
}

function statusBanners({ head }: HtmlReportInput): SafeHtml {
  const { summary, stale } = head;
  const completeness = summary.complete
    ? html`<div class="banner ok"><strong>Complete.</strong> Every item of the snapshot was read and evaluated.</div>`
    : html`<div class="banner alarm" role="alert"><strong>INCOMPLETE.</strong> Part of the snapshot could not be read or evaluated: this report does not prove the state of all stored data.${
        summary.incompleteReasons.length > 0 ? html`<ul>${summary.incompleteReasons.map((reason) => html`<li>${reason}</li>`)}</ul>` : ''
      }</div>`;
  const staleBanner = stale?.stale
    ? html`<div class="banner warn"><strong>Stale inventory.</strong> ${
        stale.capturedAt ? `The snapshot was captured ${stale.ageHours} hours before this audit (limit ${stale.thresholdHours} hours)` : 'The snapshot has no capture time'
      }: it cannot prove today's state.</div>`
    : '';
  // The stale warning is already the banner above: list the others.
  const warnings = summary.warnings.filter((warning) => !(stale?.stale && /cannot prove today's state/.test(warning)));
  const warningList =
    warnings.length > 0 ? html`<div class="banner note"><strong>Warnings</strong><ul>${warnings.map((warning) => html`<li>${warning}</li>`)}</ul></div>` : '';
  return html`${completeness}${staleBanner}${warningList}`;
}

function summaryFigures({ head }: HtmlReportInput): SafeHtml {
  const { summary } = head;
  const violations = summary.byVerdict.violation;
  return keyFigures([
    [formatCount(violations), 'Violations', violations > 0 ? 'alarm' : 'ok'],
    [formatCount(summary.specialCategoryViolations), 'of them special-category data (health, biometric)', summary.specialCategoryViolations > 0 ? 'alarm' : ''],
    [formatCount(summary.byVerdict['due-soon']), 'Due soon', summary.byVerdict['due-soon'] > 0 ? 'warn' : ''],
    [shortCount(summary.recordsPastDeadline), 'Records held past their deadline', '', formatCount(summary.recordsPastDeadline)],
    [formatBytes(summary.bytesPastDeadline), 'Stored past the deadline', '', `${formatCount(summary.bytesPastDeadline)} bytes`],
    [formatCount(summary.items), 'Items audited', ''],
  ]);
}

function verdictChart({ head }: HtmlReportInput): SafeHtml {
  const rows: BarRow[] = VERDICTS.map((verdict) => ({
    label: verdict,
    segments: [{ name: verdict, value: head.summary.byVerdict[verdict], color: VERDICT_COLORS[verdict] }],
    filter: { verdict },
  }));
  return barChart({ title: 'Findings by verdict', rows, empty: 'No findings.' });
}

function severityChart({ head }: HtmlReportInput): SafeHtml {
  const rows: BarRow[] = SEVERITIES.map((severity) => ({
    label: severity,
    segments: [{ name: severity, value: head.summary.bySeverity[severity], color: SEVERITY_COLORS[severity] }],
    filter: { severity },
  }));
  return barChart({ title: 'Findings by severity', rows, empty: 'No findings.' });
}

function modulesChart({ head, catalog, violations }: HtmlReportInput): SafeHtml {
  const withViolations = Object.entries(head.summary.byModule)
    .filter(([, tally]) => tally.violations > 0)
    .sort((a, b) => b[1].violations - a[1].violations || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const rows: BarRow[] = withViolations.slice(0, TOP_MODULES).map(([module, tally]) => {
    const bySeverity = violations.of(module);
    const segments = bySeverity
      ? SEVERITIES.map((severity) => ({ name: severity, value: bySeverity[severity], color: SEVERITY_COLORS[severity] }))
      : [{ name: 'violations', value: tally.violations, color: VERDICT_COLORS.violation }];
    const name = catalog.modules.get(module)?.name;
    // The table's cells hold printable text: the filter must name the module the same way.
    return { label: module, hint: name && name !== module ? name : undefined, segments, filter: { module: printable(module), verdict: 'violation' } };
  });
  const rest = withViolations.length - rows.length;
  return barChart({
    title: 'Modules with the most violations',
    rows,
    empty: 'No module has a violation.',
    legend: SEVERITIES.filter((severity) => severity !== 'info').map((severity) => ({ name: severity, color: SEVERITY_COLORS[severity] })),
    note: rest > 0 ? `… and ${plural(rest, 'more module')} with violations: filter the findings table by module.` : undefined,
  });
}

function runFacts({ head, jsonSha256 }: HtmlReportInput): SafeHtml {
  const { run, summary } = head;
  const facts: [string, string | SafeHtml][] = [
    ['Run', html`<span class="id">${run.id}</span>`],
    ['Trigger', run.trigger],
    ...(run.scope ? ([['History scope', html`<span class="id">${run.scope}</span>`]] as [string, SafeHtml][]) : []),
    ['Snapshot', html`<span class="id">${run.snapshotId ?? '(none)'}</span>`],
    ['Snapshot captured', utc(run.snapshotCapturedAt)],
    ['Audit started', utc(run.startedAt)],
    ['Audit finished', utc(run.finishedAt)],
    ['Rule catalog version', html`<span class="id">${run.catalogVersion}</span>`],
    ['Inventory source', html`<span class="id">${run.source}</span>`],
    ['Items audited', formatCount(summary.items)],
    ['Grace period where no period is named', `${run.graceDays} days`],
    ...(run.snapshotSha256 ? ([['Snapshot digest (SHA-256)', html`<code class="hash">${run.snapshotSha256}</code>`]] as [string, SafeHtml][]) : []),
    ['JSON report (SHA-256)', jsonSha256 ? html`<code class="hash">${jsonSha256}</code>` : 'No JSON report was written in this run.'],
  ];
  return html`<div class="card"><h3>About this run</h3><dl class="facts">${facts.map(([label, value]) => html`<div><dt>${label}</dt><dd>${value}</dd></div>`)}</dl><p class="muted small">Ages are measured at the snapshot's capture time, in UTC. The JSON report of this run holds every finding; its SHA-256 above ties this page to it.</p></div>`;
}

/**
 * The summary section.
 *
 * @example
 * summarySection(input).text // '<section id="summary" …><h2 …>Summary</h2><div class="banner ok">…'
 */
export function summarySection(input: HtmlReportInput): SafeHtml {
  return html`<section id="summary" aria-labelledby="summary-h"><h2 id="summary-h">Summary</h2>${statusBanners(input)}${summaryFigures(input)}<div class="charts">${verdictChart(input)}${severityChart(input)}${modulesChart(input)}</div>${runFacts(input)}</section>`;
}
