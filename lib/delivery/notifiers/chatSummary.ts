/**
 * What a chat message says about a run, once, for every chat channel: Slack and
 * Teams only differ in how they draw it and how they neutralise text. The words
 * are the digest's (its subject, its sentences on changes, staleness and
 * incompleteness), shortened for a channel that people skim. Every string went
 * through `printable`, so no control character from the inventory reaches a
 * renderer; escaping for the target's markup is the renderer's job.
 */
import { dirname, resolve } from 'node:path';
import type { ReportHead } from '../../report/ReportModel';
import { describeSerious, type SeriousWords } from '../../report/describeSerious';
import { printableDeep } from '../../text/printable';
import { formatCount } from '../../units';
import { digestSubject } from '../digest';
import type { RunRecord } from '../RunRecord';
import type { FinishedRun } from './Notifier';

/** How a message looks at a glance: all clear, something to watch, something to act on. */
export type ChatTone = 'good' | 'warning' | 'attention';

export interface ChatFact {
  label: string;
  value: string;
}

/** A finished run, in the words of a chat message. */
export interface ChatSummary {
  /** The digest's subject: the notification line and the outcome's `subject`. */
  subject: string;
  /** "Retention audit: 18 violations", our own words and numbers only. */
  title: string;
  tone: ChatTone;
  /** Items, violations, due soon, special-category violations, complete, and the changes when compared. */
  facts: ChatFact[];
  /** What changed since the previous run, or why nothing is compared. */
  news: string;
  /** Incompleteness and staleness, each a sentence; the reasons of an incomplete run follow it. */
  alerts: string[];
  /** The most serious findings listed (at most `maxFindings`). */
  serious: SeriousWords[];
  /** Violations and deadlines due soon that the list leaves out. */
  moreSerious: number;
  /** Violations plus deadlines due soon: what the list is "of". */
  actionable: number;
  runId: string;
  snapshotId: string;
  catalogVersion: string;
  finishedAt: string;
  /** The formats written, upper case: "PDF", "JSON". */
  reports: string[];
  /**
   * Where the reports are: the command that downloads them with the reader's own
   * credentials when they are in the bucket; the folder on the machine that ran
   * the audit for the command line's, which are not stored.
   */
  retrieval: { command: string } | { folder: string };
}

/** A run that failed, in the words of a chat message. */
export interface ChatFailure {
  subject: string;
  title: string;
  /** "Run audit-… (schedule, requested by schedule) failed and produced no trustworthy report." */
  sentence: string;
  error: string;
  runId: string;
  startedAt: string;
  /** What happens next. */
  note: string;
}

export interface ChatSummaryOptions {
  /** How many of the most serious findings the message lists (default 5, at most 10: the run keeps 10). */
  maxFindings?: number;
}

/** Incomplete-run reasons listed before "…and N more". */
const MAX_REASONS = 3;
/** A reason or an error longer than this is cut: the run record and the reports keep it whole. */
const SENTENCE_CHARS = 300;
const ERROR_CHARS = 1_500;
/** Findings a chat message lists unless configured (CHAT_MAX_FINDINGS). */
export const DEFAULT_FINDINGS = 5;

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
const plural = (n: number, word: string) => `${formatCount(n)} ${word}${n === 1 ? '' : 's'}`;

/** "Since the last audit (run audit-w): 3 new violations, 2 resolved, 40 findings unchanged.", as the digest says it. */
function news(head: ReportHead): string {
  const { changes } = head;
  if (!changes) return 'This run keeps no history, so nothing is compared with an earlier run.';
  if (!changes.previousRunId) return 'First audit of this scope: nothing to compare with yet.';
  return (
    `Since the last audit (run ${changes.previousRunId}): ${plural(changes.newViolations, 'new violation')}, ` +
    `${formatCount(changes.resolved)} resolved, ${plural(changes.persisting, 'finding')} unchanged.`
  );
}

function alerts(head: ReportHead): string[] {
  const { summary, stale } = head;
  const lines: string[] = [];
  if (!summary.complete) {
    lines.push('INCOMPLETE AUDIT: part of the snapshot could not be read or evaluated, so this run does not prove the state of all stored data.');
    const reasons = summary.incompleteReasons;
    lines.push(...reasons.slice(0, MAX_REASONS).map((reason) => `- ${clip(reason, SENTENCE_CHARS)}`));
    if (reasons.length > MAX_REASONS) lines.push(`- …and ${formatCount(reasons.length - MAX_REASONS)} more (see the reports).`);
  }
  if (stale?.stale) {
    const age = stale.ageHours === null ? 'at an unknown time' : `${stale.ageHours} hours before this audit`;
    lines.push(`STALE INVENTORY: the snapshot was captured ${age} (limit ${stale.thresholdHours} h), so it cannot prove today's state.`);
  }
  return lines;
}

function retrieval(run: FinishedRun): ChatSummary['retrieval'] {
  if (Object.keys(run.stored).length > 0 && run.fetchCommand !== '') return { command: run.fetchCommand };
  const first = Object.values(run.result.reports)[0];
  return { folder: resolve(dirname(first ?? '.')) };
}

function tone(head: ReportHead): ChatTone {
  const { summary } = head;
  if (summary.byVerdict.violation > 0) return 'attention';
  if (!summary.complete || head.stale?.stale || summary.byVerdict['due-soon'] > 0) return 'warning';
  return 'good';
}

function title(head: ReportHead): string {
  const { summary } = head;
  const violations = summary.byVerdict.violation;
  const what = violations === 0 ? 'all clear' : plural(violations, 'violation');
  return `Retention audit: ${what}${summary.complete ? '' : ' (INCOMPLETE)'}`;
}

function facts(head: ReportHead): ChatFact[] {
  const { summary, changes } = head;
  const list: ChatFact[] = [
    { label: 'Items audited', value: formatCount(summary.items) },
    { label: 'Violations', value: formatCount(summary.byVerdict.violation) },
    { label: 'Due soon', value: formatCount(summary.byVerdict['due-soon']) },
    { label: 'Special-category violations', value: formatCount(summary.specialCategoryViolations) },
    { label: 'Complete', value: summary.complete ? 'yes' : 'NO' },
  ];
  if (changes?.previousRunId) {
    list.push({ label: 'New violations', value: formatCount(changes.newViolations) }, { label: 'Resolved', value: formatCount(changes.resolved) });
  }
  return list;
}

/**
 * The chat summary of a finished run: counts, what is new, the most serious
 * findings in short form, and where the reports are.
 *
 * @example
 * chatSummary(run).title // 'Retention audit: 18 violations'
 * chatSummary(run, { maxFindings: 3 }).serious.length // 3 (when the run has that many)
 */
export function chatSummary(run: FinishedRun, options: ChatSummaryOptions = {}): ChatSummary {
  const { head, mostSerious } = run.result;
  const { summary } = head;
  const max = Math.max(0, Math.min(options.maxFindings ?? DEFAULT_FINDINGS, 10));
  const actionable = summary.byVerdict.violation + summary.byVerdict['due-soon'];
  const serious = mostSerious.slice(0, max).map(describeSerious);
  return printableDeep({
    subject: digestSubject(head),
    title: title(head),
    tone: tone(head),
    facts: facts(head),
    news: news(head),
    alerts: alerts(head),
    serious,
    moreSerious: Math.max(0, actionable - serious.length),
    actionable,
    runId: head.run.id,
    snapshotId: head.run.snapshotId ?? '(none)',
    catalogVersion: head.run.catalogVersion,
    finishedAt: head.run.finishedAt,
    reports: Object.keys(run.result.reports).map((format) => format.toUpperCase()),
    retrieval: retrieval(run),
  });
}

/**
 * The chat message of a failed run, brief: which run, the error, what happens next.
 *
 * @example
 * chatFailure(record, 'DynamoDB refused Query …').title // 'Retention audit FAILED'
 */
export function chatFailure(record: Pick<RunRecord, 'runId' | 'trigger' | 'requestedBy' | 'startedAt'>, error: string): ChatFailure {
  return printableDeep({
    subject: `[Retention audit] FAILED — run ${record.runId}`,
    title: 'Retention audit FAILED',
    sentence: `Run ${record.runId} (${record.trigger}, requested by ${record.requestedBy}) failed and produced no trustworthy report.`,
    error: clip(error, ERROR_CHARS),
    runId: record.runId,
    startedAt: record.startedAt ?? 'unknown',
    note: 'The run record keeps the details; the next scheduled run will try again.',
  });
}
