import type { Context } from 'aws-lambda';
import { auditContainer, type AuditContainer } from '../lib/delivery/auditContainer';
import { markRunFailed } from '../lib/delivery/markRunFailed';
import { forStateMachine } from '../lib/delivery/stateMachineErrors';
import { stateMachineEvents } from '../lib/delivery/stateMachineEvents';

/**
 * The state machine's MarkFailed task ({ runId, error }), reached from a Catch:
 * ends the run `failed` with the error and sends the failure notices, once.
 */
export async function handle(event: unknown, _context?: Pick<Context, 'getRemainingTimeInMillis'>, deps: AuditContainer = auditContainer()): Promise<{ runId: string; outcome: 'marked' | 'already-ended' }> {
  const failed = stateMachineEvents.markFailed(event, 'markRunFailed');
  let outcome: 'marked' | 'already-ended';
  try {
    outcome = await markRunFailed(failed, deps.audit);
  } catch (thrown) {
    // Throttling becomes `Throttled`, which the state machine retries: MarkFailed has no Catch after it.
    throw forStateMachine(thrown);
  }
  deps.logger.info('run failure from the state machine handled', { runId: failed.runId, outcome });
  return { runId: failed.runId, outcome };
}

export const handler = (event: unknown, context: Context) => handle(event, context);
