import type { RetentionEvent } from '../../model';
import { addPeriod, describePeriod, type Period } from '../../time';
import { evaluateAfterEvent, evaluateAfterEventSql, listEvents, periodSql } from './deadline';
import { eventsSchema, periodSchema, type ClauseBase, type RuleKind } from './RuleKind';

/** "Deleted within 30 days upon account deletion or deletion request". */
export interface EventBoundClause extends ClauseBase<'event-bound'> {
  events: RetentionEvent[];
  period: Period;
}

export const eventBound: RuleKind<EventBoundClause> = {
  schema: { properties: { events: eventsSchema, period: periodSchema }, required: ['events', 'period'] },
  evaluate: (clause, { item, capturedMs }) =>
    evaluateAfterEvent(
      item,
      capturedMs,
      clause.events,
      (eventMs) => addPeriod(eventMs, clause.period),
      describePeriod(clause.period),
    ),
  sql: (clause, context) => {
    const period = periodSql(clause.period);
    return evaluateAfterEventSql(context, clause.events, (eventMs) => period.add(eventMs, 1), describePeriod(clause.period));
  },
  describe: (clause) => `All records must be gone ${describePeriod(clause.period)} after ${listEvents(clause.events)}.`,
};
