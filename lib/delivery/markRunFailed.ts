/**
 * The state machine's last word on a run it could not finish: its Catch
 * (a plan or reduce step that failed after its retries, a map that failed as a
 * whole, a timeout) ends the run `failed` with the error and tells every
 * channel, once, as the on-failure queue does for the one-Lambda audit.
 */
import type { AuditDependencies } from './executeAudit';
import { failActiveRun } from './recoverRuns';
import { describeProgress } from './RunRecord';
import { describeStateError, type StateError } from './stateMachineErrors';

/** What the MarkFailed state passes: the run and the error its Catch caught. */
export interface MarkFailedEvent {
  runId: string;
  error?: StateError;
}

/**
 * Fails the run (only from queued or running: a conditional write) with why
 * and how far it got, and sends the failure notices; a run that already ended
 * (the step recorded its own failure, and told) is left alone.
 *
 * @example
 * await markRunFailed({ runId, error: { Error: 'States.Timeout', Cause: '' } }, deps) // 'marked'
 */
export async function markRunFailed(event: MarkFailedEvent, deps: Pick<AuditDependencies, 'runs' | 'notifiers' | 'metrics' | 'log' | 'now' | 'stateMachine'>): Promise<'marked' | 'already-ended'> {
  const run = await deps.runs.get(event.runId);
  if (!run) throw new Error(`Run ${event.runId} is not in the audit-runs table.`);
  const error = `The state machine stopped the run (${describeStateError(event.error)}), ${describeProgress(run.progress)}.`;
  return (await failActiveRun(run, error, deps)) ? 'marked' : 'already-ended';
}
