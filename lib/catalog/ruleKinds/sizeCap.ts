import { column, formatBytesSql, sqlString, textSql } from '../../sql/sqlText';
import { formatBytes } from '../../units';
import type { ClauseBase, RuleKind } from './RuleKind';

/** "Automatically deleted after storage space reaches 2GB": bytes held may not exceed the cap. */
export interface SizeCapClause extends ClauseBase<'size-cap'> {
  maxBytes: number;
}

export const sizeCap: RuleKind<SizeCapClause> = {
  schema: { properties: { maxBytes: { type: 'integer', minimum: 1 } }, required: ['maxBytes'] },
  evaluate(clause, { item }) {
    // Size caps have no deadline and no warning window (docs/semantics.md#evaluation).
    if (item.bytes > clause.maxBytes) {
      return {
        status: 'violated',
        deadlineMs: null,
        reason: `Holds ${formatBytes(item.bytes)}, above the ${formatBytes(clause.maxBytes)} at which the data must be deleted.`,
      };
    }
    return {
      status: 'ok',
      deadlineMs: null,
      reason: `Holds ${formatBytes(item.bytes)}, within the ${formatBytes(clause.maxBytes)} cap.`,
    };
  },
  sql(clause) {
    const above = `(${column('bytes')} > ${clause.maxBytes})`;
    const cap = formatBytes(clause.maxBytes);
    return {
      status: `(CASE WHEN ${above} THEN 'violated' ELSE 'ok' END)`,
      deadlineMs: 'NULL::BIGINT',
      reason: textSql(
        "'Holds '",
        formatBytesSql(column('bytes')),
        `(CASE WHEN ${above} THEN ${sqlString(`, above the ${cap} at which the data must be deleted.`)} ELSE ${sqlString(`, within the ${cap} cap.`)} END)`,
      ),
    };
  },
  describe: (clause) => `Must be deleted once the data exceeds ${formatBytes(clause.maxBytes)}.`,
};
