/**
 * A rule file as `policy lint` reads it: the parsed JSON, which may break the schema
 * (every check reads it defensively), and its source document when there is one.
 */
export interface RuleFileUnderLint {
  /** The rule file as the folder was named (`policies/tokenhub.json`). */
  file: string;
  /** The policies folder the file is in (its sources are in `<dir>/sources/`). */
  dir: string;
  /** The parsed JSON: an object, not necessarily a valid rule file. */
  data: Record<string, unknown>;
  /** The source document's bytes, or null when `source` names no readable file. */
  source: Buffer | null;
}

/** One family of checks: the problems of one rule file (`path` and `message` of LintProblem). */
export type LintCheck = (ruleFile: RuleFileUnderLint) => { path: string; message: string }[];

// Defensive readers of the parsed JSON: a value of the wrong kind reads as absent.

export const asObject = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;

export const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

export const asString = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** The file's clauses, each an object (or an empty one), with its index. */
export function clausesOf(ruleFile: RuleFileUnderLint): { clause: Record<string, unknown>; index: number }[] {
  return asArray(ruleFile.data.clauses).map((clause, index) => ({ clause: asObject(clause) ?? {}, index }));
}

/** The file's categories by id (each an object, or an empty one). */
export function categoriesOf(ruleFile: RuleFileUnderLint): Map<string, Record<string, unknown>> {
  return new Map(Object.entries(asObject(ruleFile.data.categories) ?? {}).map(([id, category]) => [id, asObject(category) ?? {}]));
}

/** A JSON Pointer segment (`~` and `/` escaped, RFC 6901). */
export const pointer = (segment: string | number): string => String(segment).replaceAll('~', '~0').replaceAll('/', '~1');
