/**
 * Which engine evaluates the items: the catalog compiled to SQL and run by an
 * embedded DuckDB, or the TypeScript engine (lib/engine/evaluate.ts), which is
 * the executable specification the SQL engine is tested against. A module of
 * its own so the configuration can name them without loading either engine.
 */
export const ENGINES = ['sql', 'reference'] as const;
export type EngineKind = (typeof ENGINES)[number];
