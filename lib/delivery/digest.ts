import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Mustache from 'mustache';
import { describeScope } from '../engine/waivers';
import { VERDICTS } from '../model';
import type { ReportHead, SeriousFinding } from '../report/ReportModel';
import { describeSerious } from '../report/describeSerious';
import { trendLabels, type TrendPoint } from '../report/trend';
import { printable, printableDeep } from '../text/printable';
import { formatBytes, formatCount } from '../units';
import { assetPath } from '../assets';

/** One stored report as the mail describes it. */
export interface MailedReport {
  format: string;
  key: string;
  sha256: string;
  bytes: number;
}

/**
 * How the mail delivers the reports: attached where the size allows; the rest
 * named with their object key and SHA-256, and the command that fetches them
 * with the reader's own credentials. Never a link that expires before it is read.
 */
export interface DigestDelivery {
  attached: MailedReport[];
  notAttached: MailedReport[];
  /** Where every report of the run can be had, e.g. "downloaded with your own AWS credentials…". */
  retrieval: string;
  /** The command that gets them, e.g. `npm start -- fetch audit-… --runs-table … --bucket … --region …`. */
  command?: string;
}

/**
 * Splits a run's reports into those the mail attaches (in their formats'
 * `attachRank` order, lib/report/formats — the PDF, the HTML page, the CSV, the
 * JSON, the Parquet — while the total stays within `limitBytes`) and the rest
 * (always those of a format never attached, rank null, such as OCSF).
 *
 * @example
 * splitAttachments([{ format: 'pdf', bytes: 900, attachRank: 0, … }], 1000) // { attached: [pdf], notAttached: [] }
 */
export function splitAttachments<R extends { bytes: number; attachRank: number | null }>(reports: readonly R[], limitBytes: number): { attached: R[]; notAttached: R[] } {
  const rank = (report: R) => report.attachRank ?? Number.POSITIVE_INFINITY;
  const sorted = [...reports].sort((a, b) => rank(a) - rank(b));
  const attached: R[] = [];
  const notAttached: R[] = [];
  let budget = limitBytes;
  for (const report of sorted) {
    if (report.attachRank !== null && report.bytes <= budget) {
      attached.push(report);
      budget -= report.bytes;
    } else notAttached.push(report);
  }
  return { attached, notAttached };
}

export interface ComposedMail {
  subject: string;
  text: string;
  html: string;
}

const templates = new Map<string, string>();
/**
 * A mail template of templates/email, read once per process.
 *
 * @example
 * template('digest.txt.mustache') // '{{subject}}\n…'
 */
export function template(name: string): string {
  let text = templates.get(name);
  if (text === undefined) {
    text = readFileSync(join(assetPath('templates/email'), name), 'utf8');
    templates.set(name, text);
  }
  return text;
}

/** The longest snapshot id a subject quotes whole; a longer one is cut with an ellipsis. */
export const SUBJECT_ID_CHARS = 80;
export const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/**
 * What every mail of a run says about the run itself (the templates' run block).
 *
 * @example
 * runView(result.head) // { runId: 'audit-…', trigger: 'schedule', snapshotId: 'snap-1', …, incomplete: false }
 */
export function runView({ run, summary }: ReportHead) {
  return {
    runId: run.id,
    trigger: run.trigger,
    snapshotId: run.snapshotId ?? '(none)',
    capturedAt: run.snapshotCapturedAt ?? 'unknown',
    finishedAt: run.finishedAt,
    catalogVersion: run.catalogVersion,
    incomplete: !summary.complete,
  };
}

/**
 * The subject leads with what matters: failure or incompleteness first, then
 * the violations (and how many are special-category data), or "All clear".
 * The snapshot id comes from the inventory: a CR or LF in it would start a
 * header of its own, so it is made printable (and cut when long).
 *
 * @example
 * digestSubject(head) // '[Retention audit] 17 violations (4 special-category), 6 due soon — snapshot snap-2026-11-20'
 */
export function digestSubject(head: ReportHead): string {
  const { summary, run, changes, stale } = head;
  const flags = [summary.complete ? '' : 'INCOMPLETE — ', stale?.stale ? 'STALE INVENTORY — ' : ''].join('');
  const prefix = `[Retention audit] ${flags}`;
  const snapshot = `snapshot ${clip(printable(run.snapshotId ?? '(none)'), SUBJECT_ID_CHARS)}`;
  // What is new leads, when there is an earlier run to compare with.
  const news = changes?.previousRunId ? `${plural(changes.newViolations, 'new violation')}, ${formatCount(changes.resolved)} resolved — ` : '';
  const violations = summary.byVerdict.violation;
  if (violations === 0) {
    return `${prefix}${news}All clear: no violations in ${formatCount(summary.items)} items, ${formatCount(summary.byVerdict['due-soon'])} due soon — ${snapshot}`;
  }
  const open = news ? `${formatCount(violations)} open` : plural(violations, 'violation');
  return `${prefix}${news}${open} (${formatCount(summary.specialCategoryViolations)} special-category), ${formatCount(summary.byVerdict['due-soon'])} due soon — ${snapshot}`;
}

const plural = (n: number, word: string) => `${formatCount(n)} ${word}${n === 1 ? '' : 's'}`;

/**
 * The one digest mail of a run (never one per finding), from the templates in
 * templates/email. Mustache escapes what it puts into the HTML; every text of
 * the view goes through `printableDeep` first, so no control character from an
 * inventory, a waivers file or a path reaches the mail raw. `mostSerious` (the
 * run's AuditResult.mostSerious) is listed with the clause each breaks, so that
 * the DPO can act from the mail alone. The head's trend (open, new and resolved
 * violations over the scope's last runs) is a few lines in the text and a bar
 * chart of table cells in the HTML: mail clients drop scripts, most block SVG
 * and remote images, and Outlook's Word engine ignores CSS layout, but every
 * client draws a table cell's width, height and background colour.
 *
 * @example
 * composeDigest(result.head, delivery, result.mostSerious) // { subject: '[Retention audit] …', text, html }
 */
export function composeDigest(head: ReportHead, delivery: DigestDelivery, mostSerious: readonly SeriousFinding[] = []): ComposedMail {
  const { summary } = head;
  const subject = digestSubject(head);
  const view = printableDeep({
    subject,
    ...runView(head),
    incompleteReasons: summary.incompleteReasons,
    allClear: summary.byVerdict.violation === 0,
    violations: formatCount(summary.byVerdict.violation),
    specialViolations: formatCount(summary.specialCategoryViolations),
    dueSoon: formatCount(summary.byVerdict['due-soon']),
    recordsPastDeadline: formatCount(summary.recordsPastDeadline),
    bytesPastDeadline: formatBytes(summary.bytesPastDeadline),
    counts: VERDICTS.map((verdict) => ({ verdict, count: formatCount(summary.byVerdict[verdict]) })),
    changes: head.changes?.previousRunId
      ? { ...head.changes, newViolations: formatCount(head.changes.newViolations), resolved: formatCount(head.changes.resolved) }
      : null,
    stale: head.stale?.stale ? head.stale : null,
    expiredWaivers: (head.waivers ?? []).filter((w) => w.status === 'expired').map((w) => ({ ...w, expiresOn: w.expiresAt.slice(0, 10) })),
    staleWaivers: (head.waivers ?? []).filter((w) => w.status === 'stale'),
    // Waived findings leave the violation count: the DPO sees who waived what, until when.
    activeWaivers: (head.waivers ?? [])
      .filter((w) => w.status === 'active')
      .map((w) => ({ id: w.id, scope: describeScope(w.scope ?? {}), approver: w.approver, expiresOn: w.expiresAt.slice(0, 10), covered: plural(w.covered, 'finding') })),
    forecast: head.forecast && head.forecast.items > 0 ? { ...head.forecast, untilDay: head.forecast.until.slice(0, 10), items: formatCount(head.forecast.items) } : null,
    topModules: Object.entries(summary.byModule)
      .filter(([, tally]) => tally.violations > 0)
      .sort((a, b) => b[1].violations - a[1].violations || a[0].localeCompare(b[0]))
      .slice(0, 5)
      .map(([module, tally]) => ({ module, violations: formatCount(tally.violations) })),
    trend: trendView(head.trend),
    mostSerious: mostSerious.map((entry, index) => ({ rank: index + 1, ...describeSerious(entry) })),
    // "the 10 most serious of 24 findings that call for action" when there are more than the list shows.
    mostSeriousOf: formatCount(summary.byVerdict.violation + summary.byVerdict['due-soon']),
    attached: delivery.attached.map((report) => ({ ...report, format: report.format.toUpperCase(), size: formatBytes(report.bytes) })),
    notAttached: delivery.notAttached.map((report) => ({ ...report, format: report.format.toUpperCase(), size: formatBytes(report.bytes) })),
    anyNotAttached: delivery.notAttached.length > 0,
    retrieval: delivery.retrieval,
    command: delivery.command,
  });
  return { subject, text: Mustache.render(template('digest.txt.mustache'), view, {}, { escape: (s: string) => s }), html: Mustache.render(template('digest.html.mustache'), view) };
}

/** The widest bar of the digest's trend chart, in pixels. */
const TREND_BAR_PX = 200;

/**
 * The trend as the digest draws it: one row per run, oldest first, each with a
 * bar as wide as its open violations (the most open, TREND_BAR_PX). Null when
 * there is no earlier run to show beside this one.
 */
function trendView(trend: readonly TrendPoint[] | undefined) {
  if (!trend || trend.length < 2) return null;
  const labels = trendLabels(trend);
  const most = Math.max(...trend.map((point) => point.openViolations));
  const points = trend.map((point, index) => {
    // A run with any open violation keeps a visible sliver; a run with none has no bar.
    const barPx = most === 0 || point.openViolations === 0 ? 0 : Math.max(2, Math.round((point.openViolations / most) * TREND_BAR_PX));
    return {
      label: labels[index]!,
      open: formatCount(point.openViolations),
      newViolations: formatCount(point.newViolations),
      resolved: formatCount(point.resolvedViolations),
      barPx,
      hasBar: barPx > 0,
      isThisRun: index === trend.length - 1,
    };
  });
  return { runs: trend.length, points };
}

/** The mail of a run that failed. */
export function composeFailure(run: { runId: string; trigger: string; requestedBy: string; startedAt?: string }, error: string): ComposedMail {
  const subject = `[Retention audit] FAILED — run ${printable(run.runId)}`;
  const view = printableDeep({ ...run, startedAt: run.startedAt ?? 'unknown', error, subject });
  return {
    subject,
    text: Mustache.render(template('failure.txt.mustache'), view, {}, { escape: (s: string) => s }),
    html: Mustache.render(template('failure.html.mustache'), view),
  };
}
