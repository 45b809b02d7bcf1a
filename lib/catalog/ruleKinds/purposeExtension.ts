import type { EventName } from '../../model';
import { column, sqlString } from '../../sql/sqlText';
import { evaluateGraceAfterEvent, evaluateGraceAfterEventSql, listEvents } from './deadline';
import { eventsSchema, type ClauseBase, type RuleKind } from './RuleKind';

/**
 * "May retain such data for a longer period (for example as long as you use the
 * Features) for billing purposes": an item kept for that purpose follows this
 * longer rule instead of the clauses it supersedes; once the service ends, the
 * grace period applies.
 */
export interface PurposeExtensionClause extends ClauseBase<'purpose-extension'> {
  purpose: string;
  events: EventName[];
}

export const purposeExtension: RuleKind<PurposeExtensionClause> = {
  schema: {
    properties: { purpose: { type: 'string', minLength: 1 }, events: eventsSchema },
    required: ['purpose', 'events', 'supersedes'],
  },
  appliesTo: (clause, item) => item.purposes?.includes(clause.purpose) === true,
  evaluate: (clause, { item, capturedMs, options }) =>
    evaluateGraceAfterEvent(item, capturedMs, clause, options.graceDays, `that follows the ${clause.purpose} purpose`),
  sql: (clause, context) => ({
    applies: `coalesce(list_contains(${column('purposes')}, ${sqlString(clause.purpose)}), false)`,
    ...evaluateGraceAfterEventSql(context, clause, context.options.graceDays, `that follows the ${clause.purpose} purpose`),
  }),
  describe: (clause, options) =>
    `Kept for ${clause.purpose}: allowed while the service is used, then ${options.graceDays} days (grace period) after ${listEvents(clause)}.`,
};
