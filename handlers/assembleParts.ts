import type { Context } from 'aws-lambda';
import { auditContainer, type AuditContainer } from '../lib/delivery/auditContainer';
import { assemblePartBatch, type AssembledBatch } from '../lib/delivery/assemblePartBatch';
import { limitsOf } from '../lib/delivery/limits';
import { stateMachineEvents } from '../lib/delivery/stateMachineEvents';

/**
 * A child of the state machine's AssembleParts map ({ BatchInput: { runId }, Items: [part…] }):
 * writes each part of the batch (an itemId range of the reports) into the run-files bucket. Its
 * Catch calls it again with { …, error }: the parts without a result are recorded as failed.
 */
export async function handle(event: unknown, context: Pick<Context, 'getRemainingTimeInMillis'>, deps: AuditContainer = auditContainer()): Promise<AssembledBatch> {
  const batch = stateMachineEvents.parts(event, 'assembleParts');
  deps.logger.appendKeys({ runId: batch.BatchInput.runId });
  try {
    return await assemblePartBatch(batch, deps.audit, limitsOf(context, deps.config));
  } finally {
    deps.logger.removeKeys(['runId']);
  }
}

export const handler = (event: unknown, context: Context) => handle(event, context);
