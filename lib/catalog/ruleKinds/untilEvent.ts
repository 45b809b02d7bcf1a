import type { EventName } from '../../model';
import { evaluateGraceAfterEvent, evaluateGraceAfterEventSql, listEvents } from './deadline';
import { eventsSchema, type ClauseBase, type RuleKind } from './RuleKind';

/**
 * "Stored for the lifetime of the Service or until you submit a data deletion
 * request": deletion is promised but no period is named, so the configurable
 * grace period applies after the event.
 */
export interface UntilEventClause extends ClauseBase<'until-event'> {
  events: EventName[];
}

export const untilEvent: RuleKind<UntilEventClause> = {
  schema: { properties: { events: eventsSchema }, required: ['events'] },
  evaluate: (clause, { item, capturedMs, options }) =>
    evaluateGraceAfterEvent(item, capturedMs, clause, options.graceDays, '(the policy names no period)'),
  sql: (clause, context) =>
    evaluateGraceAfterEventSql(context, clause, context.options.graceDays, '(the policy names no period)'),
  describe: (clause, options) =>
    `All records must be gone ${options.graceDays} days (grace period) after ${listEvents(clause)}.`,
};
