/**
 * The relations of the SQL engine (issue: the catalog compiled to SQL, run by
 * embedded DuckDB) and the columns each stage may rely on. The TypeScript
 * engine (lib/engine/evaluate.ts) is the executable specification: for the same
 * item, the SQL program must give the identical finding.
 *
 * Stage 1, input — table `items`, one row per entry the source yielded, in order:
 *   ord         BIGINT   0, 1, 2… in the order the source yielded the entries
 *   location    VARCHAR  where the entry stood ('line 7', 'element 3'), or NULL
 *   raw         VARCHAR  the item's JSON text exactly as read (a JSON object that
 *                        JSON.parse accepts: a malformed raw fails the whole query), or
 *                        NULL for an entry that is not a JSON object
 *   parse_error VARCHAR  for raw NULL: the sentence the source gave ("Line 7 is not
 *                        valid JSON."); NULL otherwise
 *
 * Stage 2, validation (lib/sql/validationSql.ts) — a SELECT over `items`, one row
 * per row of `items`, the columns of {@link CHECKED_COLUMNS}. Invalid rows carry
 * `invalid_reason` (the exact sentence validateItem or evaluate's invalid path
 * gives, including the location suffix runAudit adds for items without an
 * itemId) and the facts a finding repeats; valid rows carry the typed columns.
 *
 * Stage 3, evaluation (lib/sql/evaluationSql.ts, one fragment per rule kind in
 * its registry file) — a SELECT over the validation result giving one row per
 * item, the columns of {@link FINDING_COLUMNS}: `finding` is the finding as its
 * JSON report line (toJsonLine(evaluate(item)) byte for byte), the others the
 * facts the run's tallies, forecast and history diff read without parsing it.
 */

/** Columns of the validation stage, with their DuckDB types. */
export const CHECKED_COLUMNS = {
  ord: 'BIGINT',
  location: 'VARCHAR',
  /** NULL when the item is valid; else the sentence naming the field. */
  invalid_reason: 'VARCHAR',
  // The facts a finding repeats, read "as far as the raw item allows" (evaluate.ts findingOf:
  // a string at most 1024 characters, cut with '…'; a finite number; a store with string type
  // and resource), for valid and invalid rows alike:
  item_id: 'VARCHAR',
  snapshot_id: 'VARCHAR',
  tenant_id: 'VARCHAR',
  module: 'VARCHAR',
  data_category: 'VARCHAR',
  /** NULL unless store is an object with string type and resource. */
  store_type: 'VARCHAR',
  store_resource: 'VARCHAR',
  /** NULL when absent or not a string (then the finding's store has no region key). */
  store_region: 'VARCHAR',
  owner: 'VARCHAR',
  /** The finding's recordCount/bytes: any finite JSON number, else NULL. */
  record_count: 'DOUBLE',
  bytes: 'DOUBLE',
  oldest_record_at: 'VARCHAR',
  captured_at: 'VARCHAR',
  // Typed columns, meaningful for valid rows only (NULL elsewhere):
  captured_ms: 'BIGINT',
  /** NULL when the item has no oldestRecordAt. */
  oldest_ms: 'BIGINT',
  customer_retention_days: 'BIGINT',
  /** NULL when the item has no purposes. */
  purposes: 'VARCHAR[]',
  /** NULL when the item has no legal hold. */
  hold_reason: 'VARCHAR',
  hold_until: 'VARCHAR',
  hold_until_ms: 'BIGINT',
  /**
   * The item's `events` object as JSON text (NULL when absent): rule kinds read the events they
   * list. DuckDB's rewrite of the object (equal as JSON, not the original spelling); with a
   * repeated key, rebuilt so that the last value wins, as in JSON.parse.
   */
  events: 'VARCHAR',
} as const;

export type CheckedColumn = keyof typeof CHECKED_COLUMNS;

/** Columns of the evaluation stage, with their DuckDB types. */
export const FINDING_COLUMNS = {
  ord: 'BIGINT',
  item_id: 'VARCHAR',
  /** The finding's JSON report line. */
  finding: 'VARCHAR',
  verdict: 'VARCHAR',
  severity: 'VARCHAR',
  /** Whether the data is of a special category (NULL for invalid and unmapped findings). */
  special: 'BOOLEAN',
  /** The finding's deadline (NULL when it has none). */
  deadline_ms: 'BIGINT',
  /** The index of the waiver that covers the item (NULL: none). */
  waiver: 'INTEGER',
  snapshot_id: 'VARCHAR',
  tenant_id: 'VARCHAR',
  module: 'VARCHAR',
  data_category: 'VARCHAR',
  /** The finding's store.resource (NULL when it has no store). */
  store_resource: 'VARCHAR',
  /** The capture time of a finding that is not invalid (NULL otherwise). */
  captured_ms: 'BIGINT',
  record_count: 'DOUBLE',
  bytes: 'DOUBLE',
  /** The finding's overdueDays (NULL where its line says null): what the most serious findings are ranked by, without reading the line. */
  overdue_days: 'DOUBLE',
  /** The finding's fingerprint, as its line has it: what its history state takes (lib/sql/historySql.ts DiffSqlOptions). */
  fingerprint: 'VARCHAR',
} as const;

export type FindingColumn = keyof typeof FINDING_COLUMNS;
