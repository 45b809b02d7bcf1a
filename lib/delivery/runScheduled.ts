/**
 * The nightly run: recorded once per EventBridge event, then audited here and
 * now in the scheduled function, or, when its snapshot reached
 * PARTITION_THRESHOLD_ITEMS, handed to the state machine (plan → map → reduce).
 */
import { executeAudit, type RunLimits } from './executeAudit';
import type { AuditContainer } from './auditContainer';
import { failActiveRun } from './recoverRuns';
import type { RunRecord } from './RunRecord';
import { startRun } from './startRun';

/** Records the run only; where it runs is decided below. */
const recordOnly = { launch: async () => undefined };

/**
 * Records the nightly run (the event id is its idempotency key, so a
 * redelivered event records nothing twice) and runs it: inline below the
 * threshold; above it, an execution of the state machine is started and the
 * run is returned `queued`. A run that was handed to the state machine, or
 * claimed, already is not started again. An execution that cannot be started
 * fails the run with its failure notice, and the error is rethrown.
 *
 * @example
 * await runScheduled(event.id, container, limitsOf(context, container.config)) // the run's record
 */
export async function runScheduled(
  eventId: string,
  deps: Pick<AuditContainer, 'runs' | 'audit' | 'largeRuns'>,
  limits: RunLimits,
  /** Told the run's id as soon as it is recorded (the handler adds it to its log lines). */
  onRecorded: (runId: string) => void = () => undefined,
): Promise<RunRecord> {
  const { record } = await startRun(
    { trigger: 'schedule', requestedBy: 'schedule', request: { formats: ['json', 'csv', 'pdf'], notify: true, dryRun: false }, idempotencyKey: eventId },
    deps.runs,
    recordOnly,
  );
  onRecorded(record.runId);
  if (record.executionArn) return record;
  const large = deps.largeRuns;
  if (record.status === 'queued' && large && (await large.threshold.isLarge(record.request.snapshotId))) {
    try {
      await large.stateMachine.launch(record.runId);
    } catch (error) {
      await failActiveRun(record, `The audit could not be started: ${(error as Error).message}`, deps.audit);
      throw error;
    }
    return (await deps.runs.get(record.runId)) ?? record;
  }
  // A redelivered event finds its run claimed already: executeAudit then runs nothing.
  return executeAudit(record.runId, deps.audit, limits);
}
