/**
 * The mail one data owner gets after a run: only their own violations and deadlines due
 * soon, the most serious listed with the clause each breaks, all of them (up to a cap) in
 * an attached CSV. The DPO's digest (lib/delivery/digest.ts) is the model: the same
 * tone, the same words for a finding (describeSerious), the same escaping — every text
 * goes through printableDeep, and Mustache escapes what it puts into the HTML.
 */
import Mustache from 'mustache';
import type { ReportHead } from '../report/ReportModel';
import { describeSerious } from '../report/describeSerious';
import { printable, printableDeep } from '../text/printable';
import { formatBytes, formatCount } from '../units';
import { clip, runView, SUBJECT_ID_CHARS, template, type ComposedMail } from './digest';
import type { OwnerDigestData } from './ownerFindings';

/** What an owner's mail says besides their findings. */
export interface OwnerMailContext {
  /** Who receives the run's full report (the stage's DPO addresses); named in the mail. */
  dpo: readonly string[];
  /** The CSV attachment's file name. */
  csvFilename: string;
  /**
   * Where the run's full reports are, said when the CSV leaves rows out: words, and the
   * command that fetches them (FinishedRun.fetchCommand) when they are stored, e.g.
   * `{ where: 'in the reports bucket; fetch them with your own AWS credentials', command: 'npm start -- fetch …' }`.
   */
  fullReports: { where: string; command?: string };
}

/** The engine's reason is cut beyond this in the mail (the CSV has it whole). */
const REASON_CHARS = 400;
const plural = (n: number, word: string) => `${formatCount(n)} ${word}${n === 1 ? '' : 's'}`;

/**
 * The owner's subject: their own counts, after the run's INCOMPLETE and STALE flags
 * (their list may then miss data). The snapshot id is made printable and cut when long.
 *
 * @example
 * ownerDigestSubject(head, owner) // '[Retention audit] Your data: 3 violations (1 special-category), 2 due soon — snapshot snap-2026-11-20'
 */
export function ownerDigestSubject(head: ReportHead, owner: Pick<OwnerDigestData, 'violations' | 'dueSoon' | 'specialCategoryViolations'>): string {
  const flags = [head.summary.complete ? '' : 'INCOMPLETE — ', head.stale?.stale ? 'STALE INVENTORY — ' : ''].join('');
  const snapshot = `snapshot ${clip(printable(head.run.snapshotId ?? '(none)'), SUBJECT_ID_CHARS)}`;
  const counts =
    owner.violations === 0
      ? `${plural(owner.dueSoon, 'deadline')} due soon`
      : `${plural(owner.violations, 'violation')} (${formatCount(owner.specialCategoryViolations)} special-category), ${formatCount(owner.dueSoon)} due soon`;
  return `[Retention audit] ${flags}Your data: ${counts} — ${snapshot}`;
}

/**
 * One owner's mail (subject, text, HTML) from templates/email/owner.*. The list shows
 * `owner.listed` (the most serious first) and says how many more the CSV holds; when the
 * CSV itself is capped, the mail says how many it leaves out and where the full reports are.
 *
 * @example
 * composeOwnerDigest(result.head, owner, { dpo: ['dpo@example.com'], csvFilename: 'audit-x-owner.csv', fullReports: { where: 'in the reports bucket', command } })
 * // { subject: '[Retention audit] Your data: 3 violations …', text: '…', html: '…' }
 */
export function composeOwnerDigest(head: ReportHead, owner: OwnerDigestData, context: OwnerMailContext): ComposedMail {
  const subject = ownerDigestSubject(head, owner);
  const total = owner.violations + owner.dueSoon;
  const more = total - owner.listed.length;
  const view = printableDeep({
    subject,
    address: owner.address,
    dpo: context.dpo.join(', '),
    ...runView(head),
    stale: head.stale?.stale ? head.stale : null,
    // "1 violation (1 involves health or biometric data), 2 deadlines due soon."
    violations: plural(owner.violations, 'violation'),
    specialViolations: `${formatCount(owner.specialCategoryViolations)} ${owner.specialCategoryViolations === 1 ? 'involves' : 'involve'}`,
    dueSoon: plural(owner.dueSoon, 'deadline'),
    anyViolations: owner.violations > 0,
    recordsPastDeadline: formatCount(owner.recordsPastDeadline),
    bytesPastDeadline: formatBytes(owner.bytesPastDeadline),
    listed: owner.listed.map((entry, index) => ({ rank: index + 1, ...describeSerious(entry), reason: clip(entry.reason, REASON_CHARS) })),
    listedCount: formatCount(owner.listed.length),
    total: formatCount(total),
    more: more > 0 ? formatCount(more) : null,
    csvFilename: context.csvFilename,
    csvRows: formatCount(owner.csvRows),
    csvComplete: owner.csvOmitted === 0,
    csvOmitted: owner.csvOmitted > 0 ? formatCount(owner.csvOmitted) : null,
    fullReportsWhere: context.fullReports.where,
    fetchCommand: context.fullReports.command || null,
  });
  return {
    subject,
    text: Mustache.render(template('owner.txt.mustache'), view, {}, { escape: (s: string) => s }),
    html: Mustache.render(template('owner.html.mustache'), view),
  };
}
