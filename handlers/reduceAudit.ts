import type { Context } from 'aws-lambda';
import { auditContainer, type AuditContainer } from '../lib/delivery/auditContainer';
import { limitsOf } from '../lib/delivery/limits';
import { reducePartitionedRun } from '../lib/delivery/reducePartitionedRun';
import type { RunRecord } from '../lib/delivery/RunRecord';
import { stateMachineEvents } from '../lib/delivery/stateMachineEvents';

/**
 * The state machine's Reduce task ({ runId }): the partitions' findings into
 * the run's reports, stored, committed to history and delivered, as the
 * one-Lambda audit finishes a run. Answers the run's id and final status.
 */
export async function handle(event: unknown, context: Pick<Context, 'getRemainingTimeInMillis'>, deps: AuditContainer = auditContainer()): Promise<Pick<RunRecord, 'runId' | 'status'>> {
  const { runId } = stateMachineEvents.run(event, 'reduceAudit');
  deps.logger.appendKeys({ runId });
  try {
    // Its id and status only: the record may outgrow what a state's output holds (256 KiB).
    const { status } = await reducePartitionedRun(runId, deps.audit, limitsOf(context, deps.config));
    return { runId, status };
  } finally {
    deps.logger.removeKeys(['runId']);
  }
}

export const handler = (event: unknown, context: Context) => handle(event, context);
