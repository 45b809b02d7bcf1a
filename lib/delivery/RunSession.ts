/**
 * One function's share of a run, as its record sees it: the progress written
 * every few seconds, the stop before the function's deadline, the final
 * status written only while the run is still `running`, and the failure
 * recorded (and told) once. The one-Lambda audit and the partitioned run's
 * plan and reduce steps each hold one, so they keep the same guarantees.
 */
import { TimedOutError } from '../errors';
import type { AuditDependencies, RunLimits } from './executeAudit';
import { notifyFailure } from './notifyFailure';
import { describeProgress, type RunProgress, type RunRecord } from './RunRecord';
import type { RunPatch } from './RunStore';
import { abortAtStop } from './limits';

type SessionDependencies = Pick<AuditDependencies, 'runs' | 'notifiers' | 'metrics' | 'log' | 'now' | 'progressEveryMs'>;

/**
 * Moves a queued run to `running` (a conditional write). `claimed` is false
 * (and logged) when the run was claimed or ended already, so a second delivery
 * of the same run does nothing; `record` is the run either way.
 *
 * @example
 * const { record, claimed } = await claimRun('audit-…', deps, { startedAt: new Date().toISOString() });
 */
export async function claimRun(runId: string, deps: Pick<AuditDependencies, 'runs' | 'log'>, patch: RunPatch): Promise<{ record: RunRecord; claimed: boolean }> {
  const claimed = await deps.runs.transition(runId, ['queued'], { status: 'running', ...patch });
  if (claimed) return { record: claimed, claimed: true };
  const existing = await deps.runs.get(runId);
  if (!existing) throw new Error(`Run ${runId} is not in the audit-runs table.`);
  deps.log('warn', 'run is not queued; not running it again', { runId, status: existing.status });
  return { record: existing, claimed: false };
}

export class RunSession {
  private readonly controller = new AbortController();
  private readonly began = Date.now();
  private readonly now: () => Date;
  private progressNow: RunProgress | undefined;
  private progressWrite: Promise<unknown> = Promise.resolve();
  private lastProgressWrite = 0;
  private readonly clearStop: () => void;

  /** With limits, the session aborts its signal at `stopAt` with a TimedOutError saying how far the run got. */
  constructor(
    readonly runId: string,
    private readonly deps: SessionDependencies,
    limits?: RunLimits,
  ) {
    this.now = deps.now ?? (() => new Date());
    this.clearStop = abortAtStop(this.controller, limits, ({ deadlineAt, stopAt }) => {
      const reserve = Math.round((deadlineAt.getTime() - stopAt.getTime()) / 1000);
      return new TimedOutError(
        `Timed out: the run stopped itself ${reserve} s before its function's ${Math.round((deadlineAt.getTime() - this.began) / 1000)} s time limit, ${describeProgress(this.progressNow)}.`,
      );
    });
  }

  /** Aborted at the function's stop time: pass it to everything that may take long. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get progress(): RunProgress | undefined {
    return this.progressNow;
  }

  /** Records how far the run got: evaluation progress every `progressEveryMs`, any other phase at once. */
  setProgress = (next: Omit<RunProgress, 'at'>): void => {
    this.progressNow = { ...next, at: this.now().toISOString() };
    const due = Date.now() - this.lastProgressWrite >= (this.deps.progressEveryMs ?? 15_000);
    if (due || next.phase !== 'evaluate') {
      this.lastProgressWrite = Date.now();
      const snapshot = this.progressNow;
      this.progressWrite = this.progressWrite.then(() => this.deps.runs.update(this.runId, { progress: snapshot })).catch(() => undefined);
    }
  };

  /** Waits for the progress writes under way, so a later write of the record is the last. */
  async flush(): Promise<void> {
    await this.progressWrite;
  }

  /** Writes the final status, only while the run is still `running`: a sweep that already failed it (and told) wins. */
  async finish(patch: RunPatch): Promise<RunRecord> {
    await this.flush();
    const done = await this.deps.runs.transition(this.runId, ['running'], patch);
    if (done) return done;
    this.deps.log('warn', 'run was ended by someone else while it finished; its outcome is not recorded', { runId: this.runId });
    return (await this.deps.runs.get(this.runId))!;
  }

  /**
   * Ends the run `failed` with the error (the session's TimedOutError when it
   * stopped itself) and tells every channel, unless another writer ended it
   * first (then that one told). Returns the error for the caller to rethrow.
   */
  async fail(thrown: unknown): Promise<unknown> {
    const { signal } = this.controller;
    const error = signal.aborted && signal.reason instanceof TimedOutError ? signal.reason : thrown;
    const message = (error as Error)?.message ?? String(error);
    this.deps.log('error', 'audit failed', { runId: this.runId, error: message });
    await this.flush();
    const progress = this.progressNow;
    const failed = await this.deps.runs
      .transition(this.runId, ['running'], { status: 'failed', error: message, finishedAt: this.now().toISOString(), ...(progress ? { progress } : {}) })
      .catch(() => null);
    if (failed) await notifyFailure(failed, message, this.deps).catch(() => undefined);
    return error;
  }

  /** Stops the timer; call once the session's work is over, whatever its outcome. */
  close(): void {
    this.clearStop();
  }
}
