/**
 * A repeated itemId breaks docs/semantics.md#inventory-item: of the findings
 * that share an itemId, the first in the report's order stands and every later
 * one becomes invalid. Only the phase that sees the findings in itemId order
 * can tell, so this happens as the reports are written (lib/audit/phases/ReportSet.ts),
 * after the map phase counted the finding as it was: the summary is corrected here.
 */
import type { Finding } from '../../model';
import { tally, type Summary } from '../../report/ReportModel';

/**
 * The finding a repeated itemId's later item gets instead of its own: invalid,
 * medium, no rule, its facts (and fingerprint, status) kept, no waiver.
 *
 * @example
 * duplicateOf(finding).reason // 'Field itemId repeats im-7, which another item of this snapshot already uses.'
 */
export function duplicateOf(finding: Finding): Finding {
  const { underlyingVerdict: _verdict, waiverId: _waiver, ...facts } = finding;
  return {
    ...facts,
    verdict: 'invalid',
    severity: 'medium',
    ruleId: null,
    deadline: null,
    overdueDays: null,
    clause: null,
    reason: `Field itemId repeats ${finding.itemId}, which another item of this snapshot already uses.`,
  };
}

/**
 * Marks a finding as a repeat: the summary takes the original out and counts
 * the invalid finding in its place (mutates `summary`). Returns the new finding.
 *
 * @example
 * const replacement = markRepeated(summary, original); // summary.byVerdict.invalid + 1
 */
export function markRepeated(summary: Summary, original: Finding): Finding {
  const duplicate = duplicateOf(original);
  tally(summary, original, -1);
  tally(summary, duplicate);
  return duplicate;
}
