import type { Context } from 'aws-lambda';
import { auditContainer, type AuditContainer } from '../lib/delivery/auditContainer';
import { limitsOf } from '../lib/delivery/limits';
import { mapPartitionBatch, type MappedBatch } from '../lib/delivery/mapPartitionBatch';
import { stateMachineEvents } from '../lib/delivery/stateMachineEvents';

/**
 * A child of the state machine's Distributed Map ({ BatchInput: { runId }, Items }):
 * maps each partition of the batch into the run-files bucket. Its Catch calls it
 * again with { …, error }: the partitions without a result are recorded as failed.
 */
export async function handle(event: unknown, context: Pick<Context, 'getRemainingTimeInMillis'>, deps: AuditContainer = auditContainer()): Promise<MappedBatch> {
  const batch = stateMachineEvents.batch(event, 'mapPartitions');
  deps.logger.appendKeys({ runId: batch.BatchInput.runId });
  try {
    return await mapPartitionBatch(batch, deps.audit, limitsOf(context, deps.config));
  } finally {
    deps.logger.removeKeys(['runId']);
  }
}

export const handler = (event: unknown, context: Context) => handle(event, context);
