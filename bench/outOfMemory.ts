/** The exit status of a scenario (scenario.ts) that DuckDB ran out of memory in, which bench.ts tells from any other failure. */
export const OUT_OF_MEMORY_EXIT = 75;
