import type { Context } from 'aws-lambda';
import { auditContainer, type AuditContainer } from '../lib/delivery/auditContainer';
import { diffRangeBatch, type DiffedBatch } from '../lib/delivery/diffRangeBatch';
import { limitsOf } from '../lib/delivery/limits';
import { stateMachineEvents } from '../lib/delivery/stateMachineEvents';

/**
 * A child of the state machine's DiffRanges map ({ BatchInput: { runId }, Items: [range…] }):
 * diffs each range of the batch with the previous run into the run-files bucket. Its
 * Catch calls it again with { …, error }: the ranges without a result are recorded as failed.
 */
export async function handle(event: unknown, context: Pick<Context, 'getRemainingTimeInMillis'>, deps: AuditContainer = auditContainer()): Promise<DiffedBatch> {
  const batch = stateMachineEvents.ranges(event, 'diffRanges');
  deps.logger.appendKeys({ runId: batch.BatchInput.runId });
  try {
    return await diffRangeBatch(batch, deps.audit, limitsOf(context, deps.config));
  } finally {
    deps.logger.removeKeys(['runId']);
  }
}

export const handler = (event: unknown, context: Context) => handle(event, context);
