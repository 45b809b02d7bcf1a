import type { InventoryItem, RetentionEvent } from '../../model';
import { ItemFieldError } from '../../errors';
import { addPeriod, DAY_MS, dayCount, daysBetween, iso, parseTimestamp, periodAdjective } from '../../time';
import type { ClauseResult } from './RuleKind';

/** Longest warning window before a deadline (docs/semantics.md#evaluation). */
export const MAX_WARNING_MS = 7 * DAY_MS;

/**
 * Judges a deadline against the snapshot's capture time: violated once the
 * capture is strictly later than the deadline; due soon when the deadline lies
 * within the warning window (the shorter of 7 days and a fifth of the period).
 *
 * @example
 * judgeDeadline({ deadlineMs: t, capturedMs: t, periodMs: 7 * DAY_MS, ... }).status // 'due-soon'
 */
export function judgeDeadline(args: {
  deadlineMs: number;
  capturedMs: number;
  periodMs: number;
  violated?: boolean;
  violatedReason: () => string;
  pendingReason: () => string;
}): ClauseResult {
  const { deadlineMs, capturedMs, periodMs } = args;
  const violated = args.violated ?? capturedMs > deadlineMs;
  if (violated) return { status: 'violated', deadlineMs, reason: args.violatedReason() };
  const windowMs = Math.min(MAX_WARNING_MS, periodMs / 5);
  const leftMs = deadlineMs - capturedMs;
  const status = leftMs >= 0 && leftMs <= windowMs ? 'due-soon' : 'ok';
  return { status, deadlineMs, reason: args.pendingReason() };
}

const EVENT_WORDS: Record<RetentionEvent, string> = {
  accountDeletedAt: 'account deletion',
  serviceTerminatedAt: 'service termination',
  deletionRequestedAt: 'deletion request',
  consentWithdrawnAt: 'consent withdrawal',
};

/** The earliest of the listed events present on the item, if any. */
export function earliestEvent(
  item: InventoryItem,
  events: readonly RetentionEvent[],
): { event: RetentionEvent; atMs: number } | null {
  let best: { event: RetentionEvent; atMs: number } | null = null;
  for (const event of events) {
    const text = item.events?.[event];
    if (text === undefined) continue;
    const atMs = parseTimestamp(text);
    if (atMs === null) throw new ItemFieldError(`events.${event}`, `Field events.${event} is not an ISO-8601 timestamp with a time zone.`);
    if (best === null || atMs < best.atMs) best = { event, atMs };
  }
  return best;
}

export function eventWords(event: RetentionEvent): string {
  return EVENT_WORDS[event];
}

export function listEvents(events: readonly RetentionEvent[]): string {
  const words = events.map(eventWords);
  return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} or ${words.at(-1)}`;
}

export function day(ms: number): string {
  return iso(ms).slice(0, 10);
}

export function overdueWords(deadlineMs: number, capturedMs: number): string {
  return dayCount(daysBetween(deadlineMs, capturedMs));
}

/** Shared evaluation of "delete within P after the earliest of these events". */
export function evaluateAfterEvent(
  item: InventoryItem,
  capturedMs: number,
  events: readonly RetentionEvent[],
  periodEndMs: (eventMs: number) => number,
  periodWords: string,
): ClauseResult {
  const first = earliestEvent(item, events);
  if (first === null) {
    return { status: 'ok', deadlineMs: null, reason: `No ${listEvents(events)} is recorded, so no deletion is due yet.` };
  }
  const deadlineMs = periodEndMs(first.atMs);
  const what = eventWords(first.event);
  // Nothing held means nothing is overdue or due (docs/semantics.md#evaluation).
  if (item.recordCount === 0) return { status: 'ok', deadlineMs, reason: `After ${what} on ${day(first.atMs)} no records are held any more.` };
  return judgeDeadline({
    deadlineMs,
    capturedMs,
    periodMs: deadlineMs - first.atMs,
    violatedReason: () =>
      `After ${what} on ${day(first.atMs)} the data had to be deleted within ${periodWords}, by ${day(deadlineMs)}, ` +
      `but ${item.recordCount} record${item.recordCount === 1 ? ' was' : 's were'} still held ${overdueWords(deadlineMs, capturedMs)} later.`,
    pendingReason: () => `After ${what} on ${day(first.atMs)} the data must be deleted within ${periodWords}, by ${day(deadlineMs)}.`,
  });
}

/**
 * "Until the event", with no period named: the configurable grace period runs
 * from the earliest listed event. `why` says where the grace period comes from.
 */
export function evaluateGraceAfterEvent(
  item: InventoryItem,
  capturedMs: number,
  events: readonly RetentionEvent[],
  graceDays: number,
  why: string,
): ClauseResult {
  const grace = { days: graceDays };
  return evaluateAfterEvent(item, capturedMs, events, (eventMs) => addPeriod(eventMs, grace), `the ${periodAdjective(grace)} grace period ${why}`);
}
