import { SingleBar, Presets } from 'cli-progress';
import type { AuditProgress } from '../lib/audit/runAudit';
import type { SourceProgress } from '../lib/inventory/InventorySource';

export interface Progress {
  /** Whether a bar is drawn: without one, nothing need work out how far a run is (the SQL engine asks DuckDB). */
  readonly shown: boolean;
  update(progress: { done: number; total: number | null; unit: SourceProgress['unit'] | 'partitions'; phase?: AuditProgress['phase'] | 'map' }): void;
  stop(): void;
}

const silent: Progress = { shown: false, update: () => undefined, stop: () => undefined };

/**
 * A progress bar on stderr, only when stderr is a terminal (never in CI logs or pipes).
 *
 * @example
 * const progress = createProgress(!options.quiet);
 */
export function createProgress(enabled: boolean): Progress {
  if (!enabled || !process.stderr.isTTY || process.env.CI) return silent;
  const bar = new SingleBar(
    { stream: process.stderr, format: ' {phase} |{bar}| {percentage}% {value}/{total} {unit}', hideCursor: true, clearOnComplete: true },
    Presets.shades_classic,
  );
  let started = false;
  let phase = '';
  return {
    shown: true,
    update(progress) {
      const total = progress.total ?? 0;
      const label = progress.phase === 'write' ? 'writing ' : progress.phase === 'map' ? 'mapping ' : 'auditing';
      if (!started || phase !== label) {
        if (started) bar.stop();
        bar.start(total, progress.done, { phase: label, unit: progress.unit });
        started = true;
        phase = label;
      }
      if (progress.total !== null) bar.setTotal(progress.total);
      else bar.setTotal(Math.max(progress.done, 1));
      bar.update(progress.done, { phase: label, unit: progress.unit });
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
