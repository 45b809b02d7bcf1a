import { column, integerTextSql, textSql } from '../../sql/sqlText';
import type { ClauseBase, RuleKind } from './RuleKind';

/** A category the document lists but gives no retention period for: a person must decide. */
export type ReviewClause = ClauseBase<'review'>;

export const review: RuleKind<ReviewClause> = {
  schema: { properties: {}, required: [] },
  evaluate: (_clause, { item, categoryName }) => ({
    status: 'review',
    deadlineMs: null,
    reason: `The policy names no retention period for ${categoryName}, so a person must decide how long its ${item.recordCount} records may be kept.`,
  }),
  sql: (_clause, { categoryName }) => ({
    status: `'review'`,
    deadlineMs: 'NULL::BIGINT',
    reason: textSql(
      "'The policy names no retention period for '",
      categoryName,
      "', so a person must decide how long its '",
      integerTextSql(column('record_count')),
      "' records may be kept.'",
    ),
  }),
  describe: () => 'No retention period stated: needs a person to decide.',
};
