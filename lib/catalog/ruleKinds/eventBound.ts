import type { EventName } from '../../model';
import { addPeriod, describePeriod, type Period } from '../../time';
import { evaluateAfterEvent, evaluateAfterEventSql, listEvents, periodSql } from './deadline';
import { eventsSchema, periodSchema, type ClauseBase, type RuleKind } from './RuleKind';

/** "Deleted within 30 days upon account deletion or deletion request"; `days: 0` is "deleted immediately upon …". */
export interface EventBoundClause extends ClauseBase<'event-bound'> {
  events: EventName[];
  period: Period;
}

/**
 * A period as elsewhere, except that `days` may be 0: "deleted immediately upon
 * withdrawal of consent" puts the deadline at the event's instant (due soon at
 * that very instant, a violation one millisecond later).
 */
const afterEventPeriodSchema = {
  oneOf: [{ ...periodSchema.oneOf[0], properties: { days: { type: 'integer', minimum: 0 } } }, periodSchema.oneOf[1]],
} as const;

const isImmediate = (period: Period) => 'days' in period && period.days === 0;
/** The period in the reasons: "within 0 days (immediately), by …". */
const periodWords = (period: Period) => (isImmediate(period) ? '0 days (immediately)' : describePeriod(period));

export const eventBound: RuleKind<EventBoundClause> = {
  schema: { properties: { events: eventsSchema, period: afterEventPeriodSchema }, required: ['events', 'period'] },
  evaluate: (clause, { item, capturedMs }) =>
    evaluateAfterEvent(
      item,
      capturedMs,
      clause,
      (eventMs) => addPeriod(eventMs, clause.period),
      periodWords(clause.period),
    ),
  sql: (clause, context) => {
    const period = periodSql(clause.period);
    return evaluateAfterEventSql(context, clause, (eventMs) => period.add(eventMs, 1), periodWords(clause.period));
  },
  describe: (clause) =>
    isImmediate(clause.period)
      ? `All records must be gone immediately upon ${listEvents(clause)}.`
      : `All records must be gone ${describePeriod(clause.period)} after ${listEvents(clause)}.`,
};
