import { RETENTION_EVENTS, type EventName, type InventoryItem, type RetentionEvent } from '../../model';
import { ItemFieldError } from '../../errors';
import { addPeriod, DAY_MS, dayCount, daysBetween, describePeriod, iso, parseTimestamp, periodAdjective, type Period } from '../../time';
import {
  addMonthsSql,
  addMsSql,
  column,
  dateErrorSql,
  dayCountSql,
  hundredthsOfDaysSql,
  integerTextSql,
  isNaNSql,
  isoDaySql,
  sqlString,
  textSql,
} from '../../sql/sqlText';
import { timestampMs } from '../../sql/validationTimestamp';
import type { ClauseResult, ClauseSql, ClauseSqlContext } from './RuleKind';

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

/**
 * What a clause says of the events that end retention: which ones (built-in, or
 * declared by its rule file), and the words of the declared ones (set by the loader).
 */
export interface EventClause {
  events: readonly EventName[];
  declaredEvents?: Readonly<Record<string, string>>;
}

const isBuiltIn = (event: EventName): event is RetentionEvent => Object.hasOwn(EVENT_WORDS, event);

/** The earliest of the listed events present on the item, if any. */
export function earliestEvent(
  item: InventoryItem,
  events: readonly EventName[],
): { event: EventName; atMs: number } | null {
  let best: { event: EventName; atMs: number } | null = null;
  for (const event of events) {
    const text = item.events?.[event];
    if (text === undefined) continue;
    const atMs = parseTimestamp(text);
    if (atMs === null) throw new ItemFieldError(`events.${event}`, `Field events.${event} is not an ISO-8601 timestamp with a time zone.`);
    if (best === null || atMs < best.atMs) best = { event, atMs };
  }
  return best;
}

/**
 * An event in words: the built-in ones' own, a declared one's `name` from its rule file.
 *
 * @example
 * eventWords('domainExpiredAt', { domainExpiredAt: 'domain expiry' }) // 'domain expiry'
 */
export function eventWords(event: EventName, declaredEvents?: Readonly<Record<string, string>>): string {
  if (isBuiltIn(event)) return EVENT_WORDS[event];
  return (declaredEvents && Object.hasOwn(declaredEvents, event) ? declaredEvents[event] : undefined) ?? event;
}

/** A clause's events in words: "account deletion or deletion request". */
export function listEvents(clause: EventClause): string {
  const words = clause.events.map((event) => eventWords(event, clause.declaredEvents));
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
  clause: EventClause,
  periodEndMs: (eventMs: number) => number,
  periodWords: string,
): ClauseResult {
  const first = earliestEvent(item, clause.events);
  if (first === null) {
    return { status: 'ok', deadlineMs: null, reason: `No ${listEvents(clause)} is recorded, so no deletion is due yet.` };
  }
  const deadlineMs = periodEndMs(first.atMs);
  const what = eventWords(first.event, clause.declaredEvents);
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
  clause: EventClause,
  graceDays: number,
  why: string,
): ClauseResult {
  const grace = { days: graceDays };
  return evaluateAfterEvent(item, capturedMs, clause, (eventMs) => addPeriod(eventMs, grace), `the ${periodAdjective(grace)} grace period ${why}`);
}

// ---------------------------------------------------------------------------
// The same, compiled to SQL (lib/sql/evaluationSql.ts): each function below is
// the twin of the one above with the same name less `Sql`, and must give the
// same results row by row (test/lib/sql/evaluationSql.test.ts).

/** A period as SQL: how it moves an instant, and its words. */
export interface PeriodSql {
  /** BIGINT: `instant ± period` as lib/time.ts addPeriod gives it (NaN as NAN_MS). */
  add(instantMs: string, sign: 1 | -1): string;
  /** VARCHAR: describePeriod ("7 days"). */
  words: string;
  /** VARCHAR: periodAdjective ("7-day"). */
  adjective: string;
}

/**
 * A period of the rule file (days of 24 h, or calendar months).
 *
 * @example
 * periodSql({ months: 2 }).add('oldest_ms', 1) // epoch_ms(epoch_ms(oldest_ms) + INTERVAL (2) MONTH), clipped
 */
export function periodSql(period: Period): PeriodSql {
  return {
    add: (instantMs, sign) =>
      'days' in period ? addMsSql(instantMs, sign * period.days * DAY_MS) : addMonthsSql(instantMs, sign * period.months),
    words: sqlString(describePeriod(period)),
    adjective: sqlString(periodAdjective(period)),
  };
}

/** A period of `days` days given by the item (a BIGINT expression of at most 100000, as validation guarantees). */
export function dayPeriodSql(days: string): PeriodSql {
  return {
    add: (instantMs, sign) => addMsSql(instantMs, `${sign} * ${days} * ${DAY_MS}`),
    words: `(CAST(${days} AS VARCHAR) || CASE WHEN ${days} = 1 THEN ' day' ELSE ' days' END)`,
    adjective: `(CAST(${days} AS VARCHAR) || '-day')`,
  };
}

/** day() in SQL: `YYYY-MM-DD` (NULL where day() throws; the clause's `error` then says why). */
export function daySql(ms: string): string {
  return isoDaySql(ms);
}

/**
 * overdueWords() in SQL. Only the decisive clause's reason is built, and only for a
 * violation: computed there, not as a value of every clause that governs the row.
 */
export function overdueWordsSql(deadlineMs: string, capturedMs: string): string {
  return dayCountSql(hundredthsOfDaysSql(deadlineMs, capturedMs));
}

/** The SQL of judgeDeadline: `violated` (BOOLEAN) defaults to capture strictly after the deadline. */
export function judgeDeadlineSql(args: {
  deadlineMs: string;
  capturedMs: string;
  /** Where the period starts: the window is the shorter of 7 days and a fifth of `deadline − start`. */
  periodStartMs: string;
  violated?: string;
  violatedReason: string;
  pendingReason: string;
}): { status: string; reason: string } {
  const { deadlineMs, capturedMs, periodStartMs } = args;
  const violated = args.violated ?? `(${capturedMs} > ${deadlineMs})`;
  const leftMs = `(${deadlineMs} - ${capturedMs})`;
  // NaN makes every comparison false: the status is ok (and the reason throws, see `error`).
  const dueSoon = `NOT ${isNaNSql(deadlineMs)} AND ${leftMs} >= 0 AND ${leftMs} <= ${MAX_WARNING_MS} AND ${leftMs} * 5 <= ${deadlineMs} - ${periodStartMs}`;
  return {
    status: `(CASE WHEN ${violated} THEN 'violated' WHEN ${dueSoon} THEN 'due-soon' ELSE 'ok' END)`,
    reason: `(CASE WHEN ${violated} THEN ${args.violatedReason} ELSE ${args.pendingReason} END)`,
  };
}

/**
 * An event of the item as SQL: its instant (NULL when absent or not a timestamp)
 * and whether the item lists it at all. The events object is read once per row for
 * every built-in event (RETENTION_EVENTS), whichever clause asks; an event a rule
 * file declares is read on its own, the same way, for the rows of the clauses that
 * list it. A valid item's events are timestamps (the item schema, and the catalog's
 * declared events): one is listed exactly when its text is there (JSON null is no
 * string, so it never reaches evaluation).
 */
function eventSql(context: ClauseSqlContext, event: EventName): { ms: string; present: string } {
  const events = column('events');
  // One parse into a STRUCT of texts (keys matched exactly, JSON null as NULL), cheaper than json_extract_string's paths.
  const transform = (names: readonly string[]) =>
    `CASE WHEN ${events} IS NOT NULL THEN json_transform(${events}, ${sqlString(JSON.stringify(Object.fromEntries(names.map((name) => [name, 'VARCHAR']))))}) END`;
  // SQL names are case-insensitive: a declared name's capitals are spelt `_x` (fooBarAt: foo_bar_at), which no built-in name is.
  const name = isBuiltIn(event) ? event : event.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  const texts = isBuiltIn(event) ? context.shared('event_texts', transform(RETENTION_EVENTS)) : context.shared(`event_${name}_texts`, transform([event]));
  const text = context.shared(`event_${name}_text`, `struct_extract(${texts}, ${sqlString(event)})`);
  return {
    // The one SQL twin of parseTimestamp, shared with the validation stage.
    ms: context.shared(`event_${name}_ms`, `(${timestampMs(text)})`),
    present: `(${text} IS NOT NULL)`,
  };
}

/** The SQL of evaluateAfterEvent: `periodEnd` moves the earliest event's instant to the deadline. */
export function evaluateAfterEventSql(
  context: ClauseSqlContext,
  clause: EventClause,
  periodEnd: (eventMs: string) => string,
  periodWords: string,
): ClauseSql {
  const { events } = clause;
  const recordCount = column('record_count');
  const capturedMs = column('captured_ms');
  const found = events.map((event) => eventSql(context, event));
  // earliestEvent: the earliest instant; on a tie, the event listed first.
  const firstMs = context.let('first_ms', found.length === 1 ? found[0]!.ms : `least(${found.map((f) => f.ms).join(', ')})`);
  const deadlineMs = context.let('deadline_ms', `CASE WHEN ${firstMs} IS NOT NULL THEN ${periodEnd(firstMs)} END`);
  const what = `(CASE ${found.map((f, i) => `WHEN ${f.ms} = ${firstMs} THEN ${sqlString(eventWords(events[i]!, clause.declaredEvents))}`).join(' ')} END)`;
  const on = [sqlString('After '), what, "' on '", daySql(firstMs)];
  const rc = integerTextSql(recordCount);
  const judged = judgeDeadlineSql({
    deadlineMs,
    capturedMs,
    periodStartMs: firstMs,
    violatedReason: textSql(
      ...on,
      sqlString(` the data had to be deleted within ${periodWords}, by `),
      daySql(deadlineMs),
      "', but '",
      rc,
      `(CASE WHEN ${recordCount} = 1 THEN ' record was' ELSE ' records were' END)`,
      "' still held '",
      overdueWordsSql(deadlineMs, capturedMs),
      "' later.'",
    ),
    pendingReason: textSql(...on, sqlString(` the data must be deleted within ${periodWords}, by `), daySql(deadlineMs), "'.'"),
  });
  const unparsable = found.map(
    (f, i) => `WHEN ${f.present} AND ${f.ms} IS NULL THEN ${sqlString(`Field events.${events[i]} is not an ISO-8601 timestamp with a time zone.`)}`,
  );
  return {
    status: `(CASE WHEN ${firstMs} IS NULL OR ${recordCount} = 0 THEN 'ok' ELSE ${judged.status} END)`,
    deadlineMs,
    reason:
      `(CASE WHEN ${firstMs} IS NULL THEN ${sqlString(`No ${listEvents(clause)} is recorded, so no deletion is due yet.`)} ` +
      `WHEN ${recordCount} = 0 THEN ${textSql(...on, "' no records are held any more.'")} ELSE ${judged.reason} END)`,
    error:
      `(CASE ${unparsable.join(' ')} WHEN ${firstMs} IS NULL THEN NULL WHEN ${recordCount} = 0 THEN ${dateErrorSql(firstMs)} ` +
      `ELSE coalesce(${dateErrorSql(firstMs)}, ${dateErrorSql(deadlineMs)}) END)`,
  };
}

/** The SQL of evaluateGraceAfterEvent. */
export function evaluateGraceAfterEventSql(
  context: ClauseSqlContext,
  clause: EventClause,
  graceDays: number,
  why: string,
): ClauseSql {
  const grace = { days: graceDays };
  const period = periodSql(grace);
  return evaluateAfterEventSql(context, clause, (eventMs) => period.add(eventMs, 1), `the ${periodAdjective(grace)} grace period ${why}`);
}
