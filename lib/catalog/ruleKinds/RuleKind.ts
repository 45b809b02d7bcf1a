import { DECLARED_EVENT_PATTERN, type EventName, type InventoryItem, type RetentionEvent } from '../../model';
import type { Period } from '../../time';

/** Fields every clause of every kind carries. */
export interface ClauseBase<K extends string = string> {
  id: string;
  kind: K;
  /** Data category ids of the module that this clause governs. */
  categories: string[];
  /** Section heading of the source document, e.g. "6. DATA RETENTION". */
  section: string;
  /** The document's own words. */
  text: string;
  /** Further words of the document that explain the clause (optional). */
  context?: string;
  /** Clause ids this clause replaces whenever it applies to an item. */
  supersedes?: string[];
  /**
   * Set by the loader, never written in a rule file: the words (`name`) of each event
   * the clause's file declares in its top-level `events`, used in reasons
   * ("After domain expiry on …"). Built-in events have their own words.
   */
  declaredEvents?: Readonly<Record<string, string>>;
}

export interface EvaluateOptions {
  /** Grace period (days) where the document promises deletion but names no period. Default 30. */
  graceDays: number;
}

/** What the engine hands a rule kind: the item, with its instants already parsed. */
export interface ClauseContext {
  item: InventoryItem;
  /** The data category's name as the document writes it, e.g. "Contract Staff Information". */
  categoryName: string;
  capturedMs: number;
  /** NaN when the item holds no records. */
  oldestMs: number;
  options: EvaluateOptions;
}

export type ClauseStatus = 'violated' | 'due-soon' | 'ok' | 'review';

export interface ClauseResult {
  status: ClauseStatus;
  /** The instant by which the data had to be (or must be) gone, if the clause sets one. */
  deadlineMs: number | null;
  /** One sentence a DPO understands. */
  reason: string;
}

/**
 * What the SQL compiler (lib/sql/evaluationSql.ts) hands a rule kind. The kind's
 * SQL reads the columns of the validation stage (lib/sql/relations.ts, through
 * lib/sql/sqlText.ts `column`) of a valid item of one of the clause's categories.
 */
export interface ClauseSqlContext {
  /** The data category's name as the document writes it: a SQL VARCHAR expression (a clause may govern several categories). */
  categoryName: string;
  options: EvaluateOptions;
  /**
   * Names a value of this clause, computed once per row before the clause's
   * results; returns the SQL that reads it. `sql` may read the values named before.
   */
  let(name: string, sql: string): string;
  /**
   * Like `let`, but computed once per row for all the clauses that ask for the same
   * name (an event's instant, which several clauses read): the same name must
   * always come with the same SQL.
   */
  shared(name: string, sql: string): string;
}

/**
 * A clause compiled to SQL: DuckDB expressions equal, row by row, to what the
 * kind's `appliesTo` and `evaluate` give for the same item.
 */
export interface ClauseSql {
  /** BOOLEAN: whether the clause governs the item (appliesTo); omitted: always. */
  applies?: string;
  /** VARCHAR: a {@link ClauseStatus}. */
  status: string;
  /**
   * BIGINT milliseconds, or NULL when the clause sets no deadline; an instant that
   * JavaScript's arithmetic makes NaN is lib/sql/sqlText.ts NAN_MS.
   */
  deadlineMs: string;
  /** VARCHAR: the same sentence as the result's `reason` (may be NULL where `error` is set). */
  reason: string;
  /**
   * VARCHAR: the reason of the `invalid` finding when evaluating the clause throws
   * (an event that is not a timestamp, a date beyond the year 9999), else NULL;
   * omitted: never throws.
   */
  error?: string;
}

/** A JSON Schema fragment: the kind's own properties and which of them are required. */
export interface KindSchema {
  properties: Record<string, object>;
  required: string[];
}

/**
 * One kind of retention rule: its schema (assembled into the catalog schema) and
 * its evaluation, a pure function of the clause and the item.
 */
export interface RuleKind<C extends ClauseBase> {
  schema: KindSchema;
  /** Whether the clause governs this item at all (default: always). */
  appliesTo?(clause: C, item: InventoryItem): boolean;
  evaluate(clause: C, context: ClauseContext): ClauseResult;
  /** The clause compiled to SQL: the same results as `appliesTo` and `evaluate`, for lib/sql/evaluationSql.ts. */
  sql(clause: C, context: ClauseSqlContext): ClauseSql;
  /** The rule in a few words, for the appendix of the reports. */
  describe(clause: C, options: EvaluateOptions): string;
}

export const periodSchema = {
  oneOf: [
    {
      type: 'object',
      properties: { days: { type: 'integer', minimum: 1 } },
      required: ['days'],
      additionalProperties: false,
    },
    {
      type: 'object',
      properties: { months: { type: 'integer', minimum: 1 } },
      required: ['months'],
      additionalProperties: false,
    },
  ],
} as const;

/**
 * A clause's `events`: built-in events (RETENTION_EVENTS) or events its file declares;
 * the loader (lib/catalog/loadCatalog.ts) rejects a name that is neither.
 */
export const eventsSchema = {
  type: 'array',
  minItems: 1,
  uniqueItems: true,
  items: { type: 'string', pattern: DECLARED_EVENT_PATTERN },
} as const;

export type { EventName, Period, RetentionEvent };
