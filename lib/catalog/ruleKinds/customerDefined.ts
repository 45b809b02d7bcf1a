import { column } from '../../sql/sqlText';
import { dayPeriodSql } from './deadline';
import { evaluateFixedPeriod, evaluateFixedPeriodSql } from './fixedPeriod';
import type { ClauseBase, RuleKind } from './RuleKind';

/**
 * "For the duration determined by the customer": when the item carries
 * `customerRetentionDays`, that period applies as a fixed period on top of the
 * module's other clauses.
 */
export type CustomerDefinedClause = ClauseBase<'customer-defined'>;

export const customerDefined: RuleKind<CustomerDefinedClause> = {
  schema: { properties: {}, required: [] },
  appliesTo: (_clause, item) => item.customerRetentionDays !== undefined,
  evaluate: (_clause, context) =>
    evaluateFixedPeriod({ days: context.item.customerRetentionDays ?? 0 }, context, 'retention period set by the customer'),
  sql: (_clause, context) => ({
    applies: `(${column('customer_retention_days')} IS NOT NULL)`,
    ...evaluateFixedPeriodSql(dayPeriodSql(`coalesce(${column('customer_retention_days')}, 0)`), context, 'retention period set by the customer'),
  }),
  describe: () => 'Records older than the retention period the customer configured must be gone.',
};
