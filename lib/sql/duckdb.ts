/**
 * DuckDB's Node API, loaded once its allocator's options are set (lib/sql/allocator.ts):
 * the engine imports DuckDB's values from here, not from '@duckdb/node-api' (types may come
 * from either). The import order is the point: allocator.ts runs before the binding loads.
 */
import './allocator';

export * from '@duckdb/node-api';
