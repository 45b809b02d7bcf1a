/**
 * Step timings of the SQL engine, for measuring (npm run bench, a closing note):
 * with RETENTION_AUDITOR_TIMINGS=1 each step prints its wall time and the
 * process's RSS to stderr. Off by default; never part of a report.
 */
const enabled = Boolean(process.env.RETENTION_AUDITOR_TIMINGS);
const started = Date.now();

/**
 * Runs `work`, printing how long it took when timings are on.
 *
 * @example
 * await timed('validating the items', () => connection.run(sql));
 */
export async function timed<T>(label: string, work: () => Promise<T>): Promise<T> {
  if (!enabled) return work();
  const start = Date.now();
  try {
    return await work();
  } finally {
    const rss = Math.round(process.memoryUsage().rss / 2 ** 20);
    process.stderr.write(`[sql] ${label.padEnd(32)} ${String(Date.now() - start).padStart(7)} ms  (at ${((Date.now() - started) / 1000).toFixed(1)} s, RSS ${rss} MB)\n`);
  }
}
