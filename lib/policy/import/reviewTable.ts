import Table from 'cli-table3';
import type { ReviewRow } from './draftRuleFile';

/**
 * The review table printed after an import: one row per drafted rule, with the
 * confidence and what a person must check before the rule file is trusted.
 *
 * @example
 * formatReviewTable(rows) // '┌──────────┬─…'
 */
export function formatReviewTable(rows: readonly ReviewRow[]): string {
  const table = new Table({
    head: ['category', 'sensitivity (guessed)', 'rule drafted', 'confidence', 'what to check'],
    colWidths: [26, 22, 34, 12, 52],
    wordWrap: true,
    style: { head: [], border: [] },
  });
  for (const row of rows) table.push([row.category, row.sensitivity, row.rule, row.confidence, row.check || '—']);
  return table.toString();
}
