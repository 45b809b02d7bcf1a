import type { Context } from 'aws-lambda';
import { auditContainer, type AuditContainer } from '../lib/delivery/auditContainer';
import { limitsOf } from '../lib/delivery/limits';
import { planPartitionedRun, type PlannedRun } from '../lib/delivery/planPartitionedRun';
import { stateMachineEvents } from '../lib/delivery/stateMachineEvents';

/**
 * The state machine's Plan task ({ runId }): claims the run, plans it, stores
 * the plan in the run-files bucket and answers { runId, partitions } for the map.
 */
export async function handle(event: unknown, context: Pick<Context, 'getRemainingTimeInMillis'>, deps: AuditContainer = auditContainer()): Promise<PlannedRun> {
  const { runId } = stateMachineEvents.run(event, 'planAudit');
  deps.logger.appendKeys({ runId });
  try {
    return await planPartitionedRun(runId, deps.audit, limitsOf(context, deps.config));
  } finally {
    deps.logger.removeKeys(['runId']);
  }
}

export const handler = (event: unknown, context: Context) => handle(event, context);
