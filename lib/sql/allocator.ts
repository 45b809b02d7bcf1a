/**
 * DuckDB's allocator (jemalloc, linked into the binding) takes its options from the
 * DUCKDB_JE_MALLOC_CONF environment variable once, as the binding loads: this module sets
 * it (unless the environment already does), and lib/sql/duckdb.ts loads the binding after
 * it. Set later, it changes nothing (measured).
 *
 * DuckDB builds jemalloc to keep the pages a thread freed for a second before it gives them
 * back, and then for another second as "muzzy" pages (opt.dirty_decay_ms and opt.muzzy_decay_ms
 * are 1000, read with mallctl); with DuckDB's background threads (duck.ts
 * allocator_background_threads) they now go back after 200 ms, at once. DuckDB's memory_limit
 * does not count such pages, so they were peak RSS beyond the limit. Measured (three runs each, before → after): `run --table` of 50,000 items on the local
 * DynamoDB, peak RSS 545–555 → 472–483 MB, 2.98–3.17 → 3.08–3.10 s; `run --no-history --format
 * json` of 500,000 items, 501–543 → 473–491 MB, 7.21–7.65 → 7.30–8.69 s (one run slower, two
 * within noise); with history, 528–543 → 527–540 MB. Pages given back at once (decay 0) took RSS
 * lower still (455 MB at 500,000) for 3–4 s more of system time.
 */
export const ALLOCATOR_CONF = 'dirty_decay_ms:200,muzzy_decay_ms:0';

process.env.DUCKDB_JE_MALLOC_CONF ??= ALLOCATOR_CONF;
