import Table from 'cli-table3';
import type { AuditResult } from '../lib/audit/runAudit';
import { VERDICTS } from '../lib/model';

/** The end-of-run table on stdout: counts per verdict, completeness, where the reports are. */
export function formatSummary(result: AuditResult): string {
  const { run, summary } = result.head;
  const table = new Table({ head: ['verdict', 'items'], style: { head: [], border: [] }, colAligns: ['left', 'right'] });
  for (const verdict of VERDICTS) table.push([verdict, String(summary.byVerdict[verdict])]);
  table.push(['total', String(summary.items)]);
  const lines = [
    `Audit ${run.id} of snapshot ${run.snapshotId ?? '(none)'} (${run.source}), catalog ${run.catalogVersion}`,
    table.toString(),
  ];
  const { changes, forecast, waivers } = result.head;
  if (changes) {
    lines.push(
      changes.previousRunId
        ? `Since run ${changes.previousRunId}: ${changes.newViolations} new violations; ${changes.new} findings new, ${changes.persisting} persisting, ${changes.resolved} resolved.`
        : 'First run of this scope: every finding is new.',
    );
  }
  if (forecast && forecast.items > 0) lines.push(`Forecast: ${forecast.items} more items pass their deadline by ${forecast.until.slice(0, 10)} if nothing is deleted.`);
  for (const waiver of waivers ?? []) {
    if (waiver.status === 'expired') lines.push(`Waiver ${waiver.id} expired on ${waiver.expiresAt.slice(0, 10)}: ${waiver.activeAgain} findings are active again.`);
    if (waiver.status === 'stale') lines.push(`Waiver ${waiver.id} matches nothing in this snapshot (stale).`);
  }
  if (summary.specialCategoryViolations > 0) {
    lines.push(`${summary.specialCategoryViolations} violations involve special-category data (health, biometric).`);
  }
  lines.push(summary.complete ? 'Complete: every item of the snapshot was read and evaluated.' : 'INCOMPLETE:');
  for (const reason of summary.incompleteReasons) lines.push(`  - ${reason}`);
  for (const warning of summary.warnings) lines.push(`Warning: ${warning}`);
  for (const [format, path] of Object.entries(result.reports)) lines.push(`${format.toUpperCase().padEnd(4)} ${path}`);
  return `${lines.join('\n')}\n`;
}
