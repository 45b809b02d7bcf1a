/**
 * Whether DuckDB ran out of memory (its "Out of Memory Error: …" within the memory limit). A module
 * of its own: callers that load DuckDB's binding only when they use it (lib/history/parquetStates.ts)
 * can ask without loading it.
 *
 * @example
 * isOutOfMemory(new Error('Out of Memory Error: failed to pin block of size 256.0 KiB')) // true
 */
export function isOutOfMemory(error: unknown): boolean {
  return /out of memory/i.test(error instanceof Error ? error.message : String(error));
}
