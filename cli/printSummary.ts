import Table from 'cli-table3';
import { AUTO_SQL_ITEMS } from '../lib/audit/engineKind';
import type { AuditResult, RunEngine } from '../lib/audit/runAudit';
import { CHANNEL_TITLES, type ChannelOutcome } from '../lib/delivery/notifiers/Notifier';
import { describeScope } from '../lib/engine/waivers';
import { describeSerious } from '../lib/report/describeSerious';
import { VERDICTS } from '../lib/model';
import { printable as p } from '../lib/text/printable';
import { formatCount } from '../lib/units';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * The end-of-run table on stdout: counts per verdict, the most serious findings
 * (as the digest lists them), completeness, the waivers in force, where the reports are. Every text that came from outside (snapshot
 * id, waiver fields, reasons, paths) goes through `printable`, so no control
 * sequence reaches the terminal and no value can start a line of its own.
 */
export function formatSummary(result: AuditResult): string {
  const { run, summary } = result.head;
  const table = new Table({ head: ['verdict', 'items'], style: { head: [], border: [] }, colAligns: ['left', 'right'] });
  for (const verdict of VERDICTS) table.push([verdict, String(summary.byVerdict[verdict])]);
  table.push(['total', String(summary.items)]);
  const lines = [
    `Audit ${p(run.id)} of snapshot ${p(run.snapshotId ?? '(none)')} (${p(run.source)}), catalog ${p(run.catalogVersion)}`,
    table.toString(),
  ];
  const { changes, forecast, waivers } = result.head;
  if (changes) {
    lines.push(
      changes.previousRunId
        ? `Since run ${p(changes.previousRunId)}: ${changes.newViolations} new violations; ${changes.new} findings new, ${changes.persisting} persisting, ${changes.resolved} resolved.`
        : 'First run of this scope: every finding is new.',
    );
  }
  if (result.mostSerious.length > 0) {
    const open = summary.byVerdict.violation + summary.byVerdict['due-soon'];
    lines.push(`Most serious findings (${result.mostSerious.length} of ${open} violations and deadlines due soon):`);
    for (const [index, entry] of result.mostSerious.entries()) {
      const words = describeSerious(entry);
      const clause = words.clause === null ? '' : `: "${p(words.clause)}"`;
      lines.push(`  ${index + 1}. ${words.severity} ${p(words.what)}: tenant ${p(words.tenant)}, ${p(words.where)}, ${words.when}${clause}`);
    }
  }
  if (forecast && forecast.items > 0) lines.push(`Forecast: ${forecast.items} more items pass their deadline by ${forecast.until.slice(0, 10)} if nothing is deleted.`);
  const active = (waivers ?? []).filter((waiver) => waiver.status === 'active');
  if (active.length > 0) {
    // A waiver hides findings from --fail-on and from the counts above: who allowed what, until when, is always shown.
    lines.push(`Waivers in force (${active.length}):`);
    for (const waiver of active) {
      lines.push(
        `  ${p(waiver.id)}: ${p(describeScope(waiver.scope ?? {}))}; approved by ${p(waiver.approver)}; expires ${p(waiver.expiresAt.slice(0, 10))}; waived ${plural(waiver.covered, 'finding')}.`,
      );
    }
  }
  for (const waiver of waivers ?? []) {
    if (waiver.status === 'expired') lines.push(`Waiver ${p(waiver.id)} expired on ${p(waiver.expiresAt.slice(0, 10))}: ${waiver.activeAgain} findings are active again.`);
    if (waiver.status === 'stale') lines.push(`Waiver ${p(waiver.id)} matches nothing in this snapshot (stale).`);
  }
  if (summary.specialCategoryViolations > 0) {
    lines.push(`${summary.specialCategoryViolations} violations involve special-category data (health, biometric).`);
  }
  lines.push(summary.complete ? 'Complete: every item of the snapshot was read and evaluated.' : 'INCOMPLETE:');
  for (const reason of summary.incompleteReasons) lines.push(`  - ${p(reason)}`);
  for (const warning of summary.warnings) lines.push(`Warning: ${p(warning)}`);
  lines.push(describeEngine(result.engine));
  for (const [format, path] of Object.entries(result.reports)) lines.push(`${format.toUpperCase().padEnd(4)} ${p(path)}`);
  return `${lines.join('\n')}\n`;
}

/**
 * Which engine evaluated, and why when `--engine auto` chose it.
 *
 * @example
 * describeEngine({ kind: 'reference', auto: true, estimate: { items: 45 } }) // 'Engine: reference (--engine auto: 45 items expected, sql from 20,000).'
 */
export function describeEngine(engine: RunEngine): string {
  const where = engine.maps ? ' in the maps' : '';
  if (!engine.auto) return `Engine: ${engine.kind}${where}.`;
  if (engine.maps) return `Engine: ${engine.kind}${where} (--engine auto: the maps' engine).`;
  const { estimate } = engine;
  const expected = estimate === null ? 'the number of items is not known' : `${estimate.atLeast ? 'at least ' : ''}${formatCount(estimate.items)} items expected`;
  return `Engine: ${engine.kind} (--engine auto: ${expected}, sql from ${formatCount(AUTO_SQL_ITEMS)}).`;
}

/**
 * One line per message a channel sent, or could not send, after the summary:
 * what, to whom (the channel's own words, never a secret) and the message id,
 * or why not. Every text from outside goes through `printable`.
 *
 * @example
 * formatNotifications([{ channel: 'email', to: 'dpo@example.com', messageId: '<1@x>' }]) // 'E-mail sent to dpo@example.com (<1@x>).\n'
 */
export function formatNotifications(outcomes: readonly ChannelOutcome[]): string {
  return outcomes
    .map(({ channel, to, messageId, findings, error, note }) => {
      if (error === undefined && note !== undefined) return `${CHANNEL_TITLES[channel]}: ${p(note)}\n`;
      const what = `${CHANNEL_TITLES[channel]}${error === undefined ? '' : ' NOT'} sent to ${p(to)}`;
      if (error !== undefined) return `${what}: ${p(error)}\n`;
      const details = [messageId === undefined ? '' : p(messageId), findings === undefined ? '' : plural(findings, 'finding')].filter(Boolean);
      return `${what}${details.length > 0 ? ` (${details.join(', ')})` : ''}.\n`;
    })
    .join('');
}
