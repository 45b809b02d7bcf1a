/**
 * A repeated itemId breaks docs/semantics.md#inventory-item: of the findings
 * that share an itemId, the first in the report's order stands and every later
 * one becomes invalid. Only the phase that sees the findings in itemId order
 * can tell, so this happens as the reports are written (lib/audit/phases/ReportSet.ts),
 * after the map phase counted the finding as it was: the summary is corrected here.
 */
import type { Finding } from '../../model';
import { addExactCount, exactCount } from '../../engine/exactCount';
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

/**
 * What marking repeats changed in a summary, as plain JSON: a part of an assembled run
 * marks its repeats against an empty summary (lib/partitioned/assemblePart.ts), and
 * the reduce adds every part's delta to the run's. Sums past deadline are exact (decimal strings).
 */
export interface SummaryDelta {
  items: number;
  byVerdict: Summary['byVerdict'];
  bySeverity: Summary['bySeverity'];
  specialCategoryViolations: number;
  recordsPastDeadline: string;
  bytesPastDeadline: string;
  byModule: Summary['byModule'];
}

/**
 * An empty summary's changes as a delta.
 *
 * @example
 * const delta = emptySummary(); markRepeated(delta, original); summaryDelta(delta).items // 0 (one out, one in)
 */
export function summaryDelta(summary: Summary): SummaryDelta {
  const { items, byVerdict, bySeverity, specialCategoryViolations, byModule } = summary;
  return {
    items,
    byVerdict,
    bySeverity,
    specialCategoryViolations,
    recordsPastDeadline: exactCount(summary, 'recordsPastDeadline').toString(),
    bytesPastDeadline: exactCount(summary, 'bytesPastDeadline').toString(),
    byModule: { ...byModule },
  };
}

/**
 * Adds a delta to a run's summary (mutates `summary`).
 *
 * @example
 * for (const part of parts) absorbDelta(counts.summary, part.delta);
 */
export function absorbDelta(summary: Summary, delta: SummaryDelta): void {
  summary.items += delta.items;
  for (const [verdict, n] of Object.entries(delta.byVerdict) as [keyof Summary['byVerdict'], number][]) summary.byVerdict[verdict] += n;
  for (const [severity, n] of Object.entries(delta.bySeverity) as [keyof Summary['bySeverity'], number][]) summary.bySeverity[severity] += n;
  summary.specialCategoryViolations += delta.specialCategoryViolations;
  addExactCount(summary, 'recordsPastDeadline', delta.recordsPastDeadline);
  addExactCount(summary, 'bytesPastDeadline', delta.bytesPastDeadline);
  for (const [module, row] of Object.entries(delta.byModule)) {
    const target = (summary.byModule[module] ??= { items: 0, violations: 0, dueSoon: 0 });
    target.items += row.items;
    target.violations += row.violations;
    target.dueSoon += row.dueSoon;
  }
}
