import type { Context } from 'aws-lambda';
import { auditContainer, type AuditContainer } from '../lib/delivery/auditContainer';
import { markRunFailed } from '../lib/delivery/markRunFailed';
import { stateMachineEvents } from '../lib/delivery/stateMachineEvents';

/**
 * The state machine's MarkFailed task ({ runId, error }), reached from a Catch:
 * ends the run `failed` with the error and sends the failure notices, once.
 */
export async function handle(event: unknown, _context?: Pick<Context, 'getRemainingTimeInMillis'>, deps: AuditContainer = auditContainer()): Promise<{ runId: string; outcome: 'marked' | 'already-ended' }> {
  const failed = stateMachineEvents.markFailed(event, 'markRunFailed');
  const outcome = await markRunFailed(failed, deps.audit);
  deps.logger.info('run failure from the state machine handled', { runId: failed.runId, outcome });
  return { runId: failed.runId, outcome };
}

export const handler = (event: unknown, context: Context) => handle(event, context);
