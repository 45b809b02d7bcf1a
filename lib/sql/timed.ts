/**
 * Step timings of the SQL engine, for measuring (npm run bench, a closing note):
 * with RETENTION_AUDITOR_TIMINGS=1 each step prints its wall time, the CPU time of
 * the whole process meanwhile (every DuckDB thread; on a shared machine a steadier
 * figure than the wall time), the process's RSS at its end and its peak during the
 * step (sampled every 50 ms), and the V8 heap, to stderr. Off by default; never part
 * of a report.
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
  const cpu = process.cpuUsage();
  let peak = process.memoryUsage.rss();
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 50);
  try {
    return await work();
  } finally {
    clearInterval(sampler);
    const memory = process.memoryUsage();
    const used = process.cpuUsage(cpu);
    const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
    process.stderr.write(
      `[sql] ${label.padEnd(32)} ${String(Date.now() - start).padStart(7)} ms ${String(Math.round((used.user + used.system) / 1000)).padStart(7)} ms CPU  (at ${((Date.now() - started) / 1000).toFixed(1)} s, RSS ${mb(memory.rss)} MB, peak ${mb(Math.max(peak, memory.rss))} MB, heap ${mb(memory.heapUsed)} MB)\n`,
    );
  }
}
